"""Scanned pages and pictures of tables → word boxes (Tesseract, simplified Chinese) →
rows, for the shared ``grid`` reader like every other format.

The table is rebuilt from where the words stand, not from Tesseract's lines: the page
is levelled and its ruling lines found (``parsers.rulings``); the rules go to the same
table finder a text PDF's drawn lines go to, with the words in place of characters
(``pdf.layout_rows``), so merged cells and blank cells keep their columns. A page
without rules is split into cells where the words stand apart. Each ruled cell is read
alone, and a cell without Chinese twice (by the Chinese model and by a digits-only
reading): a number the readings do not agree on, or that Tesseract is not confident
of, is left blank with a warning — null, never a guess. Every limit (pages, pixels,
seconds) ends in a warning, never a hang.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import time
from dataclasses import dataclass, field

import pytesseract
from PIL import Image, ImageFilter, UnidentifiedImageError

from parsers import pdf, rulings
from parsers.report import Report

LANGUAGE = "chi_sim"  # Debian's tesseract-ocr-chi-sim: nothing is downloaded at run time
OCR_TABLES = ("active", "applications", "review_litigation")  # the Report fields a scan may fill
# One text block (--psm 6) reads a table page best: sparse mode loses Chinese word order.
TESSERACT_CONFIG = "--psm 6"
MAX_PAGES = 30  # pages of one document read by OCR: a longer scan is not an annual report
MAX_PIXELS = 40_000_000  # of one image or rendered page (an A4 page at 200 dpi is 3.9 M)
SECONDS_PER_PAGE = 60  # all Tesseract runs of one page or picture together
RENDER_DPI = 200  # a PDF page without text is rendered at this resolution to be read
# Pictures narrower than this are enlarged: a page's table shot at screen resolution
# has characters too small for Tesseract.
READ_WIDTH = 1600
MAX_ENLARGE = 3.0
MIN_IMAGE_SIDE = 32  # pictures this thin are icons and spacers (one row of a table is taller)
MIN_CONFIDENCE = 70  # Tesseract's word confidence (0–100) below which a number is not taken
SURE_CONFIDENCE = 85  # a number one reading of a cell gives while the other sees none
# Cells without Chinese are read again by the English model limited to what a number has.
NUMBERS_LANGUAGE = "eng"
NUMBERS_CONFIG = "--psm 6 -c tessedit_char_whitelist=0123456789.-"
CELL_INSET = 3  # pixels of a cell's edge left out of its reading (what is left of the rule)
INK_MARGIN = 4  # white pixels kept round the ink of a cell cut out to be read
STRIP_PAD = 12  # white pixels around each cell in the stack of cells read at once
STRIP_HEIGHT = 30000  # pixels of one column of that stack (Tesseract reads at most 32767)
_CHINESE = re.compile(r"[\u3400-\u9fff]")
# Tesseract cuts Chinese text into words; the text joins them back.
_CJK = "\u3400-\u9fff，。、“”：；（）"
_SPLIT_CHINESE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_NUMBER = re.compile(r"[-\d.,]*\d[-\d.,]*")
_BARE_ORDINAL = re.compile(r"\d{1,2}")
# Words that are only what is left of a ruling line.
_RULE_DEBRIS = frozenset("|丨｜lI[]")
# The table finder on a scan: rules meet within a few pixels, not exactly.
_SCAN_TABLES = {"vertical_strategy": "lines", "horizontal_strategy": "lines",
                "snap_tolerance": 6, "join_tolerance": 8, "intersection_tolerance": 8}
# Tesseract's LSTM runs one thread per page: more threads only fight over a small machine.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


class OcrError(Exception):
    """OCR cannot run at all (Tesseract or its Chinese model missing); one line."""


@dataclass
class Page:
    """What OCR read of one page or picture."""

    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ScanGeometry:
    """What the table finder reads of a page: its ruling edges, in pixels."""

    bbox: tuple[float, float, float, float]
    edges: list[dict]


def check_available() -> None:
    """Raise ``OcrError`` unless Tesseract and its models are installed."""
    missing = _missing(pytesseract.pytesseract.tesseract_cmd)
    if missing:
        raise OcrError(f"OCR unavailable: {missing}")


@functools.cache
def _missing(command: str) -> str | None:
    if shutil.which(command) is None:
        return "tesseract is not installed"
    models = pytesseract.get_languages(config="")
    return next((f"tesseract has no {m} model" for m in (LANGUAGE, NUMBERS_LANGUAGE) if m not in models), None)


def _edge(orientation: str, x0: float, top: float, x1: float, bottom: float) -> dict:
    return {"orientation": orientation, "object_type": "line", "x0": x0, "x1": x1, "top": top, "bottom": bottom,
            "width": x1 - x0, "height": bottom - top, "doctop": top}


def geometry(rules: rulings.Rules, size: tuple[int, int]) -> ScanGeometry:
    """The rules as the table finder's edges: each a line through the middle of its box."""
    edges = [_edge("h", x0, (y0 + y1) / 2, x1, (y0 + y1) / 2) for x0, y0, x1, y1 in rules.horizontal]
    edges += [_edge("v", (x0 + x1) / 2, y0, (x0 + x1) / 2, y1) for x0, y0, x1, y1 in rules.vertical]
    return ScanGeometry((0, 0, size[0], size[1]), edges)


