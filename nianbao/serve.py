"""Datasette on the reports database, with data/metadata.yml and the project's plugin.

The web side only ever reads: Datasette opens a mutable database file with
``mode=ro`` for every query and no canned query here writes, while WAL mode lets the
crawler and the scheduler keep writing underneath. ``immutable`` is deliberately not
used: it tells SQLite the file never changes, which is false while a crawl runs.

What needs a writable database (the full-text index, the browsing views, indexes for
facets) is done by :func:`prepare`, which the demo calls after crawling and ``serve``
calls once before it starts listening — never from a web request.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils
import yaml

from nianbao.errors import UserError

if TYPE_CHECKING:
    from datasette.app import Datasette

log = logging.getLogger(__name__)

METADATA = Path(__file__).resolve().parent.parent / "data" / "metadata.yml"
# Whatever the file is called, Datasette shows it as /reports: metadata.yml, the canned
# queries' links and the alert e-mails' links to rows can all rely on that one name.
DATABASE = "reports"

DATASETTE_SETTINGS = {
    "truncate_cells_html": 300,  # long cells in lists; a report's text gets its own scrolling box
    "sql_time_limit_ms": 5000,
    "facet_time_limit_ms": 500,
    "default_page_size": 50,
}

# Full text of title and body. The trigram tokenizer matches any run of three or more
# characters, which is what Chinese needs: the default tokenizer sees a whole sentence
# as one token and finds nothing inside it. Shorter terms go through the LIKE query.
FTS_COLUMNS = ("title", "text")
FTS_TOKENIZER = "trigram"

INDEXES = {
    "flags": (["kind"], ["year"], ["region_code"]),
    "reports": (["year"],),
    "agencies": (["region_name"], ["agency_type"]),
}

# Views for browsing: each joins the registry in, so region and agency type can be facets.
BROWSE_VIEWS = {
    "flag_list": """
        select f.id, f.kind, f.year, coalesce(a.region_name, f.region_code) as region_name,
               coalesce(f.agency_name, a.agency_name) as agency_name, f.message, r.id as report_id,
               f.report_url, f.rule, a.agency_type, f.agency_id, f.audience,
               case when f.resolved_at is null then 'open' else 'resolved' end as status,
               f.detected_at, f.resolved_at, f.sent_at
        from flags f
        left join agencies a on a.agency_id = f.agency_id
        left join reports r on r.agency_id = f.agency_id and r.year = f.year
    """,
    "review_list": """
        select f.id, f.year, coalesce(a.region_name, f.region_code) as region_name,
               coalesce(f.agency_name, a.agency_name) as agency_name, f.message, f.report_url, f.rule, f.agency_id,
               case when f.resolved_at is null then 'open' else 'resolved' end as status, f.detected_at, f.resolved_at
        from flags f
        left join agencies a on a.agency_id = f.agency_id
        where f.kind = 'review'
    """,
    "unresolved_documents": """
        select url, title, year, status, reason, agency_found, candidates, start_url, page_url, fetched_at
        from documents
        where status in ('unmatched', 'unread', 'error')
    """,
    # Bodies a crawl met publishing reports on a registered portal that the registry lacks:
    # what `nianbao registry discover --no-crawl` proposes from.
    "seen_not_registered": """
        select d.agency_found, a.region_name, d.start_url, group_concat(distinct d.year) as years,
               count(*) as documents, min(d.url) as example_url, max(d.fetched_at) as last_seen
        from documents d
        left join (select start_url, min(region_name) as region_name from agencies group by start_url) a
          on a.start_url = d.start_url
        where d.status = 'unmatched' and d.agency_found is not null and d.reason like 'names %'
        group by d.start_url, d.agency_found
    """,
    "report_list": """
        select r.id, r.year, a.region_name, a.agency_type, r.agency_id, a.agency_name, r.title,
               r.published_at, r.published_at_source, r.file_type, r.format, r.url, r.file_url,
               r.sha256, r.versions, r.first_seen_at, r.changed_at, r.removed_at,
               (select count(*) from flags f where f.agency_id = r.agency_id and f.year = r.year
                  and f.resolved_at is null) as open_flags
        from reports r
        left join agencies a on a.agency_id = r.agency_id
    """,
}


def prepare(db: sqlite_utils.Database) -> None:
    """Build the full-text index, the browsing views and the facet indexes.

    Safe to call after every crawl: the index is created once, with triggers that keep
    it current as reports are written; the views are replaced, the indexes kept.
    """
    db["reports"].enable_fts(FTS_COLUMNS, tokenize=FTS_TOKENIZER, create_triggers=True, replace=True)
    for table, indexes in INDEXES.items():
        for columns in indexes:
            db[table].create_index(columns, if_not_exists=True)
    for name, sql in BROWSE_VIEWS.items():
        db.create_view(name, " ".join(sql.split()), replace=True)


def load_metadata() -> dict[str, Any]:
    return yaml.safe_load(METADATA.read_text(encoding="utf-8"))


def check_port(host: str, port: int) -> None:
    """A taken port is a one-line error now, not a uvicorn traceback later."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _prepare_file(db_path: Path) -> None:
    from nianbao.store import connect

    try:
        prepare(connect(db_path))
    except sqlite3.OperationalError as exc:
        log.warning("could not prepare %s for browsing (%s); full-text search may be missing", db_path, exc)


def build(db_path: str | Path, overrides: dict[str, Any] | None = None) -> Datasette:
    """The Datasette application for one database file, with metadata and plugins.

    ``overrides`` are Datasette settings from nianbao.toml's ``[datasette.settings]``.
    """
    from datasette.app import Datasette
    from datasette.database import Database
    from datasette.plugins import pm

    from nianbao import datasette_links

    if not pm.is_registered(datasette_links):
        pm.register(datasette_links, name="nianbao")
    datasette = Datasette(
        files=[], metadata=load_metadata(), settings={**DATASETTE_SETTINGS, **(overrides or {})}
    )
    datasette.remove_database("_memory")  # added by Datasette only because files=[] was empty
    datasette.add_database(Database(datasette, str(db_path), is_mutable=True), name=DATABASE)
    return datasette


def serve(db_path: str, *, host: str, port: int, settings: dict) -> None:
    """Serve ``db_path`` in Datasette on host:port until interrupted (Ctrl-C)."""
    import uvicorn

    path = Path(db_path)
    if not path.is_file():
        raise UserError(f"database not found: {db_path} (run `nianbao crawl` or `nianbao demo` first)")
    check_port(host, port)
    _prepare_file(path)
    datasette = build(path, settings.get("datasette", {}).get("settings"))
    # No asyncio.run(invoke_startup()) here: Datasette runs its startup on the first request,
    # and a Ctrl-C landing inside a short asyncio.run is swallowed, leaving a server nobody stops.
    log.info("Datasette on http://%s:%d/ (Ctrl-C stops it)", host, port)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
