"""A table's lines → the value cells of each template row, found by its label.

Labels are matched by meaning through the keyword tables of ``parsers.template``, and
may be broken over lines, cells and pages, with a row's numbers before or after the end
of its label. Separate because it finds rows without reading their numbers, the same way
for tables 二 and 三.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from parsers import template as T
from parsers.lines import Cell, Line

# Label parts looked back over to name a row: a table's longest label is broken in fewer.
_LOOKBACK = 12
# Lines waited for when a row's numbers came before the end of its label.
_HELD_LINES = 8


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

    def valued(self) -> Found:
        """The row without its lines that hold none of its values (the first piece of a
        label cut by a page break, printed with empty cells): their blanks are no columns."""
        keep = [i for i, tail in enumerate(self.tails) if any(c.kind == "value" for c in tail)]
        if not keep or len(keep) == len(self.tails):
            return self
        return Found(self.key, self.label, [self.tails[i] for i in keep], self.header,
                     [self.widths[i] for i in keep], self.count)


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
        self.doubtful = False   # a row dropped or printed twice: the table's reading is in doubt

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
            self.doubtful = True
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
            self.doubtful = True
            self.warnings.append(f"table {self.table} row {self.labels[key]}: printed twice, the first kept")
            return Found(key, self.labels[key])
        self.found[key] = Found(key, self.labels[key], header=self.header)
        return self.found[key]

    def _unrecognised(self, parts: list[str]) -> None:
        self.doubtful = True
        self.warnings.append(f"table {self.table}: unrecognised row {''.join(parts)!r} ignored")


def starts_row(line: Line) -> bool:
    """Whether a line opens a row of its own (``1.`` ``（三）`` ``四、``), not the rest of a label."""
    return any(T.ORDINAL.match(T.normalize(part)) for part in line.labels)
