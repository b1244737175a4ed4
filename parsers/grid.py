"""Rows of a document in reading order → the values of tables 二, 三 and 四.

Every document parser flattens its document into rows (a paragraph is a one-cell row, a
table row is its cells with merged cells expanded, a line of text is split on tabs or
wide spaces) and ends here, so the tables are found and read the same way whatever the
format. Tables are found by their labels and rows are matched by meaning through the
keyword tables of ``parsers.template``; nothing here depends on where a row sits.

A parser calls ``fill_tables(report, rows)`` with ``rows`` a list of lists of cell texts
(``None`` or ``""`` for a blank cell); cells may hold newlines, and a cell such as
``1.属于国家秘密 0 0 0 0 0 0 0`` is split into its label and its numbers here.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import combinations
from math import comb

from parsers import template as T
from parsers.report import Report

# A number as printed in a cell, with the units people type into them.
_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(万元|元|件|个|项|条|次|家|人|宗)?$")
# What a blank cell is written as: read as null, never as 0.
PLACEHOLDERS = frozenset({"-", "--", "—", "——", "–", "―", "─", "/", "\\", "无", "空", "／", "…", "...", "——/"})
# Page numbers a PDF's text carries between the rows of a table.
_PAGE_NUMBER = re.compile(r"^(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?)$")
# Characters web pages hide inside cells: dropped before a cell is read.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# Money columns are 万元 floats; ``change`` (本年增/减) may be negative; the rest are counts.
VALUE_KINDS = {"amount": "money", "change": "signed"}
# Combinations tried to place the values of a damaged row (C(15,7) = 6435 at most).
_MAX_PLACEMENTS = 10_000
# Label parts looked back over to name a row: a table's longest label is broken in fewer.
_LOOKBACK = 12
# Lines waited for when a row's numbers came before the end of its label.
_HELD_LINES = 8
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


@dataclass(frozen=True)
class Cell:
    text: str
    kind: str  # "label", "value" or "blank"


@dataclass
class Line:
    """One row of the document, its cells classified as label, value or blank."""

    cells: list[Cell]

    @cached_property
    def labels(self) -> list[str]:
        return [c.text for c in self.cells if c.kind == "label"]

    @cached_property
    def tail(self) -> list[Cell]:
        """The value and blank cells after the last label: where a row's numbers are."""
        last = max((i for i, c in enumerate(self.cells) if c.kind == "label"), default=-1)
        return self.cells[last + 1:]

    @cached_property
    def has_values(self) -> bool:
        return any(c.kind == "value" for c in self.tail)

    @cached_property
    def label(self) -> str:
        return T.normalize("".join(self.labels))


def is_value(token: str) -> bool:
    """Whether a token is a printed number or a blank-cell placeholder (not 1. or 第（一）项)."""
    token = unicodedata.normalize("NFKC", token).strip()
    return token in PLACEHOLDERS or bool(_NUMBER.match(token))


def _cell_text(raw: object) -> str:
    return "" if raw is None else str(raw).translate(_INVISIBLE).strip()


def read_line(row: Sequence[object]) -> Line:
    """Classify the cells of a row; a cell ``label 0 0 0`` splits into a label and values."""
    cells: list[Cell] = []
    for raw in row:
        text = _cell_text(raw)
        if not text:
            cells.append(Cell("", "blank"))
            continue
        tokens = text.split()
        start = len(tokens)
        while start > 0 and is_value(tokens[start - 1]):
            start -= 1
        if start:
            cells.append(Cell(" ".join(tokens[:start]), "label"))
        cells.extend(Cell(t, "value") for t in tokens[start:])
    return Line(cells)


@dataclass(frozen=True)
class Number:
    """A cell read as a number; ``note`` says what was not clean about it."""

    value: int | float | None
    note: str | None = None