def words(image: Image.Image, deadline: float, language: str = LANGUAGE,
          config: str = TESSERACT_CONFIG) -> list[dict]:
    """Tesseract's words as ``pdf`` characters (boxes in pixels), with their confidence.
    Past ``deadline`` (``time.monotonic``) Tesseract is stopped: ``RuntimeError``."""
    data = pytesseract.image_to_data(image, lang=language, config=config, output_type=pytesseract.Output.DICT,
                                     timeout=max(0.01, deadline - time.monotonic()))
    line_of = lambda i: (data["block_num"][i], data["par_num"][i], data["line_num"][i])  # noqa: E731
    # a word's baseline is its line's foot: a glyph's own box (一, 、) floats above it
    lines = {line_of(i): (data["top"][i] + data["height"][i], data["height"][i])
             for i, level in enumerate(data["level"]) if level == 4}
    out = []
    for i, text in enumerate(data["text"]):
        text = text.strip()
        if data["level"][i] != 5 or not text or set(text) <= _RULE_DEBRIS:
            continue
        left, top, width, height = (data[k][i] for k in ("left", "top", "width", "height"))
        base, size = lines.get(line_of(i), (top + height, height))
        out.append({"text": text, "x0": left, "x1": left + width, "top": top, "bottom": top + height,
                    "size": max(height, size), "base": base, "conf": float(data["conf"][i])})
    return out


Box = tuple[int, int, int, int]


def _inked(image: Image.Image, box: Box) -> Box | None:
    """The part of a box that holds ink, with a little white round it; None when blank."""
    x0, top, x1, bottom = box
    ink = image.crop(box).point(lambda v: 255 if v < rulings.DARK else 0).getbbox()
    if ink is None:
        return None
    return (max(x0, x0 + ink[0] - INK_MARGIN), max(top, top + ink[1] - INK_MARGIN),
            min(x1, x0 + ink[2] + INK_MARGIN), min(bottom, top + ink[3] + INK_MARGIN))


def read_cells(image: Image.Image, boxes: list[Box], deadline: float, language: str,
               config: str) -> list[list[dict]]:
    """The words of each box read alone: the inked part of each box is cut out, and the
    pieces stacked with white between them (one Tesseract run for all; a stack past
    ``STRIP_HEIGHT`` goes on in a column far to the right), each word put back where
    its box is. A cell read alone keeps its lines in order, which a table row read as
    one line of text does not."""
    found: list[list[dict]] = [[] for _ in boxes]
    inked = [(k, box) for k, box in enumerate(_inked(image, box) for box in boxes) if box]
    if not inked:
        return found
    gap = max(b[3] - b[1] for _, b in inked) * 2 + STRIP_PAD  # columns far apart: never one word
    width = max(b[2] - b[0] for _, b in inked) + gap
    placed: list[tuple[int, int]] = []  # each piece's corner in the stack
    x = y = 0
    for _, (x0, top, x1, bottom) in inked:
        if y and y + bottom - top + STRIP_PAD > STRIP_HEIGHT:
            x, y = x + width, 0
        placed.append((x + STRIP_PAD, y + STRIP_PAD))
        y += bottom - top + 2 * STRIP_PAD
    strip = Image.new("L", (x + width, max(py + b[3] - b[1] for (px, py), (_, b) in zip(placed, inked)) + STRIP_PAD),
                      255)
    for (_, box), corner in zip(inked, placed):
        strip.paste(image.crop(box), corner)
    for word in words(strip, deadline, language, config):
        cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
        for (k, (x0, top, x1, bottom)), (px, py) in zip(inked, placed):
            if abs(cx - px - (x1 - x0) / 2) <= (x1 - x0) / 2 + STRIP_PAD and \
                    abs(cy - py - (bottom - top) / 2) <= (bottom - top) / 2 + STRIP_PAD:
                dx, dy = x0 - px, top - py
                found[k].append({**word, "x0": word["x0"] + dx, "x1": word["x1"] + dx, "top": word["top"] + dy,
                                 "bottom": word["bottom"] + dy, "base": word["base"] + dy})
                break
    return found


