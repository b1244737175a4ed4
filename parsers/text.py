"""Plain-text reports (.txt): rows from tab-separated lines, markdown tables and headings,
one cell per line or numbers on their own lines, then the shared ``grid`` reader.

A line becomes a row of cells: split on tabs (empty cells kept, they carry position),
on markdown pipes, or on runs of two or more spaces; a single space stays inside a cell
because real labels and ``0 0 0 0 0 0 0`` rows use it (``grid`` splits trailing numbers).
"""

from __future__ import annotations

import codecs
import re

from parsers import grid, identity, meta
from parsers.encoding import decode
from parsers.report import Report

_WIDE_SPACE = re.compile(r"[ \u3000]{2,}")
_MD_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_MD_HEADING = re.compile(r"^#{1,6}\s+")


def split_line(line: str) -> list[str] | None:
    """One line of text as cells; None for lines that carry nothing (blank, |---|)."""
    stripped = line.strip()
    if not stripped or _MD_SEPARATOR.match(stripped):
        return None
    if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
        return [cell.strip() for cell in stripped[1:-1].split("|")]
    stripped = _MD_HEADING.sub("", stripped)
    if "\t" in line:
        return [cell.strip() for cell in line.rstrip("\r\n").split("\t")]
    return [cell.strip() for cell in _WIDE_SPACE.split(stripped)]


def rows_of(text: str) -> list[list[str]]:
    """The document's rows in reading order."""
    return [cells for cells in map(split_line, text.splitlines()) if cells is not None]


def looks_binary(text: str) -> bool:
    """Whether decoded "text" is mostly control characters: a binary file named .txt."""
    sample = text[:4096]
    return sum(not ch.isprintable() and ch not in "\n\t" for ch in sample) > len(sample) * 0.05


def read_text(data: bytes) -> str:
    """The text of a .txt file: UTF-16 as Windows Notepad saves it ("Unicode"), else
    UTF-8/GBK/GB2312 by ``parsers.encoding``; newlines as ``\n``."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", "replace")
    else:
        text = decode(data)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(data: bytes, source: str) -> Report:
    text = read_text(data)
    if looks_binary(text):
        return Report.failed(source, "txt", "not an annual report: binary data, not text")
    report = Report(source=source, file_type="txt", text=text)
    if "\ufffd" in text:
        report.warnings.append("text contains undecodable bytes")
    meta.describe(report)
    grid.fill_tables(report, rows_of(text))
    has_tables = bool(report.active or report.applications or report.review_litigation)
    if not has_tables and not any(w in (report.title or "") for w in identity.REPORT_WORDS):
        first = "".join(ch for ch in next((line.strip() for line in text.splitlines() if line.strip()), "")
                        if ch.isprintable())[:40]
        return Report.failed(source, "txt", f"not an annual report: no disclosure tables and no report title (starts {first!r})")
    return report
