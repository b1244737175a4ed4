"""Scanned reports and tables pasted as pictures, read by OCR: every cell is the
original's value or null (never another number), the report says it was read by OCR,
each table it filled is in doubt, and every limit ends in a warning, not a hang."""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from nianbao.demo import scans
from parsers import ocr, parse_bytes, rulings
from parsers.report import Report
from tests.parsers.generated import sample

REAL = Path("/work/shared/real")
TABLES = ("active", "applications", "review_litigation")


def cells(table: dict, prefix: str = "") -> dict[str, object]:
    """A table's values flattened: ``row.column`` → value."""
    out: dict[str, object] = {}
    for key, value in table.items():
        out.update(cells(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key: value})
    return out


def tally(parsed: Report, report: dict) -> tuple[int, int, list[str]]:
    """Cells read right, cells left null, and the cells read wrong (by name)."""
    right = null = 0
    wrong = []
    for table in TABLES:
        got = cells(getattr(parsed, table))
        for key, value in cells(report[table]).items():
            if got.get(key) == value:
                right += 1
            elif got.get(key) is None:
                null += 1
            else:
                wrong.append(f"{table}.{key}: {value} read as {got[key]}")
    return right, null, wrong


def assert_read_by_ocr(parsed: Report, report: dict, least_right: float) -> None:
    assert parsed.error is None
    assert (parsed.agency, parsed.year, parsed.format) == (report["agency"], report["year"], report["format"])
    assert parsed.ocr
    assert all("*" in parsed.doubts[table] for table in TABLES)
    right, null, wrong = tally(parsed, report)
    assert wrong == []
    assert right / (right + null) >= least_right, parsed.warnings


def test_scanned_pdf_is_read_cell_by_cell() -> None:
    """The report printed, scanned at 200 dpi leaning a little, with dust: an image-only PDF."""
    report = sample(61, "2021", blanks=True, agency="尉氏县卫生健康委员会")
    data = scans.scanned_pdf(report, seed=61, dpi=200)
    assert b"/Font" not in data  # no text layer at all
    parsed = parse_bytes(data, "scan.pdf")
    assert parsed.file_type == "pdf"
    assert_read_by_ocr(parsed, report, least_right=0.9)
    assert any("read by OCR" in w for w in parsed.warnings)


def test_page_with_tables_as_pictures() -> None:
    """An article whose tables are PNG, JPEG and GIF screenshots, handed over by ``src``."""
    report = sample(62, "2019", agency="城关镇人民政府")
    page, pictures = scans.picture_page(report, seed=62, dpi=150)
    assert b"<table" not in page and {Path(src).suffix for src in pictures} == {".png", ".jpeg", ".gif"}
    unread = parse_bytes(page, "images.html")   # without the pictures: a report whose tables are in doubt
    assert unread.error is None and not unread.ocr and set(unread.doubts) == {"active", "applications", "review_litigation"}
    assert any("not read: the article shows them as" in w for w in unread.warnings)
    parsed = parse_bytes(page, "images.html", images=pictures)
    assert parsed.file_type == "html"
    assert_read_by_ocr(parsed, report, least_right=0.9)


@pytest.mark.skipif(not (REAL / "budget-2026.pdf").is_file(), reason="the shared real files are not here")
def test_budget_with_a_page_without_text_is_still_not_a_report() -> None:
    parsed = parse_bytes((REAL / "budget-2026.pdf").read_bytes(), "budget-2026.pdf")
    assert parsed.error and not parsed.applications


def grid_page(lean: float) -> Image.Image:
    """A ruled 4×6 grid with a digit in each cell, leaning ``lean`` degrees."""
    page = Image.new("L", (1200, 900), 255)
    draw = ImageDraw.Draw(page)
    for i in range(5):
        draw.line((100, 100 + 150 * i, 1100, 100 + 150 * i), fill=0, width=2)
    for j in range(7):
        x = 100 + round(1000 / 6 * j)
        draw.line((x, 100, x, 700), fill=0, width=2)
    return page.rotate(lean, resample=Image.Resampling.BICUBIC, fillcolor=255)


