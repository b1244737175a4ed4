"""PDF reports (text-based, as Word/WPS/LibreOffice export them): rows in reading order,
then the shared ``grid`` reader.

Interpreting content streams in Python (pdfminer, which pdfplumber runs per page) costs
~70 ms a page, more than the whole target for a report. So pdfium (C) reads the text
layer and the drawn lines, and pdfplumber's table finder (its lines strategy) turns the
lines into cells, only on pages whose text carries template table labels. Ruled tables
become grids with merged cells expanded; lines outside them (and tables drawn without
rules) become rows split where the words stand far apart. A PDF without a text layer is
a scan: said so, never read as zeros.
"""

from __future__ import annotations

import bisect
import ctypes
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import TableFinder

from parsers import grid, meta
from parsers import template as T
from parsers.report import Report

MAX_PAGES = 200
# A page with fewer printed characters than this is taken as having no text layer.
MIN_TEXT_CHARS = 20
# Words a page must show (normalised) to be searched for tables.
TABLE_LABELS = tuple(T.normalize(w) for w in (
    "信息内容", "第二十条", "申请人情况", "自然人", "本年新收", "予以公开", "不予公开", "结转下年度",
    "行政复议", "行政诉讼", "尚未审结"))
# Cell edges closer than this (points) are one edge: borders are drawn a hair apart.
EDGE_SNAP = 2.0
# Words further apart than this many character widths are in different cells.
CELL_GAP = 1.5
MAX_GRID = 400  # rows or columns of one table: a forged drawing must not make a huge grid
MAX_EDGES = 5000  # ruling lines of one page searched for tables (the finder is quadratic)
_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}

# A drawn line is a box thinner than this (points); LibreOffice draws borders 1 pt wide.
RULE_WIDTH = 3.0
_BLANKS = frozenset({0xA0, 0x3000, 0xFEFF, 0xFFFE, 0xFFFF})


class PdfError(Exception):
    """The file cannot be read as a PDF; the message is one line."""


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise PdfError("encrypted PDF (password required)") from None
        why = "truncated? no %%EOF at its end" if b"%%EOF" not in data[-2048:] else "damaged"
        raise PdfError(f"not a readable PDF ({why}): {message}") from None
    if len(document) > MAX_PAGES:
        pages = len(document)
        document.close()
        raise PdfError(f"PDF has {pages} pages (limit {MAX_PAGES}): not an annual report")
    return document


def has_table_labels(text: str) -> bool:
    folded = T.normalize(text)
    return any(label in folded for label in TABLE_LABELS)


# --- pages holding tables ---------------------------------------------------------------

def _snap(values: Iterable[float]) -> list[float]:
    """Distinct edge positions, near ones merged."""
    edges: list[float] = []
    for value in sorted(values):
        if not edges or value - edges[-1] > EDGE_SNAP:
            edges.append(value)
    return edges


def _index(edges: Sequence[float], value: float) -> int:
    """The position of the snapped edge nearest ``value``."""
    i = bisect.bisect_left(edges, value)
    if i == len(edges) or (i and value - edges[i - 1] < edges[i] - value):
        i -= 1
    return i


def _lines_of(chars: list[dict]) -> list[list[dict]]:
    """Characters grouped into printed lines by their baselines (fonts for Latin and
    Chinese differ in height, not in baseline), each line left to right."""
    lines: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: (round(c["base"]), c["x0"])):
        if lines and abs(lines[-1][0]["base"] - char["base"]) <= max(2.0, char["size"] * 0.4):
            lines[-1].append(char)
        else:
            lines.append([char])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def _join(line: list[dict]) -> str:
    """A line's characters, a space where the gap is wider than a third of a character."""
    out, previous = [], None
    for char in line:
        if previous is not None and char["x0"] - previous["x1"] > 0.3 * char["size"]:
            out.append(" ")
        out.append(char["text"])
        previous = char
    return "".join(out).strip()


def _split_cells(line: list[dict]) -> list[str]:
    """A line of a table drawn without rules: cells where the words stand far apart."""
    cells: list[list[dict]] = [[]]
    for char in line:
        if cells[-1] and char["x0"] - cells[-1][-1]["x1"] > CELL_GAP * char["size"]:
            cells.append([])
        cells[-1].append(char)
    return [_join(cell) for cell in cells]


