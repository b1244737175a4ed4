"""Rows of a document in reading order → the values of tables 二, 三 and 四.

Every document parser flattens its document into rows (a paragraph is a one-cell row, a
table row is its cells with merged cells expanded, a line of text is split on tabs or
wide spaces) and ends here, so the tables are found and read the same way whatever the
format. Tables are found by their labels and rows are matched by meaning through the
keyword tables of ``parsers.template``; nothing here depends on where a row sits.

A parser calls ``fill_tables(report, rows)`` with ``rows`` a list of lists of cell texts
(``None`` or ``""`` for a blank cell); cells may hold newlines, and a cell such as
``1.属于国家秘密 0 0 0 0 0 0 0`` is split into its label and its numbers
(``parsers.lines``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from parsers import limits
from parsers import template as T
from parsers.fitting import Constraint, Fit, fit_row
from parsers.lines import Cell, Line, cell_text, read_line
from parsers.report import Report
from parsers.rows import Found, RowWalker

# Page numbers a PDF's text carries between the rows of a table (a bare number only a
# PDF's layout tells from a value: ``parsers.pdf``).
PAGE_NUMBER = re.compile(r"^(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?)$")
# Money columns are 万元 floats; ``change`` (本年增/减) may be negative; the rest are counts.
VALUE_KINDS = {"amount": "money", "change": "signed"}
# The characters of table 四's header labels: a line made only of these (even of pieces
# of a label wrapped in a narrow column) carries no data.
_REVIEW_HEADER = re.compile(r"[行政复议诉讼未经直接起后结果维持纠正其他尚审总计合情况件数]+")
_SECTION_ENDS = tuple(s for s in T.SECTIONS if s.key in ("problems", "other_matters"))
# Words that open each table in both templates: its heading (normalised) or header cells.
ACTIVE_HEADING = ("二,", "主动公开")
ACTIVE_OPENERS = ("第二十条", "信息内容")
APPLICATIONS_HEADING = ("三,", "收到和处理")
APPLICATIONS_OPENERS = ("申请人情况",)
APPLICATIONS_HEADER_CELL = "自然人"
REVIEW_OPENERS = ("行政复议", "行政诉讼")
REVIEW_HEADER_WORD = "维持"


def _review_constraints() -> list[Constraint]:
    size = len(T.REVIEW_COLUMNS)
    return [(g * size + size - 1, tuple(range(g * size, g * size + size - 1))) for g in range(len(T.REVIEW_GROUPS))]


_APPLICANT_CONSTRAINTS: list[Constraint] = [(len(T.APPLICANT_COLUMNS) - 1, tuple(range(len(T.APPLICANT_COLUMNS) - 1)))]


def detect_template(lines: Sequence[Line]) -> tuple[str | None, str | None]:
    """The template the table labels follow, and a warning when it had to be inferred."""
    text = "".join(line.label for line in lines)
    hits = {name: sum(T.normalize(m) in text for m in markers) for name, markers in T.TEMPLATE_MARKERS.items()}
    best = max(hits, key=lambda name: hits[name])
    if hits[best] and list(hits.values()).count(hits[best]) == 1:
        return best, None
    if "其他处理" in text and "本年新收" in text:
        return "2019", "template inferred as 2019: table 三 has no （六） sub-rows"
    return None, "template not recognised from the table labels"


def _first(lines: Sequence[Line], test: Callable[[Line], bool], start: int = 0, stop: int | None = None) -> int | None:
    stop = len(lines) if stop is None else stop
    return next((i for i in range(start, stop) if test(lines[i])), None)


def _is_section_end(line: Line) -> bool:
    return any(T.matches(s, line.label) for s in _SECTION_ENDS) and not line.has_values


@dataclass(frozen=True)
class Regions:
    active: tuple[int, int] | None
    applications: tuple[int, int] | None
    review: int | None


def _is_applications_header(line: Line) -> bool:
    """Table 三's heading or header row, not a sentence that mentions 自然人."""
    label = line.label
    return (any(w in label for w in APPLICATIONS_OPENERS) or _is_heading(label, APPLICATIONS_HEADING)
            or any(T.normalize(cell) == APPLICATIONS_HEADER_CELL for cell in line.labels))


def _is_heading(label: str, heading: tuple[str, str]) -> bool:
    number, words = heading
    return label.startswith(number) and words in label


