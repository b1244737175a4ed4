"""DOCX: generated Word reports of both templates read back cell for cell; text boxes,
layout tables and sliver grid columns; damaged packages and zip bombs refused in one line."""

from __future__ import annotations

import functools
import io
import zipfile

import pytest
from lxml import etree

from nianbao.demo import documents as D
from parsers import docx as X
from parsers import parse_bytes
from parsers import template as T
from tests.parsers import generated
from tests.parsers.generated import assert_same_report, cases

AGENCY = "汉阴县卫生健康局"
W = X.W
CASES = cases((11, True, False), (12, False, False), (13, True, True))
sample = functools.partial(generated.sample, agency=AGENCY)


@pytest.mark.parametrize("seed,template,balanced,blanks", CASES)
def test_generated_docx_reads_back_every_cell(seed: int, template: str, balanced: bool, blanks: bool) -> None:
    report = sample(seed, template, balanced, blanks)
    parsed = parse_bytes(D.render_docx(report), "report.docx")
    assert_same_report(parsed, report, "docx")
    assert bool(parsed.warnings) == blanks  # a blank cell is said to be blank, nothing else is
    assert "六、其他需要报告的事项" in parsed.text and report["signed"] in parsed.text
    assert parsed.published_at is None  # the signature date is not a publication date


@pytest.mark.parametrize("template", T.TEMPLATES)
def test_rows_in_reading_order_with_merged_cells_expanded(template: str) -> None:
    report = sample(3, template)
    assert X.extract(D.render_docx(report)).rows == D.document_rows(report)


def rewrite(data: bytes, change) -> bytes:
    """The package with its document.xml passed through ``change(root)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == X.MAIN_PART:
                root = etree.fromstring(body)
                change(root)
                body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(info.filename, body)
    return out.getvalue()


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def make(tag: str, *children: etree._Element, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.Element(tag, {w(k): v for k, v in attrs.items()})
    element.extend(children)
    element.text = text
    return element


def text_paragraph(text: str) -> etree._Element:
    return make(w("p"), make(w("r"), make(w("t"), text=text)))


def test_title_in_a_text_box_is_read_once() -> None:
    """Word stores a text box twice: the drawing (mc:Choice) and a VML copy (mc:Fallback)."""
    report = sample(4, "2021")
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    wps = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
    vml = "urn:schemas-microsoft-com:vml"

    def box_title(root: etree._Element) -> None:
        title = root.find(f"{w('body')}/{w('p')}")
        for run in title.findall(w("r")):
            title.remove(run)
        choice = make(f"{{{mc}}}Choice", make(f"{{{wps}}}txbx", make(w("txbxContent"), text_paragraph(report["title"]))))
        fallback = make(f"{{{mc}}}Fallback", make(f"{{{vml}}}textbox", make(w("txbxContent"), text_paragraph(report["title"]))))
        title.append(make(w("r"), make(f"{{{mc}}}AlternateContent", choice, fallback)))

    data = rewrite(D.render_docx(report), box_title)
    body = X.extract(data)
    assert body.rows[0] == [report["title"]]
    assert sum(row == [report["title"]] for row in body.rows) == 1
    assert_same_report(parse_bytes(data, "boxed.docx"), report, "docx")


def test_report_inside_a_layout_table_is_read() -> None:
    """Some agencies put the whole report in a one-cell table; the real tables nest in it."""
    report = sample(5, "2019")

    def wrap(root: etree._Element) -> None:
        body = root.find(w("body"))
        content = [child for child in body if child.tag != w("sectPr")]
        cell = make(w("tc"), *content, text_paragraph(""))
        body.insert(0, make(w("tbl"), make(w("tr"), cell)))

    data = rewrite(D.render_docx(report), wrap)
    assert X.extract(data).rows == D.document_rows(report)
    assert_same_report(parse_bytes(data, "wrapped.docx"), report, "docx")


def test_sliver_grid_column_does_not_shift_cells() -> None:
    """Borders that do not line up leave a 1-twip grid column, spanned by the cells over it."""
    report = sample(6, "2021")

    def add_sliver(root: etree._Element) -> None:
        table = root.findall(f".//{w('tbl')}")[-1]  # table 四
        grid = table.find(w("tblGrid"))
        grid.insert(5, make(w("gridCol"), w="1"))
        for tr in table.iter(w("tr")):
            position = 0
            for tc in tr.iter(w("tc")):
                span = tc.find(f"{w('tcPr')}/{w('gridSpan')}")
                width = int(span.get(w("val"))) if span is not None else 1
                if position <= 4 < position + width:
                    if span is None:
                        span = make(w("gridSpan"))
                        tc.find(w("tcPr")).append(span)
                    span.set(w("val"), str(width + 1))
                position += width

    data = rewrite(D.render_docx(report), add_sliver)
    assert max(len(row) for row in X.extract(data).rows) == 15
    assert_same_report(parse_bytes(data, "sliver.docx"), report, "docx")


def assert_one_line_error(data: bytes, words: str) -> None:
    parsed = parse_bytes(data, "bad.docx")
    assert parsed.error is not None and "\n" not in parsed.error
    assert words in parsed.error
    assert parsed.applications == {} and parsed.active == {}


def test_truncated_docx_is_an_error() -> None:
    data = D.render_docx(sample(1, "2021"))
    assert_one_line_error(data[: len(data) // 2], "damaged or truncated")


def test_zip_bomb_posing_as_docx_is_refused() -> None:
    """200 MB of zeros deflate to about 200 KB: refused before anything is inflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open(X.MAIN_PART, "w") as part:
            zeros = bytes(2**20)
            for _ in range(200):
                part.write(zeros)
    data = buffer.getvalue()
    assert len(data) < 1_000_000
    assert_one_line_error(data, "zip bomb")


