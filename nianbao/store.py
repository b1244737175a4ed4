"""The SQLite schema and every write to it (sqlite-utils).

One row per agency and year in ``reports``, its table values as one JSON object in
``reports.tables`` (table → row key → column key → value: what the monitor reads, one
row per report); every document ever stored for that pair in ``report_versions``; every
table value again in the long table ``cells``, which triggers keep equal to
``reports.tables`` whoever writes it, for browsing and for rules written as queries.
Raw files live under the files directory named by their sha256, never by a name a
server gave.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from nianbao import urls
from nianbao.errors import UserError
from nianbao.views import BARE_VALUE, VIEW_NAMES, create_views
from parsers.report import Report

log = logging.getLogger(__name__)

REGISTRY_COLUMNS = ("agency_id", "agency_name", "region_code", "region_name", "agency_type", "start_url")
AGENCY_TYPES = ("department", "government", "township")
TABLES = ("active", "applications", "review_litigation")
# Line breaks other than "\n" that documents carry (Windows and old Mac ends, NEL, LINE and
# PARAGRAPH SEPARATOR, vertical tab, form feed): stored text has only "\n", so that every
# reader (full-text search, the monitor's similarity, a person) sees the same lines.
LINE_BREAKS = str.maketrans({"\r": "\n", "\v": "\n", "\f": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})
# A crawl error is never stored without words.
UNEXPLAINED_ERROR = "failed without an error message"


class RegistryError(UserError):
    """The registry cannot be used; the message is one line for the user."""


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the database in WAL mode, so readers never block the crawler."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA busy_timeout = 30000")
    db.enable_wal()
    ensure_schema(db)
    return db


def checkpoint(path: str | Path) -> None:
    """Copy what the -wal file holds into the database file and empty it (TRUNCATE), so that
    the database file alone is complete once a command is done: a copy, a backup or a
    reader elsewhere misses nothing. A reader in the middle of a query may hold some pages
    back; they follow at the next checkpoint."""
    if not Path(path).is_file():
        return
    conn = sqlite3.connect(path, timeout=30)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        log.warning("could not checkpoint %s: %s", path, exc)
    finally:
        conn.close()


def ensure_schema(db: sqlite_utils.Database) -> None:
    db["agencies"].create(
        {"agency_id": str, "agency_name": str, "region_code": str, "region_name": str,
         "agency_type": str, "start_url": str, "render": str},
        pk="agency_id", if_not_exists=True,
    )
    db["reports"].create(
        {"id": int, "agency_id": str, "year": int, "title": str, "url": str, "file_url": str,
         "file_type": str, "format": str, "published_at": str, "published_at_source": str,
         "sha256": str, "file_path": str, "agency_found": str, "text": str, "warnings": str,
         "first_seen_at": str, "fetched_at": str, "changed_at": str, "removed_at": str,
         "versions": int, "tables": str, "ocr": int, "doubts": str},
        pk="id", if_not_exists=True,
    )
    db["reports"].create_index(["agency_id", "year"], unique=True, if_not_exists=True)
    db["report_versions"].create(
        {"id": int, "report_id": int, "agency_id": str, "year": int, "title": str, "url": str,
         "file_url": str, "file_type": str, "format": str, "published_at": str, "sha256": str,
         "file_path": str, "text": str, "first_seen_at": str, "replaced_at": str},
        pk="id", foreign_keys=[("report_id", "reports", "id")], if_not_exists=True,
    )
    db["report_versions"].create_index(["report_id"], if_not_exists=True)
    _ensure_cells(db)
    _ensure_tables_column(db)
    db["crawl_errors"].create(
        {"id": int, "url": str, "agency_id": str, "error": str, "at": str},
        pk="id", if_not_exists=True,
    )
    db["portal_runs"].create(
        {"id": int, "run_id": str, "start_url": str, "agency_ids": str, "started_at": str,
         "finished_at": str, "pages_fetched": int, "documents_fetched": int, "reports_found": int,
         "reports_previous": int, "errors": int, "status": str, "listing_complete": int},
        pk="id", if_not_exists=True,
    )
    db["portal_runs"].create_index(["start_url", "run_id"], if_not_exists=True)
    # Every report page or attachment the crawler fetched, with the validators (ETag,
    # Last-Modified, size) that let the next crawl skip it unchanged; for one not stored as a
    # report, why (``reason``), what it was matched against, and the portal's agencies whose
    # report it may still be (``candidates``, ``*`` for any): the monitor's evidence.
    db["documents"].create(
        {"url": str, "agency_id": str, "year": int, "kind": str, "page_url": str, "sha256": str, "etag": str,
         "last_modified": str, "content_length": int, "filename": str, "attachments": str, "published_at": str,
         "published_at_source": str, "fetched_at": str, "status": str, "matched_against": str, "start_url": str,
         "title": str, "agency_found": str, "reason": str, "candidates": str},
        pk="url", if_not_exists=True,
    )
    _ensure_matched_against(db)
    _ensure_added_columns(db)
    # What each list page linked to when last fetched, keyed by how it is asked for
    # ("GET url" or "POST url body"), with the digest of its bytes and whether navigation
    # links were followed from it: a pagination page behind an unchanged first page is
    # replayed from here until its recheck is due (crawler.revisit), and a page whose
    # bytes did not change is not parsed again.
    db["list_pages"].create({"key": str, "url": str, "sha256": str, "nav": int, "links": str, "fetched_at": str},
                            pk="key", if_not_exists=True)
    # The scheduler's steps (crawl, monitor, alert), one row each.
    db["runs"].create(
        {"id": int, "cycle": str, "step": str, "started_at": str, "finished_at": str, "outcome": str,
         "detail": str},
        pk="id", if_not_exists=True,
    )
    db["flags"].create(
        {"id": int, "agency_id": str, "agency_name": str, "year": int, "kind": str, "rule": str,
         "message": str, "report_url": str, "detected_at": str, "resolved_at": str,
         "sent_at": str, "audience": str, "region_code": str},
        pk="id", if_not_exists=True,
    )
    db["flags"].create_index(["agency_id", "year", "kind", "rule"], unique=True, if_not_exists=True)
    create_views(db)


# WITHOUT ROWID: the primary key is the table, so every value is stored once instead of
# again in a separate index — a third of a large database. (sqlite-utils cannot say it.)
CELLS_SQL = ("create table if not exists cells (report_id integer not null references reports(id), "
             "tbl text not null, row_key text not null, col_key text not null, value real, "
             "primary key (report_id, tbl, row_key, col_key)) without rowid")


def _ensure_cells(db: sqlite_utils.Database) -> None:
    """Create ``cells``, or rebuild one written before it was WITHOUT ROWID (its triggers
    and the wide views, which name it, are dropped first and made again after)."""
    found = db.execute("select sql from sqlite_master where type = 'table' and name = 'cells'").fetchone()
    if found is None:
        db.execute(CELLS_SQL)
        return
    if "without rowid" in found[0].lower():
        return
    log.warning("rebuilding the cells table WITHOUT ROWID (once; a large database takes a minute)")
    with db.conn:
        for name in CELLS_TRIGGERS:
            db.execute(f"drop trigger if exists {name}")
        for name in VIEW_NAMES.values():
            db.execute(f"drop view if exists {name}")
        db.execute(CELLS_SQL.replace("cells (", "cells_rebuilt (", 1))
        db.execute("insert or ignore into cells_rebuilt select report_id, tbl, row_key, col_key, value from cells "
                   "where report_id is not null and tbl is not null and row_key is not null and col_key is not null")
        db.execute("drop table cells")
        db.execute("alter table cells_rebuilt rename to cells")


# One row of ``cells`` per value of ``reports.tables`` (malformed JSON or a level that is
# not an object yields none: the monitor reports such a report as having no tables).
_CELLS_OF_NEW = ("insert or replace into cells (report_id, tbl, row_key, col_key, value) "
                 "select new.id, t.key, r.key, c.key, c.value from json_each(new.tables) t, json_each(t.value) r, "
                 "json_each(r.value) c where json_valid(new.tables) and json_type(new.tables) = 'object' "
                 "and t.type = 'object' and r.type = 'object';")
CELLS_TRIGGERS = {
    "reports_cells_insert": f"after insert on reports begin {_CELLS_OF_NEW} end",
    "reports_cells_update": ("after update of tables on reports begin delete from cells where report_id = old.id; "
                             f"{_CELLS_OF_NEW} end"),
    "reports_cells_delete": "after delete on reports begin delete from cells where report_id = old.id; end",
}


def _ensure_tables_column(db: sqlite_utils.Database) -> None:
    """``reports.tables`` and the triggers that derive ``cells`` from it. A database
    written before the column existed gets it filled from its cells first, and loses
    the index its monitor used to read cells through."""
    if "tables" not in db["reports"].columns_dict:
        db["reports"].add_column("tables", str)
        with db.conn:
            db.execute("drop index if exists idx_cells_tbl_report_id_row_key_col_key_value")
            db.execute(
                "update reports set tables = (select json_group_object(tbl, json(rows_)) from ("
                " select tbl, json_group_object(row_key, json(cols)) as rows_ from ("
                "  select tbl, row_key, json_group_object(col_key, value) as cols from cells"
                "  where report_id = reports.id group by tbl, row_key) group by tbl))")
    for name, body in CELLS_TRIGGERS.items():
        db.execute(f"create trigger if not exists {name} {body}")


def _ensure_matched_against(db: sqlite_utils.Database) -> None:
    """``documents.matched_against``. Before it, a report that fitted no registered agency
    was ``rejected`` for good, like a page that is no report: a database written then has
    its rejected documents looked at once more, each settling as one or the other."""
    if "matched_against" not in db["documents"].columns_dict:
        db["documents"].add_column("matched_against", str)
        with db.conn:
            db.execute("update documents set status = 'unmatched' where status = 'rejected'")


# Columns added after databases were written with their table: (table, column, type).
ADDED_COLUMNS = (("reports", "ocr", int), ("reports", "doubts", str), ("portal_runs", "listing_complete", int),
                 *(("documents", column, str) for column in ("start_url", "title", "agency_found", "reason", "candidates")))


def _ensure_added_columns(db: sqlite_utils.Database) -> None:
    for table, column, kind in ADDED_COLUMNS:
        if column not in db[table].columns_dict:
            db[table].add_column(column, kind)


# --- the registry -------------------------------------------------------------------

def read_registry(path: str | Path) -> list[dict[str, str]]:
    """Read and check ``agencies.csv``; any problem is a one-line ``RegistryError``."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise RegistryError(f"registry not found: {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RegistryError(f"cannot read registry {path}: {exc}") from None
    if not rows:
        raise RegistryError(f"registry {path} has no agencies")
    missing = [c for c in REGISTRY_COLUMNS if c not in rows[0]]
    if missing:
        raise RegistryError(f"registry {path} lacks column(s): {', '.join(missing)}")
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        for column in REGISTRY_COLUMNS:
            row[column] = (row.get(column) or "").strip()
            if not row[column]:
                raise RegistryError(f"registry {path} line {number}: empty {column}")
        # A cell may hold a line break; whether the address is crawlable is the crawl's call.
        row["start_url"] = urls.clean(row["start_url"])
        if row["agency_type"] not in AGENCY_TYPES:
            raise RegistryError(f"registry {path} line {number}: agency_type must be one of {', '.join(AGENCY_TYPES)}")
        if row["agency_id"] in seen:
            raise RegistryError(f"registry {path} line {number}: duplicate agency_id {row['agency_id']}")
        seen.add(row["agency_id"])
    return rows


def save_agencies(db: sqlite_utils.Database, rows: list[dict[str, str]]) -> None:
    columns = set(REGISTRY_COLUMNS) | {"render"}
    db["agencies"].upsert_all(
        ({k: v for k, v in row.items() if k in columns} for row in rows), pk="agency_id", alter=True
    )


# --- raw files ------------------------------------------------------------------------

def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_file(files_dir: str | Path, data: bytes, suffix: str) -> tuple[str, Path]:
    """Write raw bytes as ``<sha256>.<suffix>`` atomically; return (digest, path)."""
    digest = sha256(data)
    files_dir = Path(files_dir)
    files_dir.mkdir(parents=True, exist_ok=True)
    path = files_dir / f"{digest}.{suffix}"
    if not path.exists():
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(path)
    return digest, path


# --- reports --------------------------------------------------------------------------

def table_values(report: Report) -> dict[str, dict[str, dict[str, float | None]]]:
    """The report's tables as stored in ``reports.tables``: table → row key → column
    key → value. A bare number (2021 table 二 items such as ``licensing``) gets the
    column key ``value``, so every table has the same three levels."""
    return {table: {row_key: row if isinstance(row, dict) else {BARE_VALUE: row}
                    for row_key, row in (getattr(report, table) or {}).items()}
            for table in TABLES}


def save_report(
    db: sqlite_utils.Database,
    *,
    agency_id: str,
    report: Report,
    url: str,
    file_url: str,
    digest: str,
    file_path: str | None,
    published_at: str | None,
    published_at_source: str | None,
    fetched_at: str | None = None,
) -> tuple[int, str]:
    """Store a parsed report for (agency, year) in one transaction.

    Returns (report id, outcome) where outcome is ``new``, ``unchanged`` or ``changed``.
    A changed document becomes the current row; the one it replaces stays in
    ``report_versions``. A report without a year or with an error is never stored here.
    """
    if report.error or report.year is None:
        raise ValueError("only a parsed report with a year can be stored")
    fetched_at = fetched_at or now()
    row: dict[str, Any] = {
        "agency_id": agency_id, "year": report.year, "title": report.title, "url": urls.clean(url),
        "file_url": urls.clean(file_url), "file_type": report.file_type, "format": report.format,
        "published_at": published_at, "published_at_source": published_at_source,
        "sha256": digest, "file_path": file_path, "agency_found": report.agency,
        "text": plain_text(report.text), "warnings": json.dumps(report.warnings, ensure_ascii=False),
        "tables": json.dumps(table_values(report), ensure_ascii=False), "fetched_at": fetched_at, "removed_at": None,
        "ocr": int(report.ocr), "doubts": json.dumps(report.doubts, ensure_ascii=False) if report.doubts else None,
    }
    with db.conn:
        existing = next(db["reports"].rows_where("agency_id = ? and year = ?", [agency_id, report.year]), None)
        if existing is None:
            row.update(first_seen_at=fetched_at, versions=1)
            report_id = db["reports"].insert(row).last_pk
            outcome = "new"
        elif existing["sha256"] == digest:
            db["reports"].update(existing["id"], {"fetched_at": fetched_at, "removed_at": None, "url": row["url"],
                                                  "file_url": row["file_url"]})
            return existing["id"], "unchanged"
        else:
            report_id = existing["id"]
            db["report_versions"].insert({
                **{k: existing[k] for k in ("agency_id", "year", "title", "url", "file_url", "file_type",
                                              "format", "published_at", "sha256", "file_path", "text",
                                              "first_seen_at")},
                "report_id": report_id, "replaced_at": fetched_at,
            })
            row.update(changed_at=fetched_at, versions=(existing["versions"] or 1) + 1,
                       first_seen_at=existing["first_seen_at"])
            db["reports"].update(report_id, row)
            outcome = "changed"
    return report_id, outcome


def plain_text(text: str | None) -> str | None:
    """A document's text with "\n" as its only line break (CR LF counts as one)."""
    return text.replace("\r\n", "\n").translate(LINE_BREAKS) if text else text


def record_crawl_error(db: sqlite_utils.Database, url: str, agency_id: str | None, error: str) -> None:
    """One row, its address without line breaks and its error one line, never empty."""
    db["crawl_errors"].insert({"url": urls.clean(url), "agency_id": agency_id,
                               "error": " ".join(str(error).split()) or UNEXPLAINED_ERROR, "at": now()})


# --- crawler: what was downloaded and what a portal no longer offers -----------------------------------

def save_document(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Insert or update one ``documents`` row by URL (columns not given are kept)."""
    row = {**row, "fetched_at": row.get("fetched_at") or now()}
    row.update({key: urls.clean(row[key]) for key in ("url", "page_url") if row.get(key)})
    if db["documents"].count_where("url = ?", [row["url"]]):
        db["documents"].update(row["url"], row, alter=True)
    else:
        db["documents"].insert(row, alter=True)


def save_list_pages(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    """Remember what the list pages fetched by a crawl linked to, in one transaction."""
    with db.conn:
        db["list_pages"].upsert_all(rows, pk="key")


def set_removed(db: sqlite_utils.Database, report_ids: list[int], removed_at: str | None) -> None:
    """Mark reports removed at ``removed_at`` (keeping an earlier date), or present again with None."""
    if not report_ids:
        return
    marks = ",".join("?" * len(report_ids))
    keep_first = "and removed_at is null" if removed_at else "and removed_at is not null"
    with db.conn:
        db.execute(f"update reports set removed_at = ? where id in ({marks}) {keep_first}", [removed_at, *report_ids])


# --- runs: the scheduler's steps (crawl, monitor, alert), one row each ----------------------------

def start_run(db: sqlite_utils.Database, cycle: str, step: str) -> int:
    """Record that a step began; ``finish_run`` completes the row."""
    return db["runs"].insert({"cycle": cycle, "step": step, "started_at": now(), "outcome": "running"}).last_pk


def finish_run(db: sqlite_utils.Database, run_id: int, outcome: str, detail: str = "") -> None:
    db["runs"].update(run_id, {"finished_at": now(), "outcome": outcome, "detail": " ".join(detail.split())})
