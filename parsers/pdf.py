"""PDF reports (text-based, as Word/WPS/LibreOffice export them): rows in reading order,
then the shared ``grid`` reader.

Interpreting content streams in Python (pdfminer, which pdfplumber runs per page) costs
~70 ms a page, more than the whole target for a report. So pdfium (C) reads the text
layer and the drawn lines, and pdfplumber's table finder (its lines strategy) turns the
lines into cells, only on pages whose text carries template table labels. Ruled tables
become grids with merged cells expanded; lines outside them (and tables drawn without
rules) become rows split where the words stand far apart. A PDF without a text layer is
a scan: said so, never read as zeros.

pdfium inflates a page's content stream whole and makes an object of every operator in
it, so before it sees a PDF its deflated streams are inflated here, a chunk at a time and
thrown away, only to measure them; a page's drawn objects and the grid its rules would
make are counted before the table finder runs (``parsers.limits`` bounds the rest).
"""

from __future__ import annotations

import bisect
import ctypes
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import TableFinder

from parsers import grid, limits, meta
from parsers import template as T
from parsers.lines import is_value
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
# A label printed one character per line down a narrow column of a table drawn without
# rules (三、本年度办理结果 beside the row labels): this many characters stacked at one x.
VERTICAL_LABEL = 4
# A bare page number (3, 3/12): a value unless it stands where headers and footers do.
BARE_PAGE_NUMBER = re.compile(r"^\d{1,3}(?:\s*/\s*\d{1,3})?$")
# A header or footer stands clear of the page's other lines by this many character heights.
FURNITURE_GAP = 2.0
# The outer bands of a page (fractions of its width) where only margins are: a number
# printed there, clear of everything else, is no cell's.
MARGIN_BAND = 0.1
MAX_GRID = 400  # rows or columns of one table: a forged drawing must not make a huge grid
MAX_EDGES = 5000  # ruling lines of one page searched for tables (the finder is quadratic)
# Crossings of a page's horizontal and vertical rules: a template page draws a few hundred;
# the table finder takes seconds per page from about ten thousand.
MAX_CROSSINGS = 4000
MAX_OBJECTS = 50_000  # drawn objects of one page searched for tables
# Inflated bytes of one stream that is neither an image nor a font (a page's content, an
# object stream): a report's page draws well under a megabyte.
MAX_STREAM_INFLATED = 16 * 1024 * 1024
MAX_INFLATED = 256 * 1024 * 1024  # of every stream but images together
_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_FONT_KEYS = (b"/Length1", b"/Length2", b"/Type1C", b"/CIDFontType0C", b"/OpenType")
_CHUNK = 1024 * 1024
_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}

# Words of each template table in a ruled table's cells: the tables a number printed
# beside it, outside every cell (a damaged content stream), puts in doubt.
TABLE_WORDS = {
    "active": ("第二十条", "信息内容", "规范性文件", "行政许可"),
    "applications": ("申请人情况", "本年新收", "予以公开", "不予公开", "无法提供", "不予处理", "结转下年度"),
    "review_litigation": ("行政复议", "行政诉讼", "维持", "纠正"),
}
# A drawn line is a box thinner than this (points); LibreOffice draws borders 1 pt wide.
RULE_WIDTH = 3.0
_BLANKS = frozenset({0xA0, 0x3000, 0xFEFF, 0xFFFE, 0xFFFF})


class PdfError(Exception):
    """The file cannot be read as a PDF; the message is one line."""


def _inflated_size(data: bytes, start: int, limit: int) -> int:
    """What the deflated stream at ``start`` inflates to, up to just past ``limit``,
    holding one chunk at a time."""
    inflater, size, position = zlib.decompressobj(), 0, start
    pending = b""
    try:
        while size <= limit and not inflater.eof:
            if not pending:
                pending = data[position:position + _CHUNK]
                position += _CHUNK
                if not pending:
                    break
            size += len(inflater.decompress(pending, _CHUNK))
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass  # damaged: pdfium will make of it what it can
    return size