def find_regions(lines: Sequence[Line]) -> Regions:
    """Where tables 二, 三 and 四 are: found by their headers and first rows."""
    new_row = next(r for r in T.APPLICATION_ROWS if r.key == "new")
    head3 = _first(lines, _is_applications_header)
    start3 = _first(lines, lambda line: T.matches(new_row, line.label), head3 or 0)
    if start3 is None and head3 is not None:
        # its first label wrapped beyond recognition: the first numbers under its header
        review = _first(lines, lambda line: any(w in line.label for w in REVIEW_OPENERS), head3)
        start3 = _first(lines, lambda line: line.has_values, head3, review)
    after3 = start3 if start3 is not None else (head3 or 0)
    start4 = _first(lines, lambda line: any(w in line.label for w in REVIEW_OPENERS), after3 + (start3 is not None))
    if start4 is not None and start3 is None and not any(REVIEW_HEADER_WORD in line.label
                                                         for line in lines[start4:start4 + 12]):
        start4 = None  # a sentence about 行政复议 before the tables, not table 四
    end3 = start4 if start4 is not None else _first(lines, _is_section_end, after3 + 1) or len(lines)
    stop2 = head3 if head3 is not None else (start3 if start3 is not None else (start4 or len(lines)))
    heading2 = _first(lines, lambda line: _is_heading(line.label, ACTIVE_HEADING), 0, stop2)
    start2 = _first(lines, lambda line: any(w in line.label for w in ACTIVE_OPENERS), heading2 or 0, stop2)
    start2 = heading2 if start2 is None else start2
    return Regions(
        active=(start2, stop2) if start2 is not None else None,
        applications=(start3, end3) if start3 is not None else None,
        review=start4,
    )


def _column_fields(template: str) -> list[T.Field]:
    return list({c.key + c.label: c for item in T.active_items(template) for c in item.columns}.values())


def _active_header(template: str) -> Callable[[Line], list[frozenset[str]] | None]:
    columns = _column_fields(template)

    def header_of(line: Line) -> list[frozenset[str]] | None:
        if line.has_values or not line.labels:
            return None
        keys = [frozenset(c.key for c in columns if T.matches(c, cell.text)) if cell.kind == "label" else frozenset()
                for cell in line.cells]
        if any(keys) or any(w in line.label for w in ACTIVE_OPENERS):
            return keys
        return None

    return header_of


def _active_values(item: T.ActiveItem, row: Found, warnings: list[str]) -> Fit:
    """Values of one table-二 row: by the column header above it when the cells line up."""
    kinds = [VALUE_KINDS.get(c.key, "count") for c in item.columns]
    where = f"table 二 row {item.label}"
    if row.header and len(row.tails) == 1 and row.widths[0] == len(row.header):
        offset = len(row.header) - len(row.tails[0])
        positions = [[i for i, keys in enumerate(row.header) if column.key in keys and i >= offset]
                     for column in item.columns]
        flat = [i for column in positions for i in column]
        if all(positions) and len(flat) == len(set(flat)):
            cells = [[row.tails[0][i - offset] for i in column] for column in positions]
            picked = [next((c for c in column if c.kind == "value"), column[0]) for column in cells]
            return fit_row(picked, kinds, where, warnings)
    return fit_row(row.cells, kinds, where, warnings)


def read_active(lines: Sequence[Line], template: str, report: Report) -> dict:
    items = T.active_items(template)
    widths = {item.key: len(item.columns) for item in items}
    walker = RowWalker(items, widths.__getitem__, "二", report.warnings, _active_header(template))
    found = walker.walk(lines)
    if walker.doubtful or not found:  # no row found: the table was not read
        report.doubt("active")
    active: dict = {}
    for item in items:
        row = found.get(item.key)
        if row is None:
            report.warnings.append(f"table 二 row {item.label}: not found")
            values: list = [None] * len(item.columns)
        else:
            values, doubtful = _active_values(item, row.valued(), report.warnings)
            if doubtful:
                report.doubt("active", item.key)
        if len(item.columns) == 1:
            active[item.key] = values[0]
        else:
            active[item.key] = {c.key: v for c, v in zip(item.columns, values)}
    return active


def table_columns(rows: Iterable[Found], n: int) -> Callable[[Found], list[Cell] | None]:
    """Where a table keeps its numbers, learnt from its complete rows, for the rows with
    blank cells: in a grid whose rows all have W cells and end their n numbers k cells
    before the end, a row of W cells has its numbers there too, whichever are blank."""
    spots = Counter()
    for row in rows:
        if len(row.tails) == 1 and row.count == n:
            tail, width = row.tails[0], row.widths[0]
            last = max(i for i, c in enumerate(tail) if c.kind == "value")
            spots[(width, len(tail) - 1 - last)] += 1
    if not spots:
        return lambda row: None
    (width, after), _ = spots.most_common(1)[0]

    def cells(row: Found) -> list[Cell] | None:
        if len(row.tails) != 1 or row.widths[0] != width or row.count >= n or len(row.tails[0]) < n + after:
            return None
        tail = row.tails[0]
        return tail[len(tail) - after - n:len(tail) - after]

    return cells


