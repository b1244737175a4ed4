"""HTML: generated portal pages of both templates read back cell for cell whatever their
encoding and chrome; the article in each CMS's container; tables pasted as paragraphs,
separated lines or pictures; rows missing a <td>; merged and nested tables; pages that
are not reports refused in one line."""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Callable

import pytest

from nianbao.demo import documents as D
from parsers import article as A
from parsers import html as H
from parsers import parse_bytes
from parsers import template as T
from tests.parsers import cms_pages as P
from parsers.limits import Budget
from tests.parsers import generated
from tests.parsers.conftest import review
from tests.parsers.generated import assert_same_report, cases

AGENCY = "尉氏县卫生健康委员会"
CASES = cases((41, True, False), (42, False, True))
sample = functools.partial(generated.sample, agency=AGENCY)


@pytest.mark.parametrize("seed,template,balanced,blanks", CASES)
def test_generated_pages_read_back_every_cell(seed: int, template: str, balanced: bool, blanks: bool) -> None:
    report = sample(seed, template, balanced, blanks)
    parsed = parse_bytes(D.render_html(report, pub_date="2024-01-20 10:00"), "report.html")
    assert_same_report(parsed, report, "html")
    assert (parsed.published_at, parsed.published_at_source) == ("2024-01-20", "meta:PubDate")
    assert bool(parsed.warnings) == blanks
    assert parsed.text.startswith(report["title"]) and report["signed"] in parsed.text
    assert not any(word in parsed.text for word in ("互动交流", "网站地图", "浏览次数"))  # the page's chrome


def test_visible_publication_date_without_pubdate_meta() -> None:
    report = sample(43, "2021")
    page = D.render_html(report, pub_date="2024-01-22").replace(b'<meta name="PubDate" content="2024-01-22">', b"")
    assert b"PubDate" not in page
    parsed = parse_bytes(page, "report.html")
    assert (parsed.published_at, parsed.published_at_source) == ("2024-01-22", "text:发布日期")  # printed, not a meta tag
    assert parsed.error is None and parsed.year == 2023  # the year reported on, not the year published


@pytest.mark.parametrize("encoding,declared", [("gbk", False), ("gb2312", True), ("utf-8", False)])
def test_encodings_with_and_without_declaration(encoding: str, declared: bool) -> None:
    report = sample(44, "2019")
    page = D.render_html(report, encoding=encoding, declare_charset=declared, pub_date="2021-01-29")
    assert (b"charset=" in page) == declared
    if encoding != "utf-8":
        with pytest.raises(UnicodeDecodeError):
            page.decode("utf-8")
    parsed = parse_bytes(page, "report.html")
    assert_same_report(parsed, report, "html")
    assert parsed.published_at == "2021-01-29"


def heavy_page(report: dict, wrapped: bool = True) -> bytes:
    """The article inside a portal of the worst kind: a layout table around everything,
    a sidebar of link tables, a script, a related-articles list that names 年报 too."""
    article = D.render_html(report, page_chrome=False).decode("utf-8")
    body = article[article.index("<body>") + 6:article.index("</body>")]
    links = "".join(f'<tr><td><a href="/art/{i}.html">某某县{i}年政府信息公开工作年度报告</a></td></tr>' for i in range(40))
    return (
        '<html><head><meta charset="utf-8"><title>某某县人民政府</title>'
        '<script>var 自然人 = "申请人情况";</script><style>td{}</style></head><body>'
        '<table class="layout"><tr><td colspan="2"><div class="nav">首页 | 政务公开 | 互动交流</div></td></tr>'
        f'<tr><td class="side"><table>{links}</table></td>'
        f'<td class="main"><div class="crumb">当前位置：首页 &gt; 年报</div>'
        + (f'<div id="zoom">{body}</div>' if wrapped else body) +
        '<div>发布时间：2024-01-19 09:30</div></td></tr>'
        '<tr><td colspan="2"><footer>网站地图 联系我们</footer></td></tr></table></body></html>'
    ).encode("utf-8")