def check_streams(data: bytes) -> None:
    """Raise ``PdfError`` for a PDF whose deflated streams would inflate past the limits."""
    total = 0
    for match in _STREAM.finditer(data):
        before = data[max(0, match.start() - 1024):match.start()]
        dictionary = before[before.rfind(b"obj") + 1:]
        if b"/FlateDecode" not in dictionary or b"/Image" in dictionary:
            continue
        font = any(key in dictionary for key in _FONT_KEYS)
        size = _inflated_size(data, match.end(), MAX_INFLATED - total if font else MAX_STREAM_INFLATED)
        if not font and size > MAX_STREAM_INFLATED:
            raise PdfError(f"a stream inflates to more than {MAX_STREAM_INFLATED // 2**20} MB: not a report's page")
        total += size
        if total > MAX_INFLATED:
            raise PdfError(f"streams inflate to more than {MAX_INFLATED // 2**20} MB: not a report")


def _open(data: bytes) -> pdfium.PdfDocument:
    check_streams(data)
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


def _without_page_number(chars: list[dict]) -> list[dict]:
    """The page's characters without its page number: the first or last line of the page,
    standing clear of the rest (a bare ``3`` between two rows of a table is no value)."""
    furniture: set[int] = set()
    for sign in (1, -1) if chars else ():  # the top line, then the bottom one
        edge = min(sign * c["base"] for c in chars)
        line = sorted((c for c in chars if sign * c["base"] - edge <= max(2.0, c["size"] * 0.4)), key=lambda c: c["x0"])
        text = _join(line)
        if not (grid.PAGE_NUMBER.match(text) or BARE_PAGE_NUMBER.match(text)):
            continue
        ids = {id(c) for c in line}
        rest = [c for c in chars if id(c) not in ids]
        if not rest:
            continue
        gap = (min(c["top"] for c in rest) - max(c["bottom"] for c in line) if sign == 1
               else min(c["top"] for c in line) - max(c["bottom"] for c in rest))
        if gap > FURNITURE_GAP * line[0]["size"]:
            furniture |= ids
    return [c for c in chars if id(c) not in furniture]


def _isolated(line: list[dict]) -> list[dict]:
    """The characters of a line standing alone: no neighbour within half a character, no
    number or blank mark (a column of 0s or —s is data)."""
    out = []
    for i, char in enumerate(line):
        gap = 0.5 * char["size"]
        alone = ((i == 0 or char["x0"] - line[i - 1]["x1"] > gap)
                 and (i == len(line) - 1 or line[i + 1]["x0"] - char["x1"] > gap))
        if alone and not is_value(char["text"]):
            out.append(char)
    return out


def _without_vertical_labels(lines: list[list[dict]]) -> list[list[dict]]:
    """Lines without the characters of labels printed one per line down a narrow column:
    read across, they would join the row labels beside them (``本 （四）无法 2.没有…``)."""
    runs: list[list[dict]] = []
    for line in lines:
        base = line[0]["base"]
        near = [r for r in runs if base - r[-1]["base"] <= 2.5 * r[-1]["size"]]  # lines between are other cells'
        for char in _isolated(line):
            middle = (char["x0"] + char["x1"]) / 2
            run = next((r for r in near if abs((r[-1]["x0"] + r[-1]["x1"]) / 2 - middle) <= 1.0
                        and r[-1]["base"] < char["base"]), None)
            if run is None:
                runs.append([char])
            else:
                run.append(char)
    stacked = {id(char) for run in runs if len(run) >= VERTICAL_LABEL for char in run}
    kept = [[char for char in line if id(char) not in stacked] for line in lines]
    return [line for line in kept if line]


def _pieces(line: list[dict]) -> list[list[dict]]:
    """A line of a table drawn without rules: its cells' characters, where the words stand far apart."""
    cells: list[list[dict]] = [[]]
    for char in line:
        if cells[-1] and char["x0"] - cells[-1][-1]["x1"] > CELL_GAP * char["size"]:
            cells.append([])
        cells[-1].append(char)
    return cells


def _split_cells(line: list[dict]) -> list[str]:
    return [_join(cell) for cell in _pieces(line)]


def _cell_text(chars: list[dict]) -> str:
    """A cell's lines joined by newlines (a label wrapped or printed one character per
    line stays one label: ``grid`` folds the newlines)."""
    return "\n".join(filter(None, (_join(line) for line in _lines_of(chars))))


