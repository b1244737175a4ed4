"""A finished world: its sites, its registry rows and what the crawler must find in it,
and the changes a test makes to it between crawls (a corrected report, one unlisted or taken down).

API
---
``World``
    ``.sites`` (one per portal), ``.agencies`` (registry rows without ``start_url``),
    ``.expected``: {(agency_id, year): (published_at, published_at_source)} the crawler must store,
    ``.years`` ("2022-2024", as ``nianbao crawl --years`` takes it), ``.as_of`` (a date to run the
    monitor with), ``.flags`` ({kind: {(agency_id, year)}}: the missing, late and unbalanced flags
    that monitor run must raise, where the world knows them), ``.variations`` ({(agency_id, year):
    {aspect: form}}: how each report departs from the tidy page, where the world says so),
    ``.registry(base_url, path=None) -> list[dict]``: the registry rows, where
    ``base_url`` maps a site name to its root URL (``PortalServer.base_url``); written as CSV
    to ``path`` if given (``write_registry``, which also writes a test's own rows). ``.republish(agency_id, year)`` replaces one
    report's document with a corrected one (new bytes, new ETag and Last-Modified);
    ``.unlist(agency_id, year)`` drops it from the list pages, ``.take_down(agency_id, year)``
    makes its page and file answer 404, ``.restore(agency_id, year)`` undoes both.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from nianbao.demo.site import Site
from nianbao.store import REGISTRY_COLUMNS

REGISTRY_HEADER = (*REGISTRY_COLUMNS, "render")


def write_registry(path: str | Path, rows: list[dict[str, str]]) -> None:
    """Registry rows as the CSV ``nianbao crawl --registry`` reads."""
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, REGISTRY_HEADER)
        writer.writeheader()
        writer.writerows(rows)


@dataclass
class World:
    sites: list[Site]
    agencies: list[dict[str, str]]
    expected: dict[tuple[str, int], tuple[str, str]]
    years: str
    as_of: date
    seed: int = 0
    # The flags a monitor run as of ``as_of`` must raise, by kind: {kind: {(agency_id, year)}}
    # (filled by worlds that know them: ``nianbao.demo.variety``).
    flags: dict[str, set[tuple[str, int]]] = field(default_factory=dict)
    # Per report, how it departs from the tidy page ({aspect: form}), where the world says so.
    variations: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)
    _rebuild: dict[tuple[str, int], Callable[[int], None]] = field(default_factory=dict, repr=False)
    # Per report: its site, its article path and every path serving it; per site: its list pages' rebuild.
    _places: dict[tuple[str, int], tuple[Site, str, list[str]]] = field(default_factory=dict, repr=False)
    _relist: dict[str, Callable[[], None]] = field(default_factory=dict, repr=False)

    def registry(self, base_url: Callable[[str], str], path: str | Path | None = None) -> list[dict[str, str]]:
        rows = []
        for agency in self.agencies:
            row = {k: v for k, v in agency.items() if k not in ("site", "start_path")}
            row["start_url"] = base_url(agency["site"]).rstrip("/") + agency["start_path"]
            rows.append({k: row.get(k, "") for k in REGISTRY_HEADER})
        if path is not None:
            write_registry(path, rows)
        return rows

    def republish(self, agency_id: str, year: int) -> None:
        """A corrected report: same address, new content, newer Last-Modified."""
        self._rebuild[(agency_id, year)](self.seed + 1000)

    def unlist(self, agency_id: str, year: int) -> None:
        """The lists stop linking a report; its page and file still answer."""
        site, article, _ = self._places[(agency_id, year)]
        site.unlisted.add(article)
        self._relist[site.name]()

    def take_down(self, agency_id: str, year: int) -> None:
        """A report's page and file answer 404; the lists still link it."""
        site, _, paths = self._places[(agency_id, year)]
        site.taken_down.update(paths)

    def restore(self, agency_id: str, year: int) -> None:
        """Undo ``unlist`` and ``take_down``."""
        site, article, paths = self._places[(agency_id, year)]
        site.unlisted.discard(article)
        site.taken_down.difference_update(paths)
        self._relist[site.name]()
