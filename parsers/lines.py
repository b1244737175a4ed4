"""A document row's cells → labels, values and numbers: the tokens the tables are read from.

A row's cells are classified as label, value or blank (a cell ``1.属于国家秘密 0 0 0`` is
split into its label and its numbers), and a value cell is read as a number with the units
people type into it. Separate because it knows nothing of tables: what a number or a blank
looks like in a cell, not which row or column it belongs to.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from parsers import template as T

# A number as printed in a cell, with the units people type into them.
_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(万元|元|件|个|项|条|次|家|人|宗)?$")
# What a blank cell is written as: read as null, never as 0.
PLACEHOLDERS = frozenset({"-", "--", "—", "——", "–", "―", "─", "/", "\\", "无", "空", "／", "…", "...", "——/"})
# Characters web pages hide inside cells: dropped before a cell is read.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


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


def cell_text(raw: object) -> str:
    """A raw cell as text: ``None`` → ``""``, hidden characters and edge spaces dropped."""
    return "" if raw is None else str(raw).translate(_INVISIBLE).strip()


def read_line(row: Sequence[object]) -> Line:
    """Classify the cells of a row; a cell ``label 0 0 0`` splits into a label and values."""
    cells: list[Cell] = []
    for raw in row:
        text = cell_text(raw)
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
    doubtful: bool = False   # the cell holds something that is not a number we can read


def read_number(raw: str, kind: str) -> Number:
    """A cell as a number of ``kind`` (count, signed, money in 万元); blank → None."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return Number(None, "blank cell")
    if text in PLACEHOLDERS:
        return Number(None, f"{raw!r} read as null")
    match = _NUMBER.match(text)
    if not match:
        return Number(None, f"unreadable {raw!r}", True)
    sign, digits, decimals, unit = match.groups()
    value = float(sign + digits.replace(",", "") + (decimals or ""))
    note = f"unit in cell {raw!r}" if unit else None
    if kind == "money":
        if unit == "元":
            value, note = value / 10_000, f"{raw!r} converted to 万元"
        return Number(round(value, 6), note)
    if value != int(value) or (kind == "count" and value < 0):
        return Number(None, f"not a count: {raw!r}", True)
    return Number(int(value), note)