@pytest.mark.parametrize("wrapped", [True, False])
def test_report_inside_heavy_navigation(wrapped: bool) -> None:
    """In its own container, or straight in a cell of the page's layout table."""
    report = sample(45, "2021", blanks=True)
    parsed = parse_bytes(heavy_page(report, wrapped), "report.html")
    assert_same_report(parsed, report, "html")
    assert parsed.published_at == "2024-01-19"
    assert "某某县3年" not in parsed.text and "互动交流" not in parsed.text


def test_rowspan_colspan_expanded_into_a_full_grid() -> None:
    page = ("<table><tr><td rowspan='2' colspan='2'>A</td><td>B</td></tr>"
            "<tr><td>C<br>D</td></tr>"
            "<tbody><tr><td>E</td><td colspan='x'>F</td><td rowspan='9'>G</td></tr></tbody></table>")
    table = H._document(page.encode(), None).find(".//table")
    assert H.expand(table, Budget()) == [["A", "A", "B"], ["A", "A", "C\nD"], ["E", "F", "G"]]


def test_hand_written_table_with_merged_cells() -> None:
    """A page typed by hand: table 四 with both header rows merged, <br> in cells, and
    table 三 rows whose group label spans them; values land in their columns."""
    head = "<td colspan='5'>行政复议</td><td colspan='10'>行政诉讼</td>"
    results = "".join(f"<td rowspan='2'>{label}</td>" for label in ("结果<br>维持", "结果<br>纠正", "其他<br>结果", "尚未<br>审结", "总计"))
    numbers = "".join(f"<td>{n}</td>" for n in (1, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1))
    table4 = (f"<table><tr>{head}</tr><tr>{results}<td colspan='5'>未经复议直接起诉</td><td colspan='5'>复议后起诉</td></tr>"
              "<tr>" + "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>" * 2 + "</tr>"
              f"<tr>{numbers}</tr></table>")
    page = ("<html><head><title>某某县民政局2021年政府信息公开工作年度报告</title></head><body>"
            "<h1>某某县民政局2021年政府信息公开工作年度报告</h1><p>四、政府信息公开行政复议、行政诉讼情况</p>"
            f"{table4}<p>五、存在的主要问题及改进情况</p></body></html>").encode("utf-8")
    parsed = parse_bytes(page, "hand.html")
    assert parsed.error is None
    assert parsed.review_litigation == {
        "review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2},
        "litigation_direct": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
        "litigation_after_review": {"upheld": 0, "corrected": 1, "other": 0, "pending": 0, "total": 1},
    }
    assert (parsed.agency, parsed.year) == ("某某县民政局", 2021)


def test_disclosure_guide_is_not_a_report() -> None:
    page = ("<html><head><meta charset='gbk'><title>尉氏县卫生健康委员会政府信息公开指南</title></head><body>"
            "<div class='nav'><a href='/'>首页</a></div><h1>政府信息公开指南</h1>"
            "<p>一、主动公开：公开的主体和范围……</p><table><tr><td>受理机构</td><td>办公室</td></tr>"
            "<tr><td>联系电话</td><td>0371-00000000</td></tr></table></body></html>").encode("gbk")
    parsed = parse_bytes(page, "guide.html")
    assert parsed.error.startswith("not an annual report: no disclosure tables on the page")
    assert "政府信息公开指南" in parsed.error and parsed.file_type == "html"


def test_tables_as_images_are_said_to_be_images() -> None:
    """Sections 二 to 四, headings and all, are one run of pictures: the page cannot be told
    from a look-alike, so it is refused, saying that its tables are images."""
    report = sample(46, "2021")
    page = D.render_html(report, pub_date="2024-01-20").decode("utf-8")
    start, end = page.index("<table"), page.rindex("</table>") + len("</table>")
    page = page[:start] + '<p><img src="/picture/0/2401201.png"></p><p><img src="/picture/0/2401202.jpg"></p>' + page[end:]
    assert "<table" not in page
    parsed = parse_bytes(page.encode("utf-8"), "images.html")
    assert parsed.error.startswith("the report's tables are images, not text")


def test_gbk_page_without_declared_charset() -> None:
    report = sample(47, "2021")
    page = D.render_html(report, encoding="gbk", declare_charset=False, pub_date="2024-01-20 10:00")
    parsed = parse_bytes(page, "gbk.html")
    assert parsed.title == report["title"]
    assert (parsed.published_at, parsed.published_at_source) == ("2024-01-20", "meta:PubDate")