def _cell_text(chars: list[dict]) -> str:
    """A cell's lines joined by newlines (a label wrapped or printed one character per
    line stays one label: ``grid`` folds the newlines)."""
    return "\n".join(filter(None, (_join(line) for line in _lines_of(chars))))


def _table_grid(cells: list[tuple[float, float, float, float]], chars: list[dict]) -> list[list[str]]:
    """A ruled table as a full grid: a merged cell's text in every position it covers."""
    xs = _snap([c[0] for c in cells] + [c[2] for c in cells])
    ys = _snap([c[1] for c in cells] + [c[3] for c in cells])
    if not (1 < len(xs) <= MAX_GRID and 1 < len(ys) <= MAX_GRID):
        return []
    spans = [(_index(ys, top), _index(ys, bottom), _index(xs, x0), _index(xs, x1)) for x0, top, x1, bottom in cells]
    owner = {(r, c): i for i, (r0, r1, c0, c1) in enumerate(spans) for r in range(r0, r1) for c in range(c0, c1)}
    inside: list[list[dict]] = [[] for _ in cells]
    for char in chars:
        r = bisect.bisect_right(ys, (char["top"] + char["bottom"]) / 2) - 1
        c = bisect.bisect_right(xs, (char["x0"] + char["x1"]) / 2) - 1
        if (r, c) in owner:
            inside[owner[(r, c)]].append(char)
    texts = [_cell_text(chars) for chars in inside]
    return [[texts[owner[(r, c)]] if (r, c) in owner else "" for c in range(len(xs) - 1)] for r in range(len(ys) - 1)]


def _within(char: dict, bbox: tuple[float, float, float, float]) -> bool:
    cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return bbox[0] <= cx <= bbox[2] and bbox[1] <= cy <= bbox[3]


class PageGeometry:
    """What pdfplumber's ``TableFinder`` reads of a page (its ruling edges), taken from
    pdfium's path objects instead of a pdfminer run over the content stream."""

    def __init__(self, page: pdfium.PdfPage) -> None:
        width, self.height = page.get_size()
        self.bbox = (0, 0, width, self.height)
        self.edges: list[dict] = []
        for path in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=4):
            left, bottom, right, top = path.get_bounds()
            self._add(left, self.height - top, right, self.height - bottom)

    def _add(self, x0: float, top: float, x1: float, bottom: float) -> None:
        """A thin box is one ruling line; a larger one is a rectangle's four sides."""
        thin_x, thin_y = x1 - x0 <= RULE_WIDTH, bottom - top <= RULE_WIDTH
        if thin_y and not thin_x:
            self._edge("h", x0, x1, (top + bottom) / 2, (top + bottom) / 2)
        elif thin_x and not thin_y:
            self._edge("v", (x0 + x1) / 2, (x0 + x1) / 2, top, bottom)
        elif not thin_x and not thin_y:
            for edge in (("h", x0, x1, top, top), ("h", x0, x1, bottom, bottom),
                         ("v", x0, x0, top, bottom), ("v", x1, x1, top, bottom)):
                self._edge(*edge)

    def _edge(self, orientation: str, x0: float, x1: float, top: float, bottom: float) -> None:
        self.edges.append({"orientation": orientation, "object_type": "line", "x0": x0, "x1": x1, "top": top,
                           "bottom": bottom, "width": x1 - x0, "height": bottom - top, "doctop": top})


def page_chars(textpage: pdfium.PdfTextPage, height: float) -> list[dict]:
    """The printed characters of a page with their boxes, top-down like pdfplumber's;
    loose boxes (the font's full height), so a ``.`` or ``-`` sits on its line."""
    chars = []
    raw, box = textpage.raw, pdfium_c.FS_RECTF()
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    for index in range(pdfium_c.FPDFText_CountChars(raw)):
        code = pdfium_c.FPDFText_GetUnicode(raw, index)
        if code <= 32 or code in _BLANKS or pdfium_c.FPDFText_IsGenerated(raw, index) == 1:
            continue
        pdfium_c.FPDFText_GetLooseCharBox(raw, index, box)
        pdfium_c.FPDFText_GetCharOrigin(raw, index, origin_x, origin_y)
        size = pdfium_c.FPDFText_GetFontSize(raw, index) or (box.top - box.bottom)
        chars.append({"text": chr(code), "x0": box.left, "x1": box.right, "top": height - box.top,
                      "bottom": height - box.bottom, "size": size, "base": height - origin_y.value})
    return chars


