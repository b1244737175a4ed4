"""Who must publish by when (条例 第四十九条), and since when we could have known.

Deadlines are month-days of the year after the report year, by agency type, from
``settings["deadlines"]``. A report whose document gives no date can only be judged
by when the crawler first saw it if the crawler was already watching that portal
before the deadline; otherwise its timeliness is unknown, which is not a flag.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

DEFAULT_TYPE = "department"


def deadline(settings: dict[str, Any], agency_type: str | None, year: int) -> date:
    """The last day on which ``year``'s report of an agency of this type is on time."""
    table = settings["deadlines"]
    month, day = (int(part) for part in table.get(agency_type or DEFAULT_TYPE, table[DEFAULT_TYPE]).split("-"))
    return date(year + 1, month, day)


def watched_since(db: sqlite_utils.Database) -> dict[str, date]:
    """The date of the first crawl of each start URL (portal_runs.started_at)."""
    rows = db.execute("select start_url, min(started_at) from portal_runs where started_at is not null "
                      "group by start_url").fetchall()
    return {url: day for url, started in rows if (day := as_date(started)) is not None}


def as_date(value: str | None) -> date | None:
    """The calendar date of an ISO date or timestamp; None when absent or unreadable."""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
