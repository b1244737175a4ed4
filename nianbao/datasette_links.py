"""Datasette plugin: the links a reader follows from one row to the next.

A flag links to its report (the row here and the page at the source), a report to its
source page and to the stored file it was parsed from, an agency id to the registry row.
Stored files are served read-only from ``/-/files/<sha256>``, and only files that a
row of the database names: the web never gets a path of its choosing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from nianbao import urls

FILES_ROUTE = "/-/files/"

# Crawled HTML is served as a sandboxed document so its scripts never run on our origin.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "wps": "application/vnd.ms-works",
    "html": "text/html",
    "htm": "text/html",
    "txt": "text/plain; charset=utf-8",
}
FILE_HEADERS = {"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}

FILE_SQL = """
    select file_path from reports where sha256 = :digest and file_path is not null
    union all
    select file_path from report_versions where sha256 = :digest and file_path is not null
    limit 1
"""


def _link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def _report_id(row: Any, value: Any, table: str | None, database: str, datasette: Any) -> str:
    return _link(datasette.urls.row(database, "reports", str(value)), f"年报 #{value}")


def _agency_id(row: Any, value: Any, table: str | None, database: str, datasette: Any) -> str | None:
    if table == "agencies":
        return None
    return _link(datasette.urls.row(database, "agencies", str(value)), str(value))


def _report_url(row: Any, value: Any, table: str | None, database: str, datasette: Any) -> str:
    """The source page, and where the row has no report_id of its own, the stored report.
    A crawled address is clickable only when it is a web address (never ``javascript:``)."""
    links = [_link(str(value), "原网页 source page") if urls.is_web(str(value)) else str(escape(value))]
    keys = row.keys()
    if "report_id" not in keys and {"agency_id", "year"} <= set(keys) and row["agency_id"]:
        query = urlencode({"agency_id": row["agency_id"], "year": row["year"]})
        links.append(_link(f"{datasette.urls.table(database, 'reports')}?{query}", "本库年报 stored report"))
    return " · ".join(links)


def _stored_file(row: Any, value: Any, table: str | None, database: str, datasette: Any) -> str | None:
    keys = row.keys()
    digest = row["sha256"] if "sha256" in keys else None
    if not digest:
        return None
    label = f"原文件 stored file ({Path(str(value)).suffix.lstrip('.') or 'file'})"
    return _link(datasette.urls.path(FILES_ROUTE + digest), label)


def _text(row: Any, value: Any, table: str | None, database: str, datasette: Any) -> str:
    """A whole report's text in a box of its own, so a row page stays one screen high."""
    return (f'<div style="max-height:12em;overflow:auto;white-space:pre-wrap;min-width:28em">'
            f"{escape(str(value))}</div>")


def _message(row: Any, value: Any, table: str | None, database: str, datasette: Any) -> str:
    """A flag's message is the one column people read: give it room to be read in lines."""
    return f'<div style="min-width:22em">{escape(str(value))}</div>'


CELL_RENDERERS: dict[str, Callable[..., str | None]] = {
    "report_id": _report_id,
    "agency_id": _agency_id,
    "report_url": _report_url,
    "file_path": _stored_file,
    "text": _text,
    "message": _message,
}


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Markup | None:
    render = CELL_RENDERERS.get(column)
    if render is None or value in (None, "") or not hasattr(row, "keys"):
        return None
    html = render(row, value, table, database, datasette)
    return Markup(html) if html else None


def _resolve(stored: str, database_path: str | None) -> Path | None:
    """A stored path as the crawler wrote it, or failing that the same name in ``files/``
    beside the database (the default layout, data/reports.db and data/files/)."""
    path = Path(stored)
    candidates = [path]
    if database_path:
        candidates.append(Path(database_path).resolve().parent / "files" / path.name)
    return next((c for c in candidates if c.is_file()), None)


async def stored_file(datasette: Any, request: Any) -> Response:
    digest = request.url_vars["digest"]
    for database in datasette.databases.values():
        if database.is_memory or not await database.table_exists("report_versions"):
            continue
        row = (await database.execute(FILE_SQL, {"digest": digest})).first()
        path = _resolve(row["file_path"], database.path) if row else None
        if path is not None and digest in path.name:
            content_type = CONTENT_TYPES.get(path.suffix.lstrip(".").lower(), "application/octet-stream")
            headers = {**FILE_HEADERS, "Content-Disposition": f'inline; filename="{path.name}"'}
            return Response(path.read_bytes(), content_type=content_type, headers=headers)
    raise NotFound(f"no stored file {digest}")


@hookimpl
def register_routes() -> list[tuple[str, Callable[..., Any]]]:
    return [(r"^/-/files/(?P<digest>[0-9a-f]{64})$", stored_file)]