def table_page_rows(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[list[str]]:
    """A page holding template tables as rows in reading order: its ruled tables (found
    by pdfplumber's table finder) as grids, the lines around them (and tables drawn
    without rules) split into cells by the gaps between words."""
    geometry = PageGeometry(page)
    return layout_rows(geometry, page_chars(textpage, geometry.height))


def find_tables(geometry: object, settings: dict = _TABLE_SETTINGS) -> list:
    """The ruled tables (of more than one cell) pdfplumber's table finder sees in the edges."""
    found = TableFinder(geometry, settings).tables if len(geometry.edges) <= MAX_EDGES else []
    return [t for t in found if len(t.cells) > 1]


def layout_rows(geometry: object, chars: list[dict], settings: dict = _TABLE_SETTINGS) -> list[list[str]]:
    """Rows of a page given its ruling edges (``geometry.edges``, ``.bbox``) and its
    characters or words (OCR hands words of a scan here, in pixels)."""
    tables = find_tables(geometry, settings)
    placed: list[tuple[float, list[list[str]]]] = []
    loose = chars
    for table in tables:
        cells, bbox = table.cells, table.bbox  # bbox is computed afresh on every access
        ours: list[dict] = []
        rest: list[dict] = []
        for char in loose:
            (ours if _within(char, bbox) else rest).append(char)
        loose = rest
        placed.append((bbox[1], _table_grid(cells, ours)))
    for line in _lines_of(loose):
        placed.append((line[0]["top"], [_split_cells(line)]))
    placed.sort(key=lambda item: item[0])
    return [row for _, rows in placed for row in rows]


def text_rows(text: str) -> list[list[str]]:
    """A page without tables: one row per line."""
    return [[line.strip()] for line in text.splitlines() if line.strip()]


@dataclass
class Extracted:
    texts: list[str]
    rows: list[list[str]]
    title: str | None
    scan: object = None  # ``ocr.Scan``: the pages without a text layer, read by OCR


def extract(data: bytes) -> Extracted:
    """Every page's text (pdfium) and the document's rows: only pages whose text holds
    template table labels, and the page after each, are searched for tables. Raises
    ``PdfError``."""
    document = _open(data)
    try:
        title = (document.get_metadata_dict().get("Title") or "").strip() or None
        texts: list[str] = []
        rows: list[list[str]] = []
        after_table = False  # a table may run onto the next page without any label on it
        scan = None
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            if not text.strip():  # a scanned page: OCR (whose libraries load only for one)
                from parsers.ocr import Scan
                scan = scan or Scan()
                read = scan.read_pdf_page(page, index + 1)
                text, page_rows = read.text, read.rows
            else:
                tables = has_table_labels(text) or after_table
                page_rows = table_page_rows(page, textpage) if tables else text_rows(text)
            texts.append(text)
            rows += page_rows
            after_table = has_table_labels(text)
            textpage.close()
            page.close()
        return Extracted(texts, rows, title, scan)
    finally:
        document.close()


def parse(data: bytes, source: str) -> Report:
    try:
        extracted = extract(data)
    except PdfError as exc:
        return Report.failed(source, "pdf", str(exc))
    texts = extracted.texts
    printed = sum(len(re.sub(r"\s", "", text)) for text in texts)
    if printed < MIN_TEXT_CHARS:
        why = "".join(f"; {w}" for w in (extracted.scan.warnings[:1] if extracted.scan else []))
        return Report.failed(source, "pdf", f"no text layer (scanned PDF?): {len(texts)} page(s), "
                                            f"{printed} characters of text{why}")
    report = Report(source=source, file_type="pdf", text="\n".join(t.strip("\n") for t in texts))
    meta.describe(report, title=extracted.title)
    grid.fill_tables(report, extracted.rows)
    if extracted.scan:
        extracted.scan.mark(report)
    if not (report.active or report.applications or report.review_litigation):
        blank = sum(not text.strip() for text in texts)
        if blank:
            return Report.failed(source, "pdf", f"no text layer on {blank} of {len(texts)} pages (scanned PDF?) "
                                                "and no disclosure tables in the text there is")
        first = next((line.strip() for line in report.text.splitlines() if line.strip()), "")[:40]
        return Report.failed(source, "pdf", f"not an annual report: no disclosure tables (starts {first!r})")
    return report