def read_number(raw: str, kind: str) -> Number:
    """A cell as a number of ``kind`` (count, signed, money in 万元); blank → None."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return Number(None, "blank cell")
    if text in PLACEHOLDERS:
        return Number(None, f"{raw!r} read as null")
    match = _NUMBER.match(text)
    if not match:
        return Number(None, f"unreadable {raw!r}")
    sign, digits, decimals, unit = match.groups()
    value = float(sign + digits.replace(",", "") + (decimals or ""))
    note = f"unit in cell {raw!r}" if unit else None
    if kind == "money":
        if unit == "元":
            value, note = value / 10_000, f"{raw!r} converted to 万元"
        return Number(round(value, 6), note)
    if value != int(value) or (kind == "count" and value < 0):
        return Number(None, f"not a count: {raw!r}")
    return Number(int(value), note)


# --- fitting a row's cells to its columns -------------------------------------------

# A consistency rule inside one row: the value at ``total`` is the sum of ``parts``.
Constraint = tuple[int, tuple[int, ...]]


def _consistent(values: Sequence[int | float | None], constraints: Iterable[Constraint]) -> bool:
    for total, parts in constraints:
        known = [values[i] for i in parts if values[i] is not None]
        if values[total] is None:
            continue
        if len(known) == len(parts) and sum(known) != values[total]:
            return False
        if sum(v for v in known if v > 0) > values[total]:
            return False
    return True


def _place_damaged(found: list[int | float | None], n: int, constraints: Sequence[Constraint]) -> list[int | float | None]:
    """Values of a row with fewer numbers than columns: each column keeps the value that
    every consistent placement of the printed numbers agrees on, else null."""
    if comb(n, len(found)) > _MAX_PLACEMENTS:
        return [None] * n
    agreed: list[set] = [set() for _ in range(n)]
    for slots in combinations(range(n), len(found)):
        row: list[int | float | None] = [None] * n
        for slot, value in zip(slots, found):
            row[slot] = value
        if _consistent(row, constraints):
            for i, value in enumerate(row):
                agreed[i].add(value)
    return [next(iter(s)) if len(s) == 1 else None for s in agreed]


def fit_row(cells: list[Cell], kinds: Sequence[str], where: str, warnings: list[str],
            constraints: Sequence[Constraint] = ()) -> list[int | float | None]:
    """The numbers of one row, one per column in ``kinds``.

    Edge blanks beyond the column count are padding (an extra empty cell before the
    numbers, empty cells after them); a single value may repeat over the cells of its
    merged cell. Fewer numbers than columns is a damaged row: only what is unambiguous is
    kept. More numbers than columns cannot be placed: all null, with a warning.
    """
    n = len(kinds)
    cells = list(cells)
    while len(cells) > n and cells[-1].kind == "blank":
        cells.pop()
    while len(cells) > n and cells[0].kind == "blank":
        cells.pop(0)
    if len(cells) > n:
        filled = [c for c in cells if c.kind == "value"]
        if len(filled) == n:
            cells = filled
        elif n == 1 and len({c.text for c in filled}) == 1:
            cells = filled[:1]  # one value repeated over the cells its merged cell covered
        else:
            warnings.append(f"{where}: {len(filled)} values for {n} columns, left null")
            return [None] * n
    notes: list[str] = []
    if len(cells) == n:
        values = []
        for cell, kind in zip(cells, kinds):
            number = read_number(cell.text, kind)
            values.append(number.value)
            if number.note:
                notes.append(number.note)
        if notes:
            warnings.append(f"{where}: " + "; ".join(dict.fromkeys(notes)))
        return values
    numbers = [read_number(c.text, k) for c, k in zip([c for c in cells if c.kind == "value"], kinds)]
    if not numbers:
        warnings.append(f"{where}: no values printed, left null")
        return [None] * n
    values = _place_damaged([x.value for x in numbers], n, constraints)
    kept = sum(v is not None for v in values)
    warnings.append(f"{where}: damaged row, {len(numbers)} values for {n} columns; "
                    f"kept {kept} unambiguous, the rest null")
    return values


# --- finding rows by their labels ----------------------------------------------------


class Matcher:
    """Finds which of a table's rows a label names; remembers its answers, because the
    same labels recur on every page and in every report."""

    def __init__(self, fields: Sequence[T.Field | T.ActiveItem]) -> None:
        self.fields = tuple(fields)
        self._known: dict[str, str | None] = {}

    def best(self, label: str) -> str | None:
        """The key of the field ``label`` names most specifically, if any."""
        if label not in self._known:
            scored = [(T.match_score(f, label), -i, f.key) for i, f in enumerate(self.fields)]
            score, _, key = max(scored, default=(0, 0, None))
            self._known[label] = key if score else None
        return self._known[label]

    def parts(self, parts: Sequence[str], done: Iterable[str] = ()) -> tuple[str | None, int]:
        """Which field a run of label parts names, and the index of the first part used.

        The latest part decides (``三、本年度办理结果`` ``（一）予以公开``); parts are joined
        backwards when a label is broken over lines or cells (``确认或重新`` ``出具已获取信息``).
        Rows in ``done`` already have their numbers: the tail of their label is not a new row.
        """
        done = set(done)
        for end in range(len(parts) - 1, max(-1, len(parts) - 1 - _LOOKBACK), -1):
            for start in range(end, max(-1, end - 4), -1):
                key = self.best("".join(parts[start:end + 1]))
                if key and key not in done:
                    return key, start
        return None, len(parts)


@lru_cache(maxsize=16)
def matcher(fields: tuple[T.Field | T.ActiveItem, ...]) -> Matcher:
    """One shared matcher per table of a template."""
    return Matcher(fields)


@dataclass
class Found:
    """A row of a table as found: its value cells, line by line."""

    key: str
    label: str
    tails: list[list[Cell]] = field(default_factory=list)
    header: list[frozenset[str]] | None = None
    widths: list[int] = field(default_factory=list)
    count: int = 0  # value cells so far

    def add(self, line: Line) -> None:
        self.tails.append(line.tail)
        self.widths.append(len(line.cells))
        self.count += sum(c.kind == "value" for c in line.tail)

    @property
    def cells(self) -> list[Cell]:
        return [c for tail in self.tails for c in tail]


@dataclass(frozen=True)
class Held:
    """Numbers printed before the end of their label, waiting for the rest of it."""

    parts: list[str]
    column: str  # the label's last column, continued line by line
    numbers: tuple[Line, ...]
    lines: int = 1

    @property
    def count(self) -> int:
        return sum(c.kind == "value" for line in self.numbers for c in line.tail)


class RowWalker:
    """Reads one table's lines in order and gives each of the template's rows its cells.

    A row's label may come before its numbers on earlier lines (``pending``); its numbers
    may be spread over several lines; a row broken by a page may print its numbers before
    the end of its label (``held``, numbers waiting for a label that names a row).
    """

    def __init__(self, fields: tuple[T.Field | T.ActiveItem, ...], width: Callable[[str], int], table: str,
                 warnings: list[str], header_of: Callable[[Line], list[frozenset[str]] | None]) -> None:
        self.fields, self.width, self.table, self.warnings, self.header_of = fields, width, table, warnings, header_of
        self.labels = {f.key: f.label for f in fields}
        self.match = matcher(fields)
        # Rows named only by a whole label (``3.其他``): a wrapped label's first piece may
        # look whole, so such a row is decided only once its label has ended.
        self.whole_label_only = {f.key for f in fields if all(k.startswith("=") for k in f.keywords)}
        self.found: dict[str, Found] = {}
        self.pending: list[str] = []
        self.current: Found | None = None
        self.header: list[frozenset[str]] | None = None
        self.held: Held | None = None

    def walk(self, lines: Iterable[Line]) -> dict[str, Found]:
        for line in lines:
            self.step(line)
        if self.held is not None:
            self._release()
        return self.found

    def step(self, line: Line) -> None:
        heading = self.header_of(line)
        if heading is not None:
            self.header, self.pending, self.current = heading, [], None
            return
        if line.labels and self.held is not None and self._continues_held(line):
            return
        if line.labels and not self._follow_label(line):
            return
        self._take_numbers(line)

    def _continues_held(self, line: Line) -> bool:
        """Whether ``line`` was the rest of the held numbers' label (then it is used up).

        The label goes on either as the next parts (a row split by a page) or, in narrow
        columns, as the next piece of its last column (``（一）予以公`` / ``开``)."""
        held = self.held
        if not line.has_values and not starts_row(line):
            self.held = Held(held.parts + line.labels, held.column + line.labels[-1], held.numbers, held.lines + 1)
            key = self._held_key()
            if key is not None and key not in self.whole_label_only:
                self._release()
                return True
            if self.held.lines <= _HELD_LINES:
                return True
        self._release()
        return False

    def _held_key(self) -> str | None:
        held, done = self.held, self._complete()
        key = self.match.best(held.column)
        return key if key is not None and key not in done else self.match.parts(held.parts, done)[0]

    def _held_width(self) -> int:
        key = self._held_key()
        return self.width(key) if key is not None else max(self.width(f.key) for f in self.fields)

    def _release(self) -> None:
        """Give the held numbers to the row their label names, or drop them with a warning."""
        key = self._held_key()
        held, self.held = self.held, None
        if key is None:
            self._unrecognised(held.parts)
            return
        self.current, self.pending = self._start(key), []
        for line in held.numbers:
            self._append(line)

    def _follow_label(self, line: Line) -> bool:
        """Move to the row ``line`` names; False when its numbers must not be read now."""
        key, first = self.match.parts(self.pending + line.labels, self._complete())
        if key is not None:
            for earlier in self.pending[:first]:
                other = self.match.best(earlier)
                if other and other != key and other not in self.found:
                    self.found[other] = Found(other, self.labels[other])  # a row printed without numbers
            if self.current is None or self.current.key != key:
                self.current = self._start(key)  # else: the label goes on, or the numbers do
            self.pending = []
            return True
        if self.current is not None and not self.current.count and not starts_row(line):
            return True  # the rest of a label broken over lines; its numbers follow
        self.current = None
        if line.has_values:
            self.held, self.pending = Held(self.pending + line.labels, line.labels[-1], (line,)), []
        else:
            self.pending.append("".join(line.labels))
        return False

    def _take_numbers(self, line: Line) -> None:
        current = self.current
        if not line.has_values:
            if line.labels and line.tail and current is not None and not current.tails:
                self._append(line)  # a row printed with blank cells only
            return
        if self.held is not None and not line.labels and self.held.count < self._held_width():
            held = self.held
            self.held = Held(held.parts, held.column, held.numbers + (line,), held.lines)
            return  # more numbers of the held row
        if current is None and self.pending:
            self.held, self.pending = Held(self.pending, self.pending[-1], (line,)), []
            return  # numbers printed before the end of their label
        if current is None or (not line.labels and current.count >= self.width(current.key)):
            self.warnings.append(f"table {self.table}: values without a row label ignored: "
                                 + " ".join(c.text for c in line.tail if c.kind == "value"))
            return
        self._append(line)

    def _complete(self) -> set[str]:
        return {key for key, row in self.found.items() if row.count >= self.width(key)}

    def _append(self, line: Line) -> None:
        self.current.add(line)

    def _start(self, key: str) -> Found:
        if key in self.found and not self.found[key].count:
            return self.found[key]  # named before without numbers; these are its numbers
        if key in self.found:
            self.warnings.append(f"table {self.table} row {self.labels[key]}: printed twice, the first kept")
            return Found(key, self.labels[key])
        self.found[key] = Found(key, self.labels[key], header=self.header)
        return self.found[key]

    def _unrecognised(self, parts: list[str]) -> None:
        self.warnings.append(f"table {self.table}: unrecognised row {''.join(parts)!r} ignored")


def starts_row(line: Line) -> bool:
    """Whether a line opens a row of its own (``1.`` ``（三）`` ``四、``), not the rest of a label."""
    return any(T.ORDINAL.match(T.normalize(part)) for part in line.labels)


# --- the three tables ----------------------------------------------------------------


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


def _active_values(item: T.ActiveItem, row: Found, warnings: list[str]) -> list[int | float | None]:
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


def read_active(lines: Sequence[Line], template: str, warnings: list[str]) -> dict:
    items = T.active_items(template)
    widths = {item.key: len(item.columns) for item in items}
    found = RowWalker(items, widths.__getitem__, "二", warnings, _active_header(template)).walk(lines)
    active: dict = {}
    for item in items:
        row = found.get(item.key)
        if row is None:
            warnings.append(f"table 二 row {item.label}: not found")
            values: list = [None] * len(item.columns)
        else:
            values = _active_values(item, row, warnings)
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


def read_applications(lines: Sequence[Line], template: str, warnings: list[str]) -> dict:
    rows = T.application_rows(template)
    kinds = ["count"] * len(T.APPLICANT_COLUMNS)
    found = RowWalker(rows, lambda key: len(kinds), "三", warnings, lambda line: None).walk(lines)
    columns = table_columns(found.values(), len(kinds))
    applications = {}
    for row in rows:
        where = f"table 三 row {row.label}"
        if row.key in found:
            cells = columns(found[row.key]) or found[row.key].cells
            values = fit_row(cells, kinds, where, warnings, _APPLICANT_CONSTRAINTS)
        else:
            warnings.append(f"{where}: not found")
            values = [None] * len(kinds)
        applications[row.key] = {c.key: v for c, v in zip(T.APPLICANT_COLUMNS, values)}
    return applications


def read_review(lines: Sequence[Line], warnings: list[str]) -> dict:
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
    values = fit_row(cells, ["count"] * size, "table 四", warnings, _review_constraints())
    columns = iter(values)
    return {g.key: {c.key: next(columns) for c in T.REVIEW_COLUMNS} for g in T.REVIEW_GROUPS}


def fill_tables(report: Report, rows: Sequence[Sequence[str | None]]) -> None:
    """Fill ``report.format``, ``active``, ``applications`` and ``review_litigation`` from
    the document's rows; whatever cannot be read cleanly goes to ``report.warnings``."""
    lines = [read_line(row) for row in rows
             if any(map(_cell_text, row)) and not (len(row) == 1 and _PAGE_NUMBER.match(_cell_text(row[0])))]
    template, note = detect_template(lines)
    regions = find_regions(lines)
    if regions.active is None and regions.applications is None and regions.review is None:
        report.warnings.append("no table 二, 三 or 四 found")
        return
    report.format = template
    if note:
        report.warnings.append(note)
    reading = template or "2021"
    if regions.active:
        report.active = read_active(lines[slice(*regions.active)], reading, report.warnings)
    else:
        report.warnings.append("table 二 (主动公开) not found")
    if regions.applications:
        report.applications = read_applications(lines[slice(*regions.applications)], reading, report.warnings)
    else:
        report.warnings.append("table 三 (收到和处理政府信息公开申请) not found")
    if regions.review is not None:
        report.review_litigation = read_review(lines[regions.review:], report.warnings)
    else:
        report.warnings.append("table 四 (行政复议、行政诉讼) not found")
