"""PDFs drawn the way WPS and Word export a report, for the PDF tests.

LibreOffice exports of ``render_docx`` are tidy: one text run per line, a table that keeps
its rows whole. WPS and Word exports are not, and this draws what they do from the same
layout (``documents.blocks``): every character placed on its own, cell borders as thin
filled boxes, labels wrapped in narrow columns (a merged column label one character per
line beside the row labels), rows split by a page break, the table's header repeated on
the next page, page numbers and a running header between the rows, items numbered ``1.``
in one row and ``1、`` in the next, and (``stray``) a content stream that puts one digit
into the margin. Fonts: the CID font every PDF reader knows (nothing embedded).
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from nianbao.demo import documents as D
from parsers import template as T

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
PAGE_WIDTH, PAGE_HEIGHT = 595.0, 842.0
MARGIN = 60.0
BODY_SIZE, TABLE_SIZE = 12.0, 9.0
PAD = 3.0  # a cell's inner margin
RULE = 0.5  # border width
# Column widths (points) of each table: table 三's first column fits one character, so
# 三、本年度办理结果 runs down it; its label columns wrap the long labels.
WIDTHS = {"active": [115.0, 120.0, 120.0, 120.0], "applications": [16.0, 52.0, 92.0] + [45.0] * 7,
          "review_litigation": [31.6] * 15}
HEADER_ROWS = {"active": 0, "applications": 3, "review_litigation": 3}
PAGE_NUMBERS = ("- {n} -", "— {n} —", "第{n}页", "第 {n} 页 共 {total} 页")
BARE_PAGE_NUMBERS = ("{n}", "{n}/{total}")
ORDINAL_MARKS = (".", "、", "．")
STRAY_X = 12.0  # where a damaged content stream puts a digit: the left margin


@dataclass(frozen=True)
class Style:
    """What the exporting program did."""

    ruled: bool = True
    split_rows: bool = True        # a row may break over a page (Word's "allow row to break across pages")
    repeat_header: bool = True     # the table's header rows printed again on the next page
    running_header: bool = True    # the report's title above a rule at the top of every page
    mixed_ordinals: bool = True    # 1. / 1、 / 1． in turn
    page_numbers: tuple[str, ...] = PAGE_NUMBERS  # the footer of page n, in turn
    top_labels: bool = False       # labels at the top of their cells, numbers in the middle
    stray: tuple[str, int] | None = None  # (row key of table 三, column) whose digit lands in the margin


def _width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of ``text`` as a word processor breaks them in ``width`` (any character may end a line)."""
    lines, line = [], ""
    for char in text:
        if line and _width(line + char, size) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def _renumbered(table: D.Table) -> D.Table:
    """Items numbered ``1.`` ``2、`` ``3．`` in turn, as agencies retype them."""
    marks = itertools.cycle(ORDINAL_MARKS)
    return [[dataclasses.replace(cell, text=re.sub(r"^(\d)\.", lambda m: m[1] + next(marks), cell.text))
             for cell in row] for row in table]


@dataclass(frozen=True)
class _Line:
    text: str
    x: float      # left of the line
    v: float      # top of the line in the table's own coordinate, downwards