def _inset(cell: tuple[float, float, float, float]) -> Box | None:
    x0, top, x1, bottom = (round(v) for v in cell)
    box = (x0 + CELL_INSET, top + CELL_INSET, x1 - CELL_INSET, bottom - CELL_INSET)
    return box if box[2] > box[0] and box[3] > box[1] else None


def _reading(found: list[dict]) -> tuple[str, float]:
    """A cell's words as one text, and the confidence of its least sure word."""
    ordered = sorted(found, key=lambda w: (w["base"], w["x0"]))
    return "".join(w["text"] for w in ordered), min((w["conf"] for w in found), default=0.0)


def settle_number(first: list[dict], second: list[dict], where: str, warnings: list[str]) -> list[dict]:
    """A cell without Chinese read twice (Chinese model, digits-only reading): a number
    both readings agree on, or that one reading alone gives with ``SURE_CONFIDENCE``
    while the other sees no number; else the cell is left blank with a warning."""
    (a, a_conf), (b, b_conf) = _reading(first), _reading(second)
    a_number, b_number = bool(_NUMBER.fullmatch(a)), bool(_NUMBER.fullmatch(b))
    if not (a_number or b_number):
        return []
    if a == b:
        return [{**w, "conf": max(a_conf, b_conf)} for w in second]
    if a_number != b_number:
        words_, text, confidence = (first, a, a_conf) if a_number else (second, b, b_conf)
        if confidence >= SURE_CONFIDENCE:
            return [{**w, "conf": confidence} for w in words_]
        where_read = words_[0]
    else:
        text, confidence, where_read = f"{a}/{b}", min(a_conf, b_conf), (first or second)[0]
    warnings.append(f"OCR {where}: number at ({where_read['x0']:.0f}, {where_read['top']:.0f}) read as {text!r} "
                    f"(confidence {confidence:.0f}), left blank")
    return []


def may_be_number(found: list[dict]) -> bool:
    """Whether a cell's Chinese reading may be a number misread: no Chinese, or a
    character or two the Chinese model is not sure of (``1`` read as ``上``)."""
    chinese = [w for w in found if _CHINESE.search(w["text"])]
    return not chinese or (sum(len(w["text"]) for w in found) <= 2
                           and all(w["conf"] < SURE_CONFIDENCE for w in chinese))


def read_table_cells(image: Image.Image, cells: list[tuple[float, float, float, float]], deadline: float,
                     where: str, warnings: list[str]) -> list[dict]:
    """The words of a page's ruled cells: each cell read alone by the Chinese model, and
    a cell that may hold a number read again by the digits-only reading, its number
    taken only where the two readings agree (``settle_number``)."""
    boxes = [box for box in map(_inset, cells) if box]
    if not boxes:
        return []
    first = read_cells(image, boxes, deadline, LANGUAGE, TESSERACT_CONFIG)
    numeric = [k for k, found in enumerate(first) if may_be_number(found)]
    second = read_cells(image, [boxes[k] for k in numeric], deadline, NUMBERS_LANGUAGE, NUMBERS_CONFIG) \
        if numeric else []
    for k, found in zip(numeric, second):
        first[k] = settle_number(first[k], found, where, warnings)
    return [{**word, "settled": True} for found in first for word in with_ordinal(found)]


def with_ordinal(found: list[dict]) -> list[dict]:
    """A label cell whose ordinal lost its dot (``3 其他`` for ``3.其他``) gets it back:
    the template's labels are recognised after their ordinal, which needs the dot."""
    ordered = sorted(found, key=lambda w: (w["base"], w["x0"]))
    if len(ordered) > 1 and _BARE_ORDINAL.fullmatch(ordered[0]["text"]) and _CHINESE.match(ordered[1]["text"]):
        return [{**ordered[0], "text": ordered[0]["text"] + "."}, *ordered[1:]]
    return found


def confident(chars: list[dict], where: str, warnings: list[str]) -> list[dict]:
    """The words, less any number outside a ruled cell read below ``MIN_CONFIDENCE``
    (said in a warning)."""
    kept = []
    for char in chars:
        if not char.get("settled") and _NUMBER.fullmatch(char["text"]) and char["conf"] < MIN_CONFIDENCE:
            warnings.append(f"OCR {where}: number {char['text']!r} at ({char['x0']:.0f}, {char['top']:.0f}) "
                            f"read with confidence {char['conf']:.0f}, left blank")
        else:
            kept.append(char)
    return kept


