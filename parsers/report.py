"""The one structure every parser produces (INTERFACE.md section 3)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FILE_TYPES = ("pdf", "docx", "doc", "html", "txt")
WHOLE_TABLE = "*"


@dataclass
class Report:
    """A parsed annual report; blank cells stay ``None``, never a guessed 0."""

    source: str
    file_type: str
    agency: str | None = None
    year: int | None = None
    title: str | None = None
    format: str | None = None
    published_at: str | None = None
    active: dict[str, Any] = field(default_factory=dict)
    applications: dict[str, dict[str, int | None]] = field(default_factory=dict)
    review_litigation: dict[str, dict[str, int | None]] = field(default_factory=dict)
    text: str = ""
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    published_at_source: str | None = None  # where published_at came from, e.g. "meta:PubDate"
    ocr: bool = False   # some value was read by OCR
    # Table → the row keys whose reading raised a doubt ("*": the whole table): a damaged
    # or shifted row, a label not recognised, a value read by OCR. The monitor never
    # accuses on a rule that touches them. A blank cell is data, not a doubt.
    doubts: dict[str, list[str]] = field(default_factory=dict)

    def doubt(self, table: str, row: str = WHOLE_TABLE) -> None:
        rows = self.doubts.setdefault(table, [])
        if row not in rows:
            rows.append(row)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def failed(cls, source: str, file_type: str, error: str) -> "Report":
        """A report that could not be read: one line saying why, nothing guessed."""
        return cls(source=source, file_type=file_type, error=" ".join(error.split()))
