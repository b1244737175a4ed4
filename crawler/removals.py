"""Reports a portal stopped offering: ``reports.removed_at``, which the monitor's
``removed`` rule reads.

A stored report is removed when its URL answered 404/410, or when a crawl read every list
page of its portal and none of them led to the report's document any more. The row is
never deleted (it is the evidence); a later crawl that finds the report listed again
clears ``removed_at``. A portal whose listing was incomplete (a list page failed) or that
yielded no report at all (a redesign the crawler no longer understands, which
``portal_runs`` shows) proves nothing about absence, so only 404/410 count there.
"""

from __future__ import annotations

import sqlite_utils

from crawler.portals import Portal
from nianbao import store

# Answers that say a report's URL no longer holds anything.
GONE_STATUSES = (404, 410)


def reconcile(db: sqlite_utils.Database, portal: Portal, years: range, at: str) -> None:
    """Mark the portal's stored reports of ``years`` removed or present as this crawl saw them."""
    agencies = [agency.agency_id for agency in portal.agencies]
    rows = db.execute(
        f"select id, url, file_url from reports where agency_id in ({','.join('?' * len(agencies))}) "
        f"and year between ? and ?", [*agencies, years.start, years.stop - 1]).fetchall()
    absence_counts = portal.listing_complete and bool(portal.reports)
    removed, present = [], []
    for report_id, url, file_url in rows:
        if url in portal.gone or file_url in portal.gone or (absence_counts and file_url not in portal.linked):
            removed.append(report_id)
        elif file_url in portal.linked:
            present.append(report_id)
    store.set_removed(db, removed, at)
    store.set_removed(db, present, None)