def _table_grid(cells: list[tuple[float, float, float, float]], chars: list[dict]) -> tuple[list[list[str]], list[dict]]:
    """A ruled table as a full grid (a merged cell's text in every position it covers),
    and the characters inside its box but in none of its cells."""
    xs = _snap([c[0] for c in cells] + [c[2] for c in cells])
    ys = _snap([c[1] for c in cells] + [c[3] for c in cells])
    if not (1 < len(xs) <= MAX_GRID and 1 < len(ys) <= MAX_GRID):
        return [], []
    spans = [(_index(ys, top), _index(ys, bottom), _index(xs, x0), _index(xs, x1)) for x0, top, x1, bottom in cells]
    owner = {(r, c): i for i, (r0, r1, c0, c1) in enumerate(spans) for r in range(r0, r1) for c in range(c0, c1)}
    inside: list[list[dict]] = [[] for _ in cells]
    outside: list[dict] = []
    for char in chars:
        r = bisect.bisect_right(ys, (char["top"] + char["bottom"]) / 2) - 1
        c = bisect.bisect_right(xs, (char["x0"] + char["x1"]) / 2) - 1
        if (r, c) in owner:
            inside[owner[(r, c)]].append(char)
        else:
            outside.append(char)
    texts = [_cell_text(chars) for chars in inside]
    grid = [[texts[owner[(r, c)]] if (r, c) in owner else "" for c in range(len(xs) - 1)] for r in range(len(ys) - 1)]
    return grid, outside


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
        if pdfium_c.FPDFPage_CountObjects(page.raw) > MAX_OBJECTS:
            raise PdfError(f"a page draws more than {MAX_OBJECTS:,} objects: not a report's page")
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


@dataclass(frozen=True)
class Stray:
    """A number printed outside every cell of a ruled table: a damaged content stream
    moved it out of its cell, so it is no value of any row, and its table is in doubt."""

    text: str
    tables: tuple[str, ...]  # the template tables it was printed beside


@dataclass
class TablePage:
    """A table page's rows in reading order, and the numbers printed outside every cell."""

    rows: list[list[str]]
    strays: list[Stray]


def _named_tables(grids: Iterable[list[list[str]]]) -> tuple[str, ...]:
    """The template tables whose words the grids hold (all of them when none shows)."""
    text = T.normalize("".join(cell for grid in grids for row in grid for cell in row))
    named = tuple(key for key, words in TABLE_WORDS.items() if any(word in text for word in words))
    return named or tuple(TABLE_WORDS)


def _is_number(line: list[dict]) -> bool:
    tokens = _join(line).split()
    return any(c["text"].isdigit() for c in line) and all(map(is_value, tokens))


def _beside(line: list[dict], boxes: list[tuple[float, float, float, float]]) -> list[int]:
    """The tables a line sits beside, in the margin: level with them, left or right of all of them."""
    left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
    if not all(c["x1"] <= left or c["x0"] >= right for c in line):
        return []
    middle = (line[0]["top"] + line[0]["bottom"]) / 2
    return [i for i, box in enumerate(boxes) if box[1] <= middle <= box[3]]


def _margin_numbers(lines: list[list[dict]], boxes: list[tuple[float, float, float, float]],
                    width: float) -> list[list[dict]]:
    """Numbers printed in a page's side margin: at the end of a line, in the page's outer
    band, left or right of everything else on the page and above or below nothing."""
    ends: list[list[dict]] = []
    for line in lines:
        pieces = _pieces(line)
        ends += [piece for piece in pieces[:1] + pieces[1:][-1:] if _is_number(piece)]
    banded = [p for p in ends if p[-1]["x1"] < MARGIN_BAND * width or p[0]["x0"] > (1 - MARGIN_BAND) * width]
    if not banded:
        return []
    ids = {id(c) for piece in banded for c in piece}
    others = [(c["x0"], c["x1"]) for line in lines for c in line if id(c) not in ids] + [(b[0], b[2]) for b in boxes]
    left, right = min((x0 for x0, _ in others), default=width), max((x1 for _, x1 in others), default=0.0)
    return [p for p in banded if (p[-1]["x1"] < left or p[0]["x0"] > right)
            and not any(q is not p and q[0]["x0"] <= p[-1]["x1"] and p[0]["x0"] <= q[-1]["x1"] for q in banded)]


