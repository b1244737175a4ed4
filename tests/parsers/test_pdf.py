"""PDF: the LibreOffice exports of generated Word reports (ruled tables, tables without
rules, tables running over pages) read back cell for cell; scans, truncated, encrypted
and fake PDFs refused in one line."""

from __future__ import annotations

import functools
import io
import json
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont

from nianbao.demo import documents as D
from parsers import parse_bytes
from parsers import pdf as P
from parsers import template as T
from parsers.doc import soffice_convert
from tests.parsers import generated
from tests.parsers.generated import assert_same_report, cases

AGENCY = "汉阴县卫生健康局"
CASES = cases((21, True, False), (22, False, True))
sample = functools.partial(generated.sample, agency=AGENCY)
CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
ENCRYPTED_EXPORT = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
                    '"DocumentOpenPassword":{"type":"string","value":"secret"}}')


def without_rules(docx: bytes) -> bytes:
    """The same Word file with its tables' grid style removed: tables drawn without lines."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "word/document.xml":
                body = body.replace(b'<w:tblStyle w:val="TableGrid"/>', b"")
            target.writestr(info, body)
    return out.getvalue()


def padded(report: dict, paragraphs: int) -> dict:
    """The report with more prose before its tables, moving table 三 down the page."""
    filler = "为确保政务公开工作落到实处，安排专人具体负责，按时参加县政务公开办组织的工作推进会、培训会。" * 3
    report["sections"]["overview"] = report["sections"]["overview"] + [filler] * paragraphs
    return report


@pytest.fixture(scope="session")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[dict, bytes]]]:
    """The samples as LibreOffice exports them, ruled and unruled, in one run (cached)."""
    work = tmp_path_factory.mktemp("pdf")
    reports = [sample(*case) for case in CASES]
    unruled = [sample(31, template, agency="尉氏县卫生健康委员会") for template in T.TEMPLATES]
    shifted = [padded(sample(23, "2021"), paragraphs) for paragraphs in (2, 5, 8, 11)]
    files = []
    for index, report in enumerate(reports):
        files.append(work / f"ruled{index}.docx")
        files[-1].write_bytes(D.render_docx(report))
    for index, report in enumerate(unruled):
        files.append(work / f"unruled{index}.docx")
        files[-1].write_bytes(without_rules(D.render_docx(report)))
    for index, report in enumerate(shifted):
        files.append(work / f"shifted{index}.docx")
        files[-1].write_bytes(D.render_docx(report))
    pdfs = [path.read_bytes() for path in D.convert_many(files, "pdf", work / "out")]
    ruled_end, unruled_end = len(reports), len(reports) + len(unruled)
    return {"ruled": list(zip(reports, pdfs[:ruled_end])), "unruled": list(zip(unruled, pdfs[ruled_end:unruled_end])),
            "shifted": list(zip(shifted, pdfs[unruled_end:]))}


def test_exported_pdfs_read_back_every_cell(exported) -> None:
    for report, data in exported["ruled"]:
        parsed = parse_bytes(data, "report.pdf")
        assert_same_report(parsed, report, "pdf")
        blanks = {(table, row) for table, row, _ in report["blank_cells"]}
        assert bool(parsed.warnings) == bool(blanks)
        assert all("blank cell" in w or "read as null" in w for w in parsed.warnings)
        assert "六、其他需要报告的事项" in parsed.text
        assert parsed.published_at is None  # the signature date is not a publication date


def test_tables_drawn_without_rules_read_back_every_cell(exported) -> None:
    for report, data in exported["unruled"]:
        assert not any(P.PageGeometry(page).edges for page in pdfium.PdfDocument(data))
        parsed = parse_bytes(data, "unruled.pdf")
        assert_same_report(parsed, report, "pdf")
        assert parsed.warnings == []


def page_of(data: bytes, words: str) -> list[int]:
    """The pages whose text holds ``words``."""
    document = pdfium.PdfDocument(data)
    return [i for i in range(len(document))
            if T.normalize(words) in T.normalize(document[i].get_textpage().get_text_range())]


def test_tables_running_over_pages(exported) -> None:
    """Table 三 starts on one page and ends on the next; table 四's header row is split by
    the page break (结果维 / 持): both still read."""
    spanning = [(report, data) for report, data in exported["shifted"]
                if page_of(data, "申请人情况")[0] < page_of(data, "结转下年度继续办理")[-1]]
    assert spanning, "no sample put table 三 across a page break"
    report, data = spanning[0]
    parsed = parse_bytes(data, "report.pdf")
    assert parsed.applications == report["applications"]
    assert parsed.review_litigation == report["review_litigation"]


def test_vertical_header_cells_become_one_label(exported) -> None:
    _, data = exported["ruled"][0]
    rows = P.extract(data).rows
    vertical = [cell for row in rows for cell in row if cell.replace("\n", "") == "三、本年度办理结果"]
    assert vertical and all("\n" in cell for cell in vertical)  # printed one character per line
    assert ["自\n然\n人"] == sorted({cell for row in rows for cell in row if cell.startswith("自\n")})


def scan_pdf() -> bytes:
    """A page of a report as a scanner makes it: an image of text, no text layer."""
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(CJK_FONT, 40)
    for line, text in enumerate(("汉阴县卫生健康局2023年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况",
                                 "一、本年新收政府信息公开申请数量 0 0 0 0 0 0 0")):
        draw.text((100, 150 + 80 * line), text, fill="black", font=font)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150)
    return out.getvalue()


def test_scan_without_text_layer_is_read_by_ocr_and_said_so() -> None:
    parsed = parse_bytes(scan_pdf(), "scan.pdf")
    assert parsed.error is None and parsed.ocr
    assert (parsed.agency, parsed.year) == ("汉阴县卫生健康局", 2023)
    assert "*" in parsed.doubts["applications"]
    assert set(parsed.applications["new"].values()) <= {0, None}  # read, or null: never another number


def test_truncated_pdf(exported) -> None:
    _, data = exported["ruled"][0]
    for size in (len(data) // 2, len(data) - 300, 2000):
        parsed = parse_bytes(data[:size], "cut.pdf")
        assert parsed.file_type == "pdf"
        assert parsed.error.startswith("not a readable PDF (truncated? no %%EOF at its end)")
        assert "\n" not in parsed.error


def test_encrypted_pdf(tmp_path: Path) -> None:
    source = tmp_path / "secret.docx"
    source.write_bytes(D.render_docx(sample(23, "2021")))
    soffice_convert([source], ENCRYPTED_EXPORT, tmp_path, timeout=90)
    data = (tmp_path / "secret.pdf").read_bytes()
    assert b"/Encrypt" in data
    parsed = parse_bytes(data, "secret.pdf")
    assert parsed.error == "encrypted PDF (password required)"


def test_garbage_after_the_pdf_header() -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
    parsed = parse_bytes(data, "garbage.pdf")
    assert parsed.file_type == "pdf"
    assert parsed.error.startswith("not a readable PDF (damaged)")
    assert json.dumps(parsed.error).count("\\n") == 0


def test_page_limit(exported, monkeypatch: pytest.MonkeyPatch) -> None:
    _, data = exported["ruled"][0]
    monkeypatch.setattr(P, "MAX_PAGES", 2)
    parsed = parse_bytes(data, "long.pdf")
    assert parsed.error == "PDF has 3 pages (limit 2): not an annual report"


def test_a_pdf_that_is_not_a_report(tmp_path: Path) -> None:
    document = pdfium.PdfDocument.new()
    document.new_page(595, 842)
    out = tmp_path / "blank.pdf"
    document.save(out)
    parsed = parse_bytes(out.read_bytes(), "blank.pdf")
    assert parsed.error.startswith("no text layer (scanned PDF?)")