def read_image(image: Image.Image, where: str) -> Page:
    """One page or picture: levelled, its rules found and taken out; the text around its
    tables read as a page, each cell of its ruled tables read alone, and every word
    placed in the table the rules draw (or split by the gaps between words)."""
    page, deadline = Page(), time.monotonic() + SECONDS_PER_PAGE
    gray = image.convert("L")
    if gray.width < READ_WIDTH:
        factor = min(MAX_ENLARGE, READ_WIDTH / gray.width)
        gray = gray.resize((round(gray.width * factor), round(gray.height * factor)), Image.Resampling.LANCZOS)
    gray = rulings.level(gray)
    rules = rulings.find_rules(gray)  # before any smoothing, which would wipe out one-pixel rules
    clean = rules.clean.filter(ImageFilter.MedianFilter(3))
    scan = geometry(rules, gray.size)
    tables = pdf.find_tables(scan, _SCAN_TABLES)
    around = clean.copy()
    for table in tables:
        around.paste(255, tuple(round(v) for v in table.bbox))
    try:
        cells = [cell for table in tables for cell in table.cells]
        chars = words(around, deadline) + read_table_cells(clean, cells, deadline, where, page.warnings)
    except RuntimeError as exc:  # pytesseract's timeout, or Tesseract failing
        page.warnings.append(f"OCR {where}: not read within the limit of {SECONDS_PER_PAGE} s a page ({exc})")
        return page
    page.text = "\n".join(_SPLIT_CHINESE.sub("", pdf._join(line)) for line in pdf._lines_of(chars))
    page.rows = pdf.layout_rows(scan, confident(chars, where, page.warnings), _SCAN_TABLES).rows
    return page


def read_picture(data: bytes, where: str) -> Page:
    """A picture's bytes (PNG, JPEG, GIF…): its first frame, within ``MAX_PIXELS``."""
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        return Page(warnings=[f"OCR {where}: not a readable image ({type(exc).__name__})"])
    if width * height > MAX_PIXELS:
        return Page(warnings=[f"OCR {where}: image of {width}x{height} pixels is past the limit of "
                              f"{MAX_PIXELS // 1_000_000} M, not read"])
    if min(width, height) < MIN_IMAGE_SIDE:
        return Page()
    try:
        image.load()
    except (OSError, Image.DecompressionBombError) as exc:
        return Page(warnings=[f"OCR {where}: damaged image ({exc})"])
    return read_image(image, where)


@dataclass
class Scan:
    """The pages of one document read by OCR so far, within ``MAX_PAGES``."""

    pages: int = 0
    warnings: list[str] = field(default_factory=list)

    def read_pdf_page(self, page: object, number: int) -> Page:
        """A PDF page without a text layer (a ``pypdfium2`` page), rendered and read."""
        if not self._may_read(f"page {number}", "scanned pages", f"page {number} has no text layer"):
            return Page()
        self.pages += 1
        width, height = page.get_size()
        scale = min(RENDER_DPI / 72, (MAX_PIXELS / max(1.0, width * height)) ** 0.5)
        return self._kept(read_image(page.render(scale=scale, grayscale=True).to_pil(), f"page {number}"))

    def read_picture(self, data: bytes, where: str) -> Page:
        """A picture of a report page's article (PNG, JPEG, GIF…), within ``MAX_PAGES``."""
        if not self._may_read(f"picture {where}", "pictures", f"picture {where} not read"):
            return Page()
        read = read_picture(data, where)
        self.pages += bool(read.rows)
        return self._kept(read)

    def _may_read(self, what: str, limit_of: str, unavailable: str) -> bool:
        """Whether one more page or picture may be read: within ``MAX_PAGES``, Tesseract there."""
        if self.pages >= MAX_PAGES:
            self.warnings.append(f"OCR: {what} not read (limit of {MAX_PAGES} {limit_of})")
            return False
        try:
            check_available()
        except OcrError as exc:
            self.warnings.append(f"{unavailable}; {exc}")
            return False
        return True

    def _kept(self, read: Page) -> Page:
        self.warnings += read.warnings
        return read

    def mark(self, report: Report) -> None:
        """Say that values were read by OCR: the report, and each table it filled is in doubt."""
        if not self.pages:
            report.warnings += self.warnings
            return
        report.ocr = True
        report.warnings += [f"{self.pages} scanned page(s) or picture(s) read by OCR", *self.warnings]
        for table in OCR_TABLES:
            if getattr(report, table):
                report.doubt(table)