def test_leaning_page_is_levelled_and_its_rules_found() -> None:
    page = grid_page(1.3)
    assert rulings.skew_angle(page) == pytest.approx(-1.3, abs=0.1)
    rules = rulings.find_rules(rulings.level(page))
    assert len(rules.horizontal) == 5 and len(rules.vertical) == 7
    assert np.asarray(rules.clean).min() > rulings.DARK  # nothing left of the rules to read as a stroke


def word(text: str, confidence: float) -> dict:
    return {"text": text, "x0": 10, "x1": 30, "top": 5, "bottom": 25, "size": 20, "base": 25, "conf": confidence}


@pytest.mark.parametrize(("first", "second", "kept"), [
    ([word("12", 91)], [word("12", 60)], "12"),     # both readings agree
    ([word("。", 0)], [word("6", 96)], "6"),        # one sure reading, the other sees no number
    ([], [word("7", 50)], None),                    # one unsure reading alone
    ([word("2", 96)], [word("5", 88)], None),       # two different numbers: never a guess
    ([], [], None),                                 # a blank cell stays blank
])
def test_a_number_is_taken_only_when_the_readings_agree(first, second, kept) -> None:
    warnings: list[str] = []
    settled = ocr.settle_number(first, second, "page 1", warnings)
    assert [w["text"] for w in settled] == ([kept] if kept else [])
    assert bool(warnings) == (kept is None and bool(first or second))


def test_limits_end_in_warnings(monkeypatch) -> None:
    huge = io.BytesIO()
    Image.new("1", (9000, 6000), 1).save(huge, "PNG")
    read = ocr.read_picture(huge.getvalue(), "huge.png")
    assert read.rows == [] and "past the limit" in read.warnings[0]
    assert ocr.read_picture(b"GIF89a not really", "bad.gif").warnings[0].startswith("OCR bad.gif: not a readable image")
    monkeypatch.setattr(ocr, "SECONDS_PER_PAGE", 0.01)
    slow = ocr.read_image(grid_page(0.5), "page 1")
    assert slow.rows == [] and "not read within the limit of" in slow.warnings[0]


def blank_scan(pages: int) -> bytes:
    out = io.BytesIO()
    images = [Image.new("L", (1240, 1754), 255) for _ in range(pages)]
    images[0].save(out, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return out.getvalue()


def test_scan_past_the_page_limit_is_said_so(monkeypatch) -> None:
    monkeypatch.setattr(ocr, "MAX_PAGES", 1)
    parsed = parse_bytes(blank_scan(3), "long.pdf")
    assert parsed.error.startswith("no text layer (scanned PDF?): 3 page(s)")
    assert "not read (limit of 1 scanned pages)" in parsed.error


def test_without_tesseract_a_scan_is_an_error_saying_why(monkeypatch) -> None:
    monkeypatch.setattr(ocr.pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    parsed = parse_bytes(blank_scan(1), "scan.pdf")
    assert "OCR unavailable: tesseract is not installed" in parsed.error


def test_dust_is_not_read_as_digits() -> None:
    """A blank scanned page with specks of dust gives no text and no number."""
    page = scans.scanned(Image.new("L", (1240, 1754), 255), random.Random(3))
    read = ocr.read_image(page, "page 1")
    assert not any(ch.isdigit() for row in read.rows for cell in row for ch in cell)


def test_a_label_cell_gets_back_the_dot_of_its_ordinal() -> None:
    fixed = ocr.with_ordinal([{**word("3", 90), "x0": 0}, {**word("其他", 90), "x0": 30}])
    assert [w["text"] for w in fixed] == ["3.", "其他"]
    number = [word("3", 90)]
    assert ocr.with_ordinal(number) == number


@pytest.mark.parametrize(("texts", "maybe"), [
    ([("12", 90)], True), ([], True), ([("上", 40)], True),   # a digit the Chinese model misread
    ([("总计", 95)], False), ([("1.属于国家秘密", 40)], False),
])
def test_which_cells_are_read_again_as_numbers(texts, maybe) -> None:
    assert ocr.may_be_number([word(text, confidence) for text, confidence in texts]) is maybe
