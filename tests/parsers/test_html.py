"""HTML: generated portal pages of both templates read back cell for cell whatever their
encoding and chrome; merged and nested tables; pages that are not reports, or whose
tables are images, refused in one line; ``page_meta`` for the crawler."""

from __future__ import annotations

import functools

import pytest

from nianbao.demo import documents as D
from parsers import html as H
from parsers import parse_bytes
from parsers.limits import Budget
from tests.parsers import generated
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
    assert (parsed.published_at, parsed.published_at_source) == ("2024-01-22", "meta:发布日期")
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
    report = sample(46, "2021")
    page = D.render_html(report, pub_date="2024-01-20").decode("utf-8")
    start, end = page.index("<table"), page.rindex("</table>") + len("</table>")
    page = page[:start] + '<p><img src="/picture/0/2401201.png"></p><p><img src="/picture/0/2401202.jpg"></p>' + page[end:]
    assert "<table" not in page
    parsed = parse_bytes(page.encode("utf-8"), "images.html")
    assert parsed.error.startswith("the report's tables are images, not text")


def test_page_meta_for_the_crawler() -> None:
    report = sample(47, "2021")
    page = D.render_html(report, encoding="gbk", declare_charset=False, pub_date="2024-01-20 10:00")
    info = H.page_meta(page)
    assert info["title"] == report["title"] and info["h1"] == report["title"]
    assert info["meta"]["PubDate"] == "2024-01-20 10:00" and info["meta"]["ColumnName"] == "政府信息公开年报"
    assert info["date"] == ("发布日期", "2024-01-20 10:00")
    assert ("/col/col105/index.html", "政府信息公开年报") in info["links"]
