"""PDF: reports drawn the way WPS and Word export them (``tests.parsers.drawn``) read back
cell for cell: characters placed one by one, labels wrapped in narrow columns beside a
merged column label printed one character per line, items numbered ``1.`` ``1、`` ``1．``,
page numbers and a running header between the rows, table 三 broken over pages in the
middle of a row, with or without its header repeated. A number a damaged content stream
moved outside every cell is a warning and a doubt, never a value."""

from __future__ import annotations

import functools
import io
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from nianbao.demo import documents as D
from parsers import parse_bytes
from parsers import pdf as P
from parsers import template as T
from parsers.report import Report
from tests.parsers import drawn, generated
from tests.parsers.generated import assert_same_report

AGENCY = "汉阴县卫生健康局"
sample = functools.partial(generated.sample, agency=AGENCY)
FILLER = "为确保政务公开工作落到实处，安排专人具体负责，按时参加县政务公开办组织的工作推进会。" * 2
# Paragraphs added before the tables: each moves the page breaks through table 三.
PADDINGS = (0, 3, 6, 9)
STYLES = {
    "wps": drawn.Style(),
    "rows_kept_whole": drawn.Style(split_rows=False),
    "header_not_repeated": drawn.Style(repeat_header=False),
    "bare_page_numbers": drawn.Style(page_numbers=drawn.BARE_PAGE_NUMBERS),
    "labels_at_top": drawn.Style(top_labels=True),  # labels and numbers of a cut row part differently
}


# Word's text directions for a cell: rotated to read upwards, downwards, or CJK stacked upright.
TEXT_DIRECTIONS = ("btLr", "tbRl", "tbRlV")
# Label column widths (twips) of ``render_docx``'s tables and the narrower ones agencies set.
NARROWER = {'w:w="1361"': 'w:w="794"', 'w:w="2494"': 'w:w="1400"'}
MERGED_LABEL = ('<w:vMerge w:val="restart"/></w:tcPr><w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:t>'
                + D.RESULTS_HEADER)


def narrowed(docx: bytes, direction: str) -> bytes:
    """The Word file with narrower label columns (labels wrap onto two or three lines) and
    the text of 三、本年度办理结果 turned to ``direction``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "word/document.xml":
                xml = body.decode()
                assert MERGED_LABEL in xml and all(width in xml for width in NARROWER)
                for width, narrow in NARROWER.items():
                    xml = xml.replace(width, narrow)
                turned = MERGED_LABEL.replace("</w:tcPr>", f'<w:textDirection w:val="{direction}"/></w:tcPr>')
                body = xml.replace(MERGED_LABEL, turned).encode()
            target.writestr(info, body)
    return out.getvalue()


def padded(report: dict, paragraphs: int) -> dict:
    report["sections"]["overview"] = report["sections"]["overview"] + [FILLER] * paragraphs
    return report


def page_texts(data: bytes) -> list[str]:
    return [page.get_textpage().get_text_range() for page in pdfium.PdfDocument(data)]


@pytest.mark.parametrize("template", T.TEMPLATES)
@pytest.mark.parametrize("style", sorted(STYLES))
def test_wps_exports_read_back_every_cell(template: str, style: str) -> None:
    cut = 0
    for seed, paragraphs in zip((21, 22, 23, 24), PADDINGS):
        report = padded(sample(seed, template, blanks=seed % 2 == 0), paragraphs)
        data, cut_rows = drawn.render(report, STYLES[style])
        cut += cut_rows
        parsed = parse_bytes(data, "wps.pdf")
        assert_same_report(parsed, report, "pdf")
        assert parsed.doubts == {}
        assert all("blank cell" in w for w in parsed.warnings)
    assert (cut > 0) == STYLES[style].split_rows  # some row's label did run onto the next page


def test_the_drawn_pages_carry_what_wps_prints() -> None:
    """The generator really prints the traps: page numbers of every style, the running
    header, the merged label one character per line, the mixed item numbers."""
    data, _ = drawn.render(padded(sample(21, "2021"), 6))
    texts = page_texts(data)
    folded = [T.normalize(text) for text in texts]
    assert len(texts) == 4
    assert ["-1-" in folded[0], "—2—" in folded[1], "第3页" in folded[2], "第4页共4页" in folded[3]] == [True] * 4
    assert all(T.normalize(sample(21, "2021")["title"]) in text for text in folded[1:])
    rows = P.extract(data).rows
    assert any(cell == "\n".join("三、本年度办理结果") for row in rows for cell in row)
    labels = {cell for row in rows for cell in row}
    assert {"2、其他法律行政法规\n禁止公开", "3．危及“三安全一稳\n定”"} <= labels


def test_word_files_with_turned_text_and_narrow_label_columns(tmp_path: Path) -> None:
    """LibreOffice exports of Word files whose merged label reads upwards, downwards or
    stacked, beside label columns so narrow that the row labels wrap."""
    report = sample(25, "2021")
    files = []
    for direction in TEXT_DIRECTIONS:
        files.append(tmp_path / f"{direction}.docx")
        files[-1].write_bytes(narrowed(D.render_docx(report), direction))
    for path in D.convert_many(files, "pdf", tmp_path / "out"):
        data = path.read_bytes()
        parsed = parse_bytes(data, path.name)
        assert_same_report(parsed, report, "pdf")
        assert (parsed.warnings, parsed.doubts) == ([], {})
        wrapped = [cell for row in P.extract(data).rows for cell in row
                   if cell.replace("\n", "").startswith("5.要求行政机关确认")]
        assert wrapped and all(cell.count("\n") >= 2 for cell in wrapped)  # the label wraps onto 3+ lines


def stray_cells(parsed: Report, report: dict) -> set[tuple[str, str]]:
    """(row, column) of table 三 read differently from what was printed."""
    return {(row, column) for row, values in report["applications"].items() for column, value in values.items()
            if parsed.applications[row][column] != value}


@pytest.mark.parametrize("ruled", [True, False])
@pytest.mark.parametrize(("row", "column", "paragraphs"), [
    ("granted", 0, 0), ("new", 6, 3), ("processed_total", 6, 6), ("unavailable.not_held", 3, 0)])
def test_a_digit_outside_every_cell_is_a_doubt_never_a_value(row: str, column: int, paragraphs: int,
                                                             ruled: bool) -> None:
    """Without rules the digit shares a line with the row's other numbers: read across,
    it would be the row's first value and shift the rest."""
    report = padded(sample(22, "2021"), paragraphs)
    data, _ = drawn.render(report, drawn.Style(ruled=ruled, stray=(row, column)))
    parsed = parse_bytes(data, "damaged.pdf")
    moved = T.APPLICANT_COLUMNS[column].key
    value = report["applications"][row][moved]
    misread = stray_cells(parsed, report)
    assert misread == {(row, moved)} if ruled else misread <= {(row, c.key) for c in T.APPLICANT_COLUMNS}
    assert parsed.applications[row][moved] is None
    assert all(parsed.applications[r][c] is None for r, c in misread)
    assert "*" in parsed.doubts["applications"]
    assert any(f"number '{value}' printed outside every table cell, ignored" in w for w in parsed.warnings)
    assert parsed.review_litigation == report["review_litigation"]
    assert parsed.active == report["active"]


