"""The revisit policy: which known URL is worth asking for again on this crawl.

Like real crawlers, every URL keeps its own next-visit time instead of being revalidated
on every pass: a report page or attachment whose outcome is settled and that was checked
less than ``crawl.recheck_days`` ago is taken as it was, without a request. When the
recheck is due the document is asked for conditionally (If-None-Match /
If-Modified-Since), so a change at the same URL is fetched as a new version then;
``recheck_days = 0`` revalidates on every crawl.

The first page of every listing (a start page, a column reached by navigation) is
fetched on every crawl, since that is where a portal shows its new reports. The further
pages of a listing follow its first page: while the first page links to exactly what it
linked to last time, a further page fetched less than ``recheck_days`` ago is taken as it
was and its links are followed from memory (``list_pages``). A listing that grew or
shrank at the top is walked again at once; a change deep in a listing that leaves its
first page as it was (a report removed from page 3, a list not sorted newest first) is
seen when that page's recheck is due, as a changed document is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

# Link kinds fetched on every crawl unless a listing's first page stands for them.
ALWAYS_FETCHED = frozenset({"start", "nav", "list"})
# ``documents.status`` values whose outcome holds until the recheck is due; anything else
# (a failed parse, a page never finished) is fetched again at once. An ``unmatched`` report
# (of no registered agency, or of a year not crawled) or an ``unread`` one holds only while
# the agencies and years it was matched against are the same (``ReportsSpider.known_for``).
SETTLED = frozenset({"stored", "rejected", "unmatched", "unread", "page"})


@dataclass(frozen=True)
class Revisit:
    recheck: timedelta
    now: datetime

    @classmethod
    def from_days(cls, days: float, now: datetime | None = None) -> "Revisit":
        return cls(timedelta(days=float(days)), now or datetime.now(timezone.utc))

    def recent(self, fetched_at: str | None) -> bool:
        """True when something fetched at ``fetched_at`` is not yet due for a recheck."""
        return bool(fetched_at) and self.now - datetime.fromisoformat(fetched_at) < self.recheck

    def fresh(self, kind: str, known: dict[str, Any] | None) -> bool:
        """True when the stored outcome of this URL still stands and no request is needed."""
        if kind in ALWAYS_FETCHED or not known or known.get("status") not in SETTLED:
            return False
        return self.recent(known.get("fetched_at"))
