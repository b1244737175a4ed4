"""Pure functions from a document's bytes to a ``Report``: no Scrapy, no SQLite.

``parse_bytes`` picks the parser by what the bytes are, not by what the file name or
the server claims, because portals mislabel attachments and extensions lie.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path

from parsers.limits import LimitError
from parsers.report import Report

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes, name: str = "", content_type: str | None = None) -> str:
    """The document type of ``data``: one of pdf, docx, doc, html, txt."""
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    if data.startswith(_OLE_MAGIC):
        return "doc"
    lowered = head.lower()
    if lowered.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<meta", b"<body", b"<table", b"<div", b"<p")):
        return "html"
    if b"<table" in data[:200_000].lower() or b"<html" in lowered:
        return "html"
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in ("html", "htm", "shtml", "jsp", "asp", "aspx"):
        return "html"
    if content_type and "html" in content_type.lower():
        return "html"
    return "txt"


# One module per document type, each exposing ``parse(data: bytes, source: str) -> Report``.
PARSER_MODULES = {
    "pdf": "parsers.pdf",
    "docx": "parsers.docx",
    "doc": "parsers.doc",
    "html": "parsers.html",
    "txt": "parsers.text",
}


def parse_bytes(data: bytes, source: str, content_type: str | None = None,
                images: Mapping[str, bytes] | None = None) -> Report:
    """Parse one document; any failure becomes ``Report.error``, never an exception.
    ``images``: a report page's pictures by ``src`` (``html.article_pictures``), read by OCR."""
    file_type = sniff(data, source, content_type)
    if not data.strip():
        return Report.failed(source, file_type, "empty document")
    if len(data) > MAX_DOCUMENT_BYTES:
        return Report.failed(source, file_type, f"document larger than {MAX_DOCUMENT_BYTES // 2**20} MB")
    try:
        module = importlib.import_module(PARSER_MODULES[file_type])
        return module.parse(data, source, images) if images and file_type == "html" else module.parse(data, source)
    except LimitError as exc:
        return Report.failed(source, file_type, str(exc))
    except Exception as exc:  # a damaged file must not stop the files after it
        return Report.failed(source, file_type, f"{type(exc).__name__}: {exc}")


def parse_file(path: str | Path) -> Report:
    """Parse a local file; an unreadable file is a failed report, not an exception."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Report.failed(str(path), path.suffix.lstrip(".").lower() or "txt", f"cannot read file: {exc.strerror}")
    return parse_bytes(data, str(path))