@pytest.mark.parametrize("template", T.TEMPLATES)
def test_tables_without_rules_read_back_every_cell(template: str) -> None:
    """Without rules the wrapped labels, the group labels (（三）不予 / 公开) and the merged
    column's characters interleave line by line with the rows' numbers."""
    for seed, paragraphs in zip((21, 23), PADDINGS):
        report = padded(sample(seed, template), paragraphs)
        data, _ = drawn.render(report, drawn.Style(ruled=False))
        edges = [edge for page in pdfium.PdfDocument(data) for edge in P.PageGeometry(page).edges]
        assert all(edge["orientation"] == "h" for edge in edges)  # the running header's rule only
        parsed = parse_bytes(data, "unruled.pdf")
        assert_same_report(parsed, report, "pdf")
        assert (parsed.warnings, parsed.doubts) == ([], {})


def test_a_label_printed_down_a_column_stays_out_of_the_row_labels() -> None:
    """Read across, 三、本年度办理结果 printed one character per line would put a character
    before the row labels beside it (``本 （四）无法 2.没有…``) or make rows of its own."""
    report = sample(21, "2021")
    data, _ = drawn.render(report, drawn.Style(ruled=False))
    rows = P.extract(data).rows
    cells = [cell for row in rows for cell in row]
    down = set(D.RESULTS_HEADER)
    assert not [cell for cell in cells if cell in down or (cell[:1] in down and cell[1:2] == " ")]
    assert any("（四）无法" in cell for cell in cells)  # the group label beside them is still printed


@pytest.mark.parametrize("template", T.TEMPLATES)
def test_blank_cells_without_rules_are_doubts_never_values(template: str) -> None:
    """A row printed without rules and with blank cells shows fewer numbers than columns:
    which column is blank cannot be seen, so its cells are null and the row in doubt."""
    for seed, paragraphs in zip((22, 24), PADDINGS):
        report = padded(sample(seed, template, blanks=True), paragraphs)
        data, _ = drawn.render(report, drawn.Style(ruled=False))
        parsed = parse_bytes(data, "unruled.pdf")
        assert parsed.error is None
        misread = 0
        for table in ("active", "applications", "review_litigation"):
            doubted = parsed.doubts.get(table, [])
            for key, expected in report[table].items():
                got = getattr(parsed, table)[key]
                if got != expected:
                    misread += 1
                    assert "*" in doubted or key in doubted, (table, key)
                    pairs = zip(expected.values(), got.values()) if isinstance(expected, dict) else [(expected, got)]
                    assert all(g is None or g == e for e, g in pairs), (table, key, expected, got)
        assert misread  # the sample does print rows with blank cells
