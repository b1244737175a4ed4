"""A row's value cells → one number per column, when cells and columns do not line up.

Real rows carry padding cells, a value repeated over its merged cell, or fewer numbers
than columns; this decides which number goes in which column, and places a damaged row's
numbers only where the row's sums agree. Separate because it works on one row's cells,
whichever table they come from and however the row was found.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations
from math import comb
from typing import NamedTuple

from parsers.lines import Cell, read_number

# Combinations tried to place the values of a damaged row (C(15,7) = 6435 at most).
_MAX_PLACEMENTS = 10_000

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


class Fit(NamedTuple):
    """A row's numbers, and whether reading them raised a doubt: a damaged row, more
    numbers than columns, a cell that is no number. A blank is data, not a doubt."""

    values: list[int | float | None]
    doubtful: bool = False


def fit_row(cells: list[Cell], kinds: Sequence[str], where: str, warnings: list[str],
            constraints: Sequence[Constraint] = ()) -> Fit:
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
            return Fit([None] * n, True)
    if len(cells) == n:
        numbers = [read_number(cell.text, kind) for cell, kind in zip(cells, kinds)]
        notes = [number.note for number in numbers if number.note]
        if notes:
            warnings.append(f"{where}: " + "; ".join(dict.fromkeys(notes)))
        return Fit([number.value for number in numbers], any(number.doubtful for number in numbers))
    numbers = [read_number(c.text, k) for c, k in zip([c for c in cells if c.kind == "value"], kinds)]
    if not numbers:
        warnings.append(f"{where}: no values printed, left null")
        return Fit([None] * n)
    values = _place_damaged([x.value for x in numbers], n, constraints)
    kept = sum(v is not None for v in values)
    warnings.append(f"{where}: damaged row, {len(numbers)} values for {n} columns; "
                    f"kept {kept} unambiguous, the rest null")
    return Fit(values, True)