def table_page_rows(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> TablePage:
    """A page holding template tables as rows in reading order: its ruled tables (found
    by pdfplumber's table finder) as grids, the lines around them (and tables drawn
    without rules) split into cells by the gaps between words. Numbers printed outside
    every cell of a ruled table are strays, not rows."""
    geometry = PageGeometry(page)
    chars = _without_page_number(page_chars(textpage, geometry.height))
    crossings = len(_snap(e["top"] for e in geometry.edges if e["orientation"] == "h")) * \
        len(_snap(e["x0"] for e in geometry.edges if e["orientation"] == "v"))
    if crossings > MAX_CROSSINGS:
        raise PdfError(f"a page's rules cross {crossings:,} times (limit {MAX_CROSSINGS:,}): not a report's table")
    return layout_rows(geometry, chars)


def find_tables(geometry: object, settings: dict = _TABLE_SETTINGS) -> list:
    """The ruled tables (of more than one cell) pdfplumber's table finder sees in the edges."""
    found = TableFinder(geometry, settings).tables if len(geometry.edges) <= MAX_EDGES else []
    return [t for t in found if len(t.cells) > 1]


def layout_rows(geometry: object, chars: list[dict], settings: dict = _TABLE_SETTINGS) -> TablePage:
    """Rows of a page given its ruling edges (``geometry.edges``, ``.bbox``) and its
    characters or words (OCR hands words of a scan here, in pixels), and the numbers
    printed outside every cell."""
    tables = find_tables(geometry, settings)
    placed: list[tuple[float, list[list[str]]]] = []
    boxes: list[tuple[float, float, float, float]] = []
    strays: list[Stray] = []
    loose = chars
    for table in tables:
        cells, bbox = table.cells, table.bbox  # bbox is computed afresh on every access
        ours: list[dict] = []
        rest: list[dict] = []
        for char in loose:
            (ours if _within(char, bbox) else rest).append(char)
        loose = rest
        grid_rows, outside = _table_grid(cells, ours)
        strays += [Stray(_join(line), _named_tables([grid_rows])) for line in _lines_of(outside) if _is_number(line)]
        placed.append((bbox[1], grid_rows))
        boxes.append(bbox)
    lines = _without_vertical_labels(_lines_of(loose))
    margin = _margin_numbers(lines, boxes, geometry.bbox[2])
    if margin:
        named = _named_tables([grid for _, grid in placed] + [[[_join(line)] for line in lines]])
        strays += [Stray(_join(piece), named) for piece in margin]
        dropped = {id(c) for piece in margin for c in piece}
        lines = [kept for kept in ([c for c in line if id(c) not in dropped] for line in lines) if kept]
    for line in lines:
        level = _beside(line, boxes) if boxes and _is_number(line) else []
        if level:
            strays.append(Stray(_join(line), _named_tables(placed[i][1] for i in level)))
        else:
            placed.append((line[0]["top"], [_split_cells(line)]))
    placed.sort(key=lambda item: item[0])
    return TablePage([row for _, rows in placed for row in rows], strays)


def text_rows(text: str) -> list[list[str]]:
    """A page without tables: one row per line."""
    return [[line.strip()] for line in text.splitlines() if line.strip()]


@dataclass
class Extracted:
    texts: list[str]
    rows: list[list[str]]
    title: str | None
    strays: list[tuple[int, Stray]]  # (page number, stray)
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
        strays: list[tuple[int, Stray]] = []
        after_table = False  # a table may run onto the next page without any label on it
        scan = None
        for index in range(len(document)):
            try:
                page = document[index]
                textpage = page.get_textpage()
            except pdfium.PdfiumError:
                raise PdfError(f"damaged PDF: page {index + 1} of {len(document)} cannot be read") from None
            text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            if not text.strip():  # a scanned page: OCR (whose libraries load only for one)
                from parsers.ocr import Scan
                scan = scan or Scan()
                read = scan.read_pdf_page(page, index + 1)
                text = read.text
                rows += read.rows
            elif has_table_labels(text) or after_table:
                found = table_page_rows(page, textpage)
                rows += found.rows
                strays += [(index + 1, stray) for stray in found.strays]
            else:
                rows += text_rows(text)
            texts.append(text)
            limits.check_rows(rows)
            after_table = has_table_labels(text)
            textpage.close()
            page.close()
        return Extracted(texts, rows, title, strays, scan)
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
    for number, stray in extracted.strays:
        report.warnings.append(f"page {number}: number {stray.text!r} printed outside every table cell, ignored")
        for table in stray.tables:
            report.doubt(table)
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