def _without_section_labels(lines: Iterable[Line], template: str) -> Iterable[Line]:
    """The lines with their 三（N） group labels (and first pieces of them) emptied, and
    lines holding nothing else dropped. The cell stays a label: a blank would take a
    value's place in a row printed without rules."""
    for line in lines:
        pieces = [c.kind == "label" and T.is_section_piece(c.text, template) for c in line.cells]
        if not any(pieces):
            yield line
        elif line.has_values or len(line.labels) > sum(pieces):
            yield Line([Cell("", "label") if piece else c for c, piece in zip(line.cells, pieces)])


def read_applications(lines: Sequence[Line], template: str, report: Report) -> dict:
    rows = T.application_rows(template)
    kinds = ["count"] * len(T.APPLICANT_COLUMNS)
    walker = RowWalker(rows, lambda key: len(kinds), "三", report.warnings, lambda line: None)
    found = walker.walk(_without_section_labels(lines, template))
    if walker.doubtful or not found:  # no row found: the table was not read
        report.doubt("applications")
    found = {key: row.valued() for key, row in found.items()}
    columns = table_columns(found.values(), len(kinds))
    applications = {}
    for row in rows:
        where = f"table 三 row {row.label}"
        if row.key in found:
            cells = columns(found[row.key]) or found[row.key].cells
            values, doubtful = fit_row(cells, kinds, where, report.warnings, _APPLICANT_CONSTRAINTS)
            if doubtful:
                report.doubt("applications", row.key)
        else:
            report.warnings.append(f"{where}: not found")
            values = [None] * len(kinds)
        applications[row.key] = {c.key: v for c, v in zip(T.APPLICANT_COLUMNS, values)}
    return applications


def read_review(lines: Sequence[Line], report: Report) -> dict:
    """Table 四: header lines, then 15 numbers in the printed order of its groups."""
    size = len(T.REVIEW_GROUPS) * len(T.REVIEW_COLUMNS)
    cells: list[Cell] = []
    for line in lines:
        if _is_section_end(line):
            break
        header_only = line.labels and not _REVIEW_HEADER.sub("", re.sub(r"[\W\d_]", "", line.label))
        if line.labels and not header_only and cells:
            break
        if line.has_values:
            cells.extend(line.tail)
        if sum(c.kind == "value" for c in cells) >= size:
            break
    values, doubtful = fit_row(cells, ["count"] * size, "table 四", report.warnings, _review_constraints())
    if doubtful:
        report.doubt("review_litigation")
    columns = iter(values)
    return {g.key: {c.key: next(columns) for c in T.REVIEW_COLUMNS} for g in T.REVIEW_GROUPS}


def fill_tables(report: Report, rows: Sequence[Sequence[str | None]]) -> None:
    """Fill ``report.format``, ``active``, ``applications`` and ``review_litigation`` from
    the document's rows; whatever cannot be read cleanly goes to ``report.warnings``, and
    a table not found is doubted whole (the monitor must not read its absence as zeros)."""
    limits.check_rows(rows)
    lines = [read_line(row) for row in rows
             if any(map(cell_text, row)) and not (len(row) == 1 and PAGE_NUMBER.match(cell_text(row[0])))]
    template, note = detect_template(lines)
    regions = find_regions(lines)
    if regions.active is None and regions.applications is None and regions.review is None:
        report.warnings.append("no table 二, 三 or 四 found")
        for table in ("active", "applications", "review_litigation"):
            report.doubt(table)
        return
    report.format = template
    if note:
        report.warnings.append(note)
    reading = template or "2021"
    if regions.active:
        report.active = read_active(lines[slice(*regions.active)], reading, report)
    else:
        report.warnings.append("table 二 (主动公开) not found")
        report.doubt("active")
    if regions.applications:
        report.applications = read_applications(lines[slice(*regions.applications)], reading, report)
    else:
        report.warnings.append("table 三 (收到和处理政府信息公开申请) not found")
        report.doubt("applications")
    if regions.review is not None:
        report.review_litigation = read_review(lines[regions.review:], report)
    else:
        report.warnings.append("table 四 (行政复议、行政诉讼) not found")
        report.doubt("review_litigation")
