"""The revisit policy: which known URL is worth asking for again on this crawl.

Like real crawlers, every URL keeps its own next-visit time instead of being revalidated
on every pass: a report page or attachment whose outcome is settled and that was checked
less than ``crawl.recheck_days`` ago is taken as it was, without a request. List pages are
always fetched, since they are how new reports are found. When the recheck is due the
document is asked for conditionally (If-None-Match / If-Modified-Since), so a change at the
same URL is fetched as a new version then; ``recheck_days = 0`` revalidates on every crawl.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

# Link kinds fetched on every crawl: they lead to new reports.
ALWAYS_FETCHED = frozenset({"start", "nav", "list"})
# ``documents.status`` values whose outcome holds until the recheck is due; anything else
# (a failed parse, a page never finished) is fetched again at once.
SETTLED = frozenset({"stored", "rejected", "page"})


@dataclass(frozen=True)
class Revisit:
    recheck: timedelta
    now: datetime

    @classmethod
    def from_days(cls, days: float, now: datetime | None = None) -> "Revisit":
        return cls(timedelta(days=float(days)), now or datetime.now(timezone.utc))

    def fresh(self, kind: str, known: dict[str, Any] | None) -> bool:
        """True when the stored outcome of this URL still stands and no request is needed."""
        if kind in ALWAYS_FETCHED or not known or known.get("status") not in SETTLED or not known.get("fetched_at"):
            return False
        return self.now - datetime.fromisoformat(known["fetched_at"]) < self.recheck