CHROME = ("网站地图", "互动交流", "某某县2016年", "分享到", "_showDynClickBatch", "本文目录")
TABLES = ("active", "applications", "review_litigation")


@pytest.mark.parametrize("shape", sorted(P.PAGE_SHAPES))
@pytest.mark.parametrize("template", T.TEMPLATES)
def test_article_in_each_cms_container(shape: str, template: str) -> None:
    """VSB's <form>, TRS_Editor, wp_articlecontent, an HTML5 <article> with its own
    <header>, a legacy layout <td>: the body is read whole, the site around it not."""
    report = sample(48, template, blanks=True)
    parsed = parse_bytes(P.page(report, shape), f"{shape}.html")
    assert_same_report(parsed, report, "html")
    assert parsed.doubts == {}
    assert report["signed"] in parsed.text and report["sections"]["other_matters"][0] in parsed.text
    assert not any(word in parsed.text for word in CHROME)


# Each way of pasting a table in another CMS's page.
PASTED = list(zip(sorted(P.TABLE_RENDERS), itertools.cycle(sorted(P.PAGE_SHAPES))))


@pytest.mark.parametrize("layout,shape", PASTED)
@pytest.mark.parametrize("template", T.TEMPLATES)
def test_tables_pasted_without_table_markup(layout: str, shape: str, template: str) -> None:
    """A paragraph per cell, tab/pipe/space-separated lines, <br> lines, <pre>, a table
    inside a cell of the editor's box: every cell read back, nothing doubted."""
    report = sample(49, template)
    parsed = parse_bytes(P.page(report, shape, P.TABLE_RENDERS[layout]), f"{layout}.html")
    assert_same_report(parsed, report, "html")
    assert (parsed.warnings, parsed.doubts) == ([], {})


@pytest.mark.parametrize("layout", ["tabs", "pipes", "br_lines"])
def test_blank_cells_keep_their_place_in_separated_lines(layout: str) -> None:
    report = sample(50, "2021", blanks=True)
    parsed = parse_bytes(P.page(report, "trs", P.TABLE_RENDERS[layout]), f"{layout}.html")
    assert_same_report(parsed, report, "html")
    assert parsed.warnings and all("blank cell" in w for w in parsed.warnings)
    assert parsed.doubts == {}


def _blank_rows(report: dict) -> set[str]:
    return {key for key, row in report["applications"].items() if None in row.values()}


@pytest.mark.parametrize("layout", ["cell_paragraphs", "wide_spaces"])
def test_blank_cells_lost_in_the_paste_are_damaged_rows(layout: str) -> None:
    """A paragraph per cell drops an empty cell, and runs of spaces merge around one: the
    row has fewer numbers than columns and nobody can say which is missing. Its values
    are null and doubted; every other row is read exactly."""
    report = sample(50, "2021", blanks=True)
    blank = _blank_rows(report)
    assert blank
    parsed = parse_bytes(P.page(report, "webplus", P.TABLE_RENDERS[layout]), f"{layout}.html")
    for key, row in report["applications"].items():
        assert parsed.applications[key] == (dict.fromkeys(row) if key in blank else row), key
    assert sorted(parsed.doubts["applications"]) == sorted(blank)
    assert sum("table 三" in w and "damaged row" in w for w in parsed.warnings) == len(blank)
    # table 四 lost its blank too: the group that held it is null, the others are read
    assert parsed.review_litigation == {group: dict.fromkeys(row) if None in row.values() else row
                                        for group, row in report["review_litigation"].items()}
    assert parsed.doubts["review_litigation"] == ["*"] and parsed.active == report["active"]


def _granted_or_review_numbers(texts: list[str]) -> bool:
    """Table 三's 予以公开 row, or table 四's row of fifteen numbers."""
    return any("予以公开" in text for text in texts) or (len(texts) == 15 and all(t.isdigit() for t in texts))