def test_highly_compressed_member_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(X.MAIN_PART, b"<w:document/>")
        package.writestr("word/media/image1.png", bytes(20 * 2**20))
    assert_one_line_error(buffer.getvalue(), "compressed")


def test_zip_that_is_not_a_docx_is_an_error() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("readme.txt", "hello")
        package.writestr("data.csv", "a,b\n1,2\n")
    assert_one_line_error(buffer.getvalue(), "without word/document.xml")


def test_broken_document_xml_is_an_error() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(X.MAIN_PART, "<w:document xmlns:w='x'><w:body><w:p>")
    assert_one_line_error(buffer.getvalue(), "not a readable DOCX")


def test_word_file_that_is_not_a_report_is_an_error() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("会议通知：请各单位于周五下午三点参加会议。")
    buffer = io.BytesIO()
    document.save(buffer)
    assert_one_line_error(buffer.getvalue(), "not an annual report")


def package(body_xml: str) -> bytes:
    """A minimal DOCX whose body is ``body_xml`` (WordprocessingML, prefix ``w``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(X.MAIN_PART, f'<w:document xmlns:w="{W}"><w:body>{body_xml}</w:body></w:document>')
    return buffer.getvalue()


def tc(text: str = "", props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def test_every_kind_of_merge_is_expanded() -> None:
    """gridSpan and vMerge (Word), hMerge (old Word), gridBefore (a row starting late),
    a content control around a row, a label broken over two paragraphs."""
    span, restart, down = '<w:gridSpan w:val="2"/>', '<w:vMerge w:val="restart"/>', "<w:vMerge/>"
    left, across = '<w:hMerge w:val="restart"/>', "<w:hMerge/>"
    table = (
        "<w:tbl><w:tblGrid>" + '<w:gridCol w:w="900"/>' * 4 + "</w:tblGrid>"
        f"<w:tr>{tc('三、本年度办理结果', restart)}{tc('申请人情况', span)}{tc('总计')}</w:tr>"
        f"<w:tr>{tc('', down)}{tc('自然人', left)}{tc('', across)}{tc('7')}</w:tr>"
        f"<w:sdt><w:sdtContent><w:tr>{tc('', down)}{tc('4', span)}{tc('5')}</w:tr></w:sdtContent></w:sdt>"
        '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>' f"{tc('1')}{tc('2')}{tc('3')}</w:tr>"
        "<w:tr><w:tc><w:p><w:r><w:t>要求行政机关确认或重新</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>出具已获取信息</w:t></w:r></w:p></w:tc>" f"{tc('0', span)}{tc('0')}</w:tr>"
        "</w:tbl>"
    )
    body = X.extract(package("<w:p><w:r><w:t>前言</w:t><w:tab/><w:t>1</w:t></w:r></w:p>" + table))
    assert body.rows == [
        ["前言\t1"],
        ["三、本年度办理结果", "申请人情况", "申请人情况", "总计"],
        ["三、本年度办理结果", "自然人", "自然人", "7"],
        ["三、本年度办理结果", "4", "4", "5"],
        ["", "1", "2", "3"],
        ["要求行政机关确认或重新\n出具已获取信息", "0", "0", "0"],
    ]
    assert body.lines[2] == "\t自然人\t\t7"  # the plain text shows a merged cell once


def test_forged_span_is_capped() -> None:
    forged = '<w:gridSpan w:val="100000000"/>'
    body = X.extract(package(f"<w:tbl><w:tr>{tc('x', forged)}</w:tr></w:tbl>"))
    assert body.rows == [["x"] * X.MAX_SPAN]
