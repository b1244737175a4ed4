"""How much of one document the parsers build at most, and the error that stops them.

A real annual report is 5 to 30 pages: a few hundred rows, a few thousand table cells,
tens of thousands of characters, a few thousand markup tags per page. The limits are ten
to a hundred times that, so only a forged or broken file meets them, and it fails with
one line instead of growing into gigabytes or minutes: every check runs before what it
guards is built (a merged cell is counted before it is copied into the positions it covers).
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_ROWS = 5_000  # rows handed to the grid reader (~1 ms each once a table has begun)
MAX_CELLS = 100_000  # table positions, merged cells expanded
MAX_CHARS = 5_000_000  # characters those positions hold
MAX_TAGS = 1_000_000  # markup tags of an HTML page or a DOCX body, before its tree is built


class LimitError(Exception):
    """A document over a limit; the message is one line for a crawl_errors row."""


def too_large(what: str, limit: int) -> LimitError:
    return LimitError(f"document too large to be a report: more than {limit:,} {what}")


class Budget:
    """What one parse has built so far; ``spend`` raises ``LimitError`` past a limit."""

    def __init__(self) -> None:
        self.cells = 0
        self.chars = 0

    def spend(self, cells: int, chars: int) -> None:
        self.cells += cells
        self.chars += chars
        if self.cells > MAX_CELLS:
            raise too_large("table cells", MAX_CELLS)
        if self.chars > MAX_CHARS:
            raise too_large("characters in tables", MAX_CHARS)


def check_tags(markup: bytes | str) -> None:
    """An HTML page or DOCX body with more tags than ``MAX_TAGS`` would build a tree of gigabytes."""
    opening = b"<" if isinstance(markup, bytes) else "<"
    if markup.count(opening) > MAX_TAGS:
        raise too_large("markup tags", MAX_TAGS)


def check_rows(rows: Sequence[object]) -> None:
    if len(rows) > MAX_ROWS:
        raise too_large("rows", MAX_ROWS)
