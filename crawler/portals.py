"""Per-portal bookkeeping of one crawl: what was fetched, found and what failed, written
to ``portal_runs`` at the end so a portal that silently stopped yielding shows up."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field

import sqlite_utils

from crawler.discovery import Link
from nianbao.store import now
from parsers.identity import Agency


@dataclass
class Portal:
    start_url: str
    agencies: list[Agency]
    render: bool = False
    pages: int = 0
    documents: int = 0
    errors: int = 0
    pending: int = 0  # requests not yet answered and items not yet stored
    done: bool = False
    reports: set[tuple[str, int]] = field(default_factory=set)
    # What this crawl saw the portal offer, for ``crawler.removals``: every URL it linked to
    # or answered, the report URLs that answered 404/410, and whether every list was read.
    linked: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)
    listing_complete: bool = True
    # Behind an anti-bot shield (``crawler.shields``): the cookie the browser got past it
    # with, the last one the shield refused, the documents that wait for a cookie, and
    # whether a page was sent to get it.
    shielded: bool = False
    cookies: dict[str, str] = field(default_factory=dict)
    spent: dict[str, str] = field(default_factory=dict)
    waiting: list[tuple[Link, int, dict | None]] = field(default_factory=list)  # (link, depth, page)
    cookie_asked: bool = False
    started_at: str = field(default_factory=now)

    def matched_against(self, years: range) -> str:
        """A digest of what this portal's documents are matched against: its agencies and
        the crawl's years. A report that fitted none is looked at again once it changes."""
        agencies = ",".join(sorted(agency.agency_id for agency in self.agencies))
        return hashlib.sha256(f"{agencies}|{years.start}-{years.stop - 1}".encode()).hexdigest()[:16]

    @property
    def only_agency(self) -> str | None:
        """The agency an error belongs to when the portal serves just one."""
        return self.agencies[0].agency_id if len(self.agencies) == 1 else None

    def status(self) -> str:
        if self.pages == 0 and self.documents == 0:
            return "failed"
        if not self.reports:
            return "empty"
        return "partial" if self.errors else "ok"


class Progress:
    """Lines a person can follow on standard error: each portal as it finishes, then a summary."""

    def __init__(self, total: int) -> None:
        self.total, self.finished = total, 0

    def portal_done(self, portal: Portal) -> None:
        self.finished += 1
        print(f"[{self.finished}/{self.total}] {portal.start_url}: {len(portal.reports)} reports, "
              f"{portal.pages} pages, {portal.documents} documents, {portal.errors} errors", file=sys.stderr, flush=True)


def previous_reports(db: sqlite_utils.Database, start_url: str) -> int | None:
    row = db.execute("select reports_found from portal_runs where start_url = ? order by id desc limit 1",
                     [start_url]).fetchone()
    return row[0] if row else None


def record_runs(db: sqlite_utils.Database, run_id: str, portals: list[Portal]) -> None:
    finished = now()
    rows = [{"run_id": run_id, "start_url": p.start_url, "agency_ids": ",".join(a.agency_id for a in p.agencies),
             "started_at": p.started_at, "finished_at": finished, "pages_fetched": p.pages,
             "documents_fetched": p.documents, "reports_found": len(p.reports),
             "reports_previous": previous_reports(db, p.start_url), "errors": p.errors, "status": p.status(),
             "listing_complete": int(p.listing_complete)}
            for p in portals]
    with db.conn:
        db["portal_runs"].insert_all(rows)