def test_row_missing_a_td_is_damaged_not_shifted() -> None:
    """Table 三's 予以公开 row lost its 商业企业 <td>, table 四's numbers lost 行政复议's
    尚未审结: read padded, every value after the gap would move one column left. Only what
    every consistent placement agrees on is kept, and those rows are doubted; empty <td>s
    elsewhere stay blanks, not doubts."""
    report = sample(51, "2021", blanks=True)
    report["review_litigation"] = review([1, 0, 0, 0, 1] + [0] * 10)
    granted = report["applications"]["granted"]

    def damaged(table: D.Table) -> str:
        is_applications = any("予以公开" in c.text for row in table for c in row)
        from_end = 6 if is_applications else 12  # 商业企业 of seven values; 尚未审结 of fifteen
        return P.without_td(_granted_or_review_numbers, from_end)(table)

    parsed = parse_bytes(P.page(report, "trs", damaged), "damaged.html")
    expected = copy.deepcopy(report["applications"])
    expected["granted"] = dict.fromkeys(granted)
    assert parsed.error is None and parsed.applications == expected
    assert parsed.review_litigation == review([None] * 5 + [0] * 10)
    assert parsed.active == report["active"]
    assert parsed.doubts == {"applications": ["granted"], "review_litigation": ["*"]}
    assert any("予以公开" in w and "damaged row" in w for w in parsed.warnings)
    assert any("table 四" in w and "damaged row" in w for w in parsed.warnings)
    assert any("blank cell" in w for w in parsed.warnings)


def test_table_with_a_long_note_row_under_odd_headings() -> None:
    """A template table closed by a long merged note is still a table of the report, so the
    page is one whatever its headings say (五 and 六 renamed here)."""
    report = sample(56, "2019", blanks=True)
    page = (P.page(report, "layout_tables", P.with_footnote).decode("utf-8")
            .replace("五、存在的主要问题及改进情况", "五、问题与改进").replace("六、其他需要报告的事项", "六、其他"))
    assert len(P.FOOTNOTE) > A.MAX_DATA_CELL_CHARS
    parsed = parse_bytes(page.encode("utf-8"), "note.html")
    assert_same_report(parsed, report, "html")
    assert parsed.doubts == {} and P.FOOTNOTE in parsed.text


def test_expanded_rows_short_of_a_td_are_handed_on_short() -> None:
    page = ("<table><tr><td rowspan='3'>组</td><td>甲</td><td>1</td><td>2</td></tr>"
            "<tr><td>乙</td><td>3</td></tr><tr><td>丙</td><td></td><td>4</td></tr>"
            "<tr><td></td><td></td><td></td><td></td><td></td></tr></table>")
    table = H._document(page.encode(), None).find(".//table")
    assert H.expand(table, Budget()) == [["组", "甲", "1", "2", ""], ["组", "乙", "3"], ["组", "丙", "", "4", ""],
                               ["", "", "", "", ""]]


@pytest.mark.parametrize("shape", ["vsb", "html5", "layout_tables"])
def test_tables_as_pictures_are_a_report_with_doubts(shape: str) -> None:
    """The six headings and the title are text, the tables pictures: a report whose tables
    are doubted whole and said to be images; the pictures are where OCR is to look."""
    report = sample(52, "2021")
    data = P.page(report, shape, P.pictures)
    parsed = parse_bytes(data, f"{shape}.html")
    assert parsed.error is None
    assert (parsed.agency, parsed.year, parsed.title) == (report["agency"], report["year"], report["title"])
    assert parsed.applications == {} and parsed.review_litigation == {}
    assert parsed.active == {item.key: dict.fromkeys(c.key for c in item.columns) if len(item.columns) > 1 else None
                             for item in T.active_items("2021")}
    assert parsed.doubts == dict.fromkeys(TABLES, ["*"])
    assert any(w == "tables 二、三、四 not read: the article shows them as 3 images, not text" for w in parsed.warnings)
    pictures = [f"/picture/0/{len(table)}{len(table[0])}.png" for kind, table in D.blocks(report) if kind == "table"]
    assert H.article_pictures(data) == pictures  # what the crawler fetches for OCR: not VSB's print.gif icon


