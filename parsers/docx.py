"""Word documents (.docx): the body's paragraphs and tables in reading order, merged cells
expanded, then the shared ``grid`` reader.

Read straight from the package's XML (lxml), which is fast and sees what python-docx
hides: text boxes (``w:txbxContent``), content controls, tables nested in cells, legacy
horizontal merges. A DOCX is a zip from anywhere, so the package is checked before a
byte is inflated: member count, declared sizes, compression ratio, the main part; its
tags are counted before a tree is built, and merged cells before they are expanded
(``parsers.limits``).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from lxml import etree

from parsers import grid, limits, meta
from parsers.report import Report

MAIN_PART = "word/document.xml"
MAX_MEMBERS = 2000
MAX_UNCOMPRESSED = 100 * 1024 * 1024  # all members together
MAX_RATIO = 200  # inflated / compressed, for members large enough to matter
RATIO_FLOOR = 1024 * 1024
MAX_SPAN = 64  # columns one cell may cover: a forged gridSpan must not make a huge row
# Grid columns narrower than this (twips; 1 mm = 57) hold nothing printable: slivers left
# by borders that do not line up, which would shift the cells of every row they split.
SLIVER_TWIPS = 30

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


P, TBL, T, TAB, BR, CR = map(_w, ("p", "tbl", "t", "tab", "br", "cr"))
TXBX = _w("txbxContent")
VAL, TCPR, SDT = _w("val"), _w("tcPr"), _w("sdt")
SDT_PARAGRAPHS = f"{_w('sdtContent')}/{P}"
GRID_SPAN, VMERGE, HMERGE = map(_w, ("gridSpan", "vMerge", "hMerge"))
GRID_BEFORE = f"{_w('trPr')}/{_w('gridBefore')}"
# Rows of a table and cells of a row, also when wrapped in content controls or custom XML.
_ROWS = etree.XPath("./w:tr | ./w:sdt/w:sdtContent/w:tr | ./w:customXml/w:tr", namespaces={"w": W})
_CELLS = etree.XPath("./w:tc | ./w:sdt/w:sdtContent/w:tc | ./w:customXml/w:tc", namespaces={"w": W})
FALLBACK = f"{{{MC}}}Fallback"  # the VML copy of a drawing, which repeats its text box
# Run content that stands for characters.
_RUN_TEXT = {TAB: "\t", BR: "\n", CR: "\n", _w("noBreakHyphen"): "-"}
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


class DocxError(Exception):
    """The package is not a readable Word document; the message is one line."""


def read_package(data: bytes) -> bytes:
    """The main document part, after checking the zip is a modest Word package."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocxError(f"not a readable DOCX (damaged or truncated zip: {exc})") from None
    if len(members) > MAX_MEMBERS:
        raise DocxError(f"not a plausible DOCX: {len(members)} zip members")
    inflated = sum(m.file_size for m in members)
    if inflated > MAX_UNCOMPRESSED:
        raise DocxError(f"DOCX would inflate to {inflated // 2**20} MB (limit {MAX_UNCOMPRESSED // 2**20} MB): zip bomb?")
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise DocxError(f"DOCX member {member.filename} compressed {member.file_size // max(member.compress_size, 1)}:1: zip bomb?")
    if MAIN_PART not in package.namelist():
        raise DocxError(f"not a Word document: a zip without {MAIN_PART}")
    try:
        with package.open(MAIN_PART) as part:
            body = part.read(MAX_UNCOMPRESSED + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise DocxError(f"not a readable DOCX ({MAIN_PART}: {exc})") from None
    if len(body) > MAX_UNCOMPRESSED:
        raise DocxError(f"{MAIN_PART} larger than {MAX_UNCOMPRESSED // 2**20} MB")
    return body


def paragraph_text(paragraph: etree._Element) -> str:
    """A paragraph's own text: its runs, not the text boxes anchored in it."""
    boxed = next(paragraph.iter(TXBX, FALLBACK), None) is not None
    parts = []
    for node in paragraph.iter(T, *_RUN_TEXT):
        if boxed and _inside_text_box(node, paragraph):
            continue
        parts.append((node.text or "") if node.tag == T else _RUN_TEXT[node.tag])
    return "".join(parts)


def _inside_text_box(node: etree._Element, stop: etree._Element) -> bool:
    for ancestor in node.iterancestors():
        if ancestor is stop:
            return False
        if ancestor.tag in (TXBX, FALLBACK):
            return True
    return False


def _text_boxes(paragraph: etree._Element) -> Iterator[etree._Element]:
    """The text boxes anchored in a paragraph, each once (not its VML fallback copy)."""
    for box in paragraph.iter(TXBX):
        if not any(a.tag in (TXBX, FALLBACK) for a in box.iterancestors() if a is not paragraph):
            yield box


def _cell_properties(cell: etree._Element) -> dict[str, str]:
    """A cell's span and merge marks (gridSpan, vMerge, hMerge) by tag; a merge mark
    without a value means ``continue``."""
    properties = next(cell.iterchildren(TCPR), None)
    if properties is None:
        return {}
    return {child.tag: child.get(VAL) or "continue" for child in properties.iterchildren(GRID_SPAN, VMERGE, HMERGE)}


def _grid_span(value: str | None) -> int:
    try:
        return min(MAX_SPAN, max(1, int(value))) if value is not None else 1
    except ValueError:
        return 1


def _sliver_columns(table: etree._Element) -> set[int]:
    """Grid columns too narrow to print in, by the table's declared grid."""
    widths = [column.get(_w("w")) for column in table.iterfind(f"{_w('tblGrid')}/{_w('gridCol')}")]
    return {i for i, width in enumerate(widths) if width is not None and width.isdigit() and int(width) < SLIVER_TWIPS}


def cell_text(cell: etree._Element) -> str:
    """A cell's paragraphs, one per line (a label broken over lines stays one label)."""
    return "\n".join(filter(None, (paragraph_text(p).strip() for p in _cell_paragraphs(cell))))


def _cell_paragraphs(cell: etree._Element) -> Iterator[etree._Element]:
    for child in cell.iterchildren(P, SDT):
        if child.tag == P:
            yield child
        else:
            yield from child.iterfind(SDT_PARAGRAPHS)


class Body:
    """Walks a body (or a cell, or a text box) into rows: a paragraph is a one-cell row,
    a table row its cells with merged cells expanded. ``lines`` is the plain text, where
    a merged cell's text appears once."""

    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.lines: list[str] = []
        self.budget = limits.Budget()

    def walk(self, container: etree._Element) -> None:
        for child in container:
            if child.tag == P:
                self._paragraph(child)
            elif child.tag == TBL:
                self._table(child)
            elif isinstance(child.tag, str) and child.tag not in (FALLBACK,):
                self.walk(child)  # content controls (w:sdt), custom XML, inserted runs

    def _paragraph(self, paragraph: etree._Element) -> None:
        text = paragraph_text(paragraph).strip()
        if text:
            self.rows.append([text])
            self.lines.append(text)
        for box in _text_boxes(paragraph):
            self.walk(box)

    def _table(self, table: etree._Element) -> None:
        slivers = _sliver_columns(table)
        above: list[str] = []
        for tr in _ROWS(table):
            cells = _CELLS(tr)
            if any(next(cell.iter(TBL), None) is not None for cell in cells):
                for cell in cells:  # a layout table: its cells hold the document
                    self.walk(cell)
                above = []
                continue
            row, printed = self._row(tr, cells, above, self.budget)
            above = row
            if any(row):
                self.rows.append([text for i, text in enumerate(row) if i not in slivers])
                self.lines.append("\t".join(text for i, text in enumerate(printed) if i not in slivers))

    @staticmethod
    def _row(tr: etree._Element, cells: list[etree._Element], above: list[str],
             budget: limits.Budget) -> tuple[list[str], list[str]]:
        before = tr.find(GRID_BEFORE)
        skip = min(MAX_SPAN, int(before.get(VAL))) if before is not None and (before.get(VAL) or "").isdigit() else 0
        budget.spend(skip, 0)
        row, printed = [""] * skip, [""] * skip
        for cell in cells:
            text, properties = cell_text(cell), _cell_properties(cell)
            column = len(row)
            if properties.get(VMERGE) == "continue":
                text, shown = (above[column] if column < len(above) else ""), ""
            elif properties.get(HMERGE) == "continue" and row:
                text, shown = row[-1], ""
            else:
                shown = text
            span = _grid_span(properties.get(GRID_SPAN))
            budget.spend(span, len(text))
            row += [text] * span
            printed += [shown] + [""] * (span - 1)
        return row, printed


def extract(data: bytes) -> Body:
    """The rows and text of a DOCX package (raises ``DocxError``)."""
    main = read_package(data)
    limits.check_tags(main)
    try:
        root = etree.fromstring(main, _XML)
    except etree.XMLSyntaxError as exc:
        raise DocxError(f"not a readable DOCX ({MAIN_PART}: {exc})") from None
    body = root.find(_w("body"))
    if body is None:
        raise DocxError(f"not a Word document: {MAIN_PART} has no body")
    walker = Body()
    walker.walk(body)
    return walker


def parse(data: bytes, source: str, *, file_type: str = "docx") -> Report:
    """``file_type`` is ``doc`` when the package was converted from Word 97."""
    try:
        body = extract(data)
    except DocxError as exc:
        return Report.failed(source, file_type, str(exc))
    report = Report(source=source, file_type=file_type, text="\n".join(body.lines))
    meta.describe(report)
    grid.fill_tables(report, body.rows)
    if not (report.active or report.applications or report.review_litigation) and not report.title:
        return Report.failed(source, file_type, "not an annual report: no disclosure tables and no report title")
    return report