class Drawer:
    """Lays a report's blocks out page by page on a reportlab canvas."""

    def __init__(self, report: dict, style: Style, total: int = 0) -> None:
        self.report, self.style, self.total = report, style, total
        self.stray_cell = _stray_cell(report, style.stray)
        self.out = io.BytesIO()
        self.canvas = Canvas(self.out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
        self.canvas.setTitle(report["title"])
        self.page = 0
        self.cut_rows = 0  # table rows a page break cut through
        self.y = 0.0
        self._new_page(first=True)

    # -- pages -----------------------------------------------------------------------------

    def _new_page(self, first: bool = False) -> None:
        if not first:
            self._footer()
            self.canvas.showPage()
        self.page += 1
        self.y = PAGE_HEIGHT - MARGIN
        if self.style.running_header and self.page > 1:
            self.text(self.report["title"], MARGIN, PAGE_HEIGHT - 40, 9)
            self._box(MARGIN, PAGE_HEIGHT - 44, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - 44 + RULE)

    def _footer(self) -> None:
        numbers = self.style.page_numbers
        mark = numbers[(self.page - 1) % len(numbers)].format(n=self.page, total=self.total)
        self.text(mark, (PAGE_WIDTH - _width(mark, 10.5)) / 2, 30, 10.5)

    def text(self, text: str, x: float, baseline: float, size: float) -> None:
        """Characters placed one by one, as WPS writes them."""
        self.canvas.setFont(FONT, size)
        for char in text:
            self.canvas.drawString(x, baseline, char)
            x += _width(char, size)

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.canvas.rect(x0, y0, x1 - x0, y1 - y0, stroke=0, fill=1)

    # -- prose -----------------------------------------------------------------------------

    def paragraph(self, kind: str, text: str) -> None:
        size = 16.0 if kind == "title" else BODY_SIZE
        lead = size * 1.6
        indent = 2 * size if kind in ("heading", "paragraph") else 0
        width = PAGE_WIDTH - 2 * MARGIN
        for index, line in enumerate(wrap(text, width - indent, size)):
            if self.y - lead < MARGIN:
                self._new_page()
            x = MARGIN + (indent if index == 0 else 0)
            if kind == "title":
                x = (PAGE_WIDTH - _width(line, size)) / 2
            elif kind == "signature":
                x = PAGE_WIDTH - MARGIN - _width(line, size)
            self.y -= lead
            self.text(line, x, self.y + 0.25 * size, size)

    # -- tables ----------------------------------------------------------------------------

    def table(self, name: str, table: D.Table) -> None:
        if self.style.mixed_ordinals:
            table = _renumbered(table)
        grid, widths, lead = D.place(table), WIDTHS[name], TABLE_SIZE * 1.4
        xs = list(itertools.accumulate(widths, initial=(PAGE_WIDTH - sum(widths)) / 2))
        owners = {(top, left): cell for row in grid for cell, top, left in row}
        spans = {key: (cell.rowspan, cell.colspan) for key, cell in owners.items()}
        wrapped = {key: wrap(cell.text, xs[key[1] + cell.colspan] - xs[key[1]] - 2 * PAD, TABLE_SIZE)
                   for key, cell in owners.items()}
        heights = [lead + 2 * PAD] * len(grid)
        for (top, left), lines in wrapped.items():  # single rows first, then the merged cells
            if spans[(top, left)][0] == 1:
                heights[top] = max(heights[top], len(lines) * lead + 2 * PAD)
        for (top, left), lines in wrapped.items():
            rows = spans[(top, left)][0]
            short = len(lines) * lead + 2 * PAD - sum(heights[top:top + rows])
            if short > 0:
                heights[top + rows - 1] += short
        vs = list(itertools.accumulate(heights, initial=0.0))
        lines: list[_Line] = []
        for (top, left), texts in wrapped.items():
            rows, cols = spans[(top, left)]
            first = (vs[top] + vs[top + rows]) / 2 - len(texts) * lead / 2
            if self.style.top_labels and not all(map(str.isdigit, texts)):
                first = vs[top] + PAD
            for i, text in enumerate(texts):
                x = (xs[left] + xs[left + cols] - _width(text, TABLE_SIZE)) / 2
                if name == "applications" and (top, left) == self.stray_cell:
                    x = STRAY_X
                lines.append(_Line(text, x, first + i * lead))
        self._paginate(name, grid, xs, vs, lines, lead)

    def _paginate(self, name: str, grid: list, xs: list[float], vs: list[float], lines: list[_Line],
                  lead: float) -> None:
        """Draw the table in page segments; a line cut by a page break moves to the next page."""
        header, start, row = HEADER_ROWS[name], 0.0, 0
        while True:
            room = self.y - MARGIN
            while row < len(grid) and vs[row + 1] - start <= room:
                row += 1
            if row == len(grid):
                break
            cut = vs[row]
            if self.style.split_rows and row >= header:
                cut = start + room
                while straddling := [line.v for line in lines if line.v < cut < line.v + lead]:
                    cut = min(straddling)
            self.cut_rows += vs[row] < cut
            if cut > start:
                self._segment(grid, xs, vs, lines, start, cut, self.y)
            self._new_page()
            if self.style.repeat_header and header and cut > vs[header]:
                self._segment(grid, xs, vs, lines, 0.0, vs[header], self.y)
                self.y -= vs[header]
            start = max(start, cut)
        self._segment(grid, xs, vs, lines, start, vs[-1], self.y)
        self.y -= vs[-1] - start + 12

    def _segment(self, grid: list, xs: list[float], vs: list[float], lines: list[_Line], start: float,
                 end: float, top: float) -> None:
        """The part of the table between ``start`` and ``end`` drawn with its top at ``top``."""
        def y(v: float) -> float:
            return top - (v - start)

        for cell, r, c in {(cell, r, c) for row in grid for cell, r, c in row}:
            v0, v1 = max(vs[r], start), min(vs[r + cell.rowspan], end)
            if v0 >= v1 or not self.style.ruled:
                continue
            x0, x1 = xs[c], xs[c + cell.colspan]
            for box in ((x0, y(v0) - RULE / 2, x1, y(v0) + RULE / 2), (x0, y(v1) - RULE / 2, x1, y(v1) + RULE / 2),
                        (x0 - RULE / 2, y(v1), x0 + RULE / 2, y(v0)), (x1 - RULE / 2, y(v1), x1 + RULE / 2, y(v0))):
                self._box(*box)
        for line in lines:
            if start <= line.v < end:
                self.text(line.text, line.x, y(line.v) - TABLE_SIZE * 1.05, TABLE_SIZE)

    def finish(self) -> bytes:
        self._footer()
        self.canvas.save()
        return self.out.getvalue()


def _stray_cell(report: dict, stray: tuple[str, int] | None) -> tuple[int, int] | None:
    """Where in table 三's grid the digit that lands in the margin is printed."""
    if stray is None:
        return None
    key, column = stray
    rows = [row.key for row in T.application_rows(report["format"])]
    return HEADER_ROWS["applications"] + rows.index(key), len(WIDTHS["applications"]) - len(T.APPLICANT_COLUMNS) + column


def render(report: dict, style: Style = Style()) -> tuple[bytes, int]:
    """The report as WPS exports it in ``style`` (drawn twice: page numbers say the total),
    and how many table rows a page break cut through."""
    def draw(total: int) -> Drawer:
        drawer, names = Drawer(report, style, total), iter(D.TABLES)
        for kind, content in D.blocks(report):
            if kind == "table":
                drawer.table(next(names), content)
            else:
                drawer.paragraph(kind, content)
        return drawer

    drawer = draw(draw(0).page)
    return drawer.finish(), drawer.cut_rows