@pytest.mark.parametrize("agency", ["中共某某县委机构编制委员会办公室", "某某县财政预算评审中心"])
def test_titled_by_the_site_with_pictures_is_a_report(agency: str) -> None:
    """Every page titled with the site's name, the report's title only in the body; an
    agency whose name holds 编制 or 预算 is no look-alike."""
    report = generated.sample(55, "2021", agency=agency)
    parsed = parse_bytes(P.page(report, "trs", P.pictures, site="某某县人民政府门户网站"), "site.html")
    assert parsed.error is None
    assert (parsed.agency, parsed.year, parsed.title) == (agency, report["year"], report["title"])
    assert parsed.doubts == dict.fromkeys(TABLES, ["*"])


@pytest.mark.parametrize("markup", [
    "<p>&nbsp;&nbsp;<b>二、</b><span>主动公开</span>政府信息情况</p>",
    "<p>　　二、主动公开政府信息情况</p>",
    "<div><font face='黑体'>二、</font><font face='仿宋'>主动公开政府信息情况</font></div>",
    "<p>……情况如下。<br>二、主动公开政府信息情况<br>（一）……</p>",
    "<p>二 主动公开政府信息情况</p>",
    "<p>二．主动公开政府信息情况</p>",
])
def test_section_heading_as_editors_write_it(markup: str) -> None:
    document = H._document(f"<html><body><div id='zoom'>{markup}<p>二是加强主动公开政府信息情况的审核</p>"
                           f"<p>（二）主动公开政府信息情况</p></div></body></html>".encode(), None)
    headings = A.section_headings(document)
    assert list(headings) == ["active"] and len(headings["active"]) == 1
    zoom = document.get_element_by_id("zoom")
    assert zoom in headings["active"][0].iterancestors()  # the element the heading starts in, not the article


def test_tables_left_out_are_a_report_with_doubts() -> None:
    """The page points to an attachment for its tables: still the report, nothing read."""
    report = sample(53, "2019")
    parsed = parse_bytes(P.page(report, "trs", P.elsewhere), "elsewhere.html")
    assert parsed.error is None and (parsed.agency, parsed.year) == (report["agency"], report["year"])
    assert parsed.doubts == dict.fromkeys(TABLES, ["*"])
    assert "table 三 (收到和处理政府信息公开申请) not found" in parsed.warnings
    assert not any("images" in w for w in parsed.warnings)


def _headings_only(report: dict) -> str:
    return P.body(report, P.elsewhere)


LOOKALIKE = "; its title names no annual disclosure report, or a look-alike"


@pytest.mark.parametrize("title,article,why", [
    ("关于《某某县卫生健康委员会2023年政府信息公开工作年度报告》的解读", _headings_only, LOOKALIKE),
    ("图解：某某县卫生健康委员会2023年政府信息公开工作年度报告", _headings_only, LOOKALIKE),
    ("某某县2024年政务公开工作要点", _headings_only, LOOKALIKE),
    ("某某县卫生健康委员会2023年政务公开工作总结", _headings_only, LOOKALIKE),
    ("某某县2023年法治政府建设年度报告", _headings_only, LOOKALIKE),
    ("关于做好2024年度政府信息公开工作年度报告编制和发布工作的通知", _headings_only, LOOKALIKE),
    ("某某县卫生健康委员会2023年政府信息公开工作年度报告",
     lambda report: _headings_only(report).split("三、收到和处理")[0], "; no section 三 四 五 六"),
    ("某某县卫生健康委员会2024年部门预算公开",
     lambda report: "<p>一、部门基本情况</p><table><tr><td>收入总计</td><td>1200.5</td></tr></table>", ")"),
])
def test_look_alikes_and_pages_without_the_sections_are_errors(title: str, article: Callable[[dict], str],
                                                               why: str) -> None:
    """A 解读 or 图解 walks through the six headings too, a 工作要点 or 总结 is no report,
    a report title over a page without its sections (or tables) proves nothing."""
    report = sample(54, "2021")
    parsed = parse_bytes(P.trs(title, article(report)).encode("utf-8"), "lookalike.html")
    assert parsed.error.startswith("not an annual report: no disclosure tables on the page")
    assert parsed.error.endswith(why) and "\n" not in parsed.error
