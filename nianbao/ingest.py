"""``nianbao ingest``: the one writer of a fleet's crawl (``crawler.distributed``).

Drains the Redis stream the workers fill into the one SQLite database, through the same
``StorePipeline`` and ``nianbao.store`` writes as a single-machine crawl: items are parsed,
matched and stored here (files by sha256), the spiders' own writes replayed, and what the
workers learnt of each portal added up, so that ``portal_runs``, removals, list pages and
the summary are written once, when the seeding process says the crawl has ended.
"""

from __future__ import annotations

import json
from typing import Any

from crawler.distributed import JOURNALLED, PORTAL_COUNTS, PORTAL_SETS, Fleet, item_from
from crawler.parsing import Limits, ParsePool
from crawler.pipelines import StorePipeline
from crawler.spiders.reports import ReportsSpider
from nianbao import config, store
from nianbao.errors import UserError


def ingest(*, redis_url: str, db_path: str, files_dir: str) -> dict[str, Any]:
    fleet = Fleet(redis_url)
    spec = fleet.spec()
    if spec is None:
        raise UserError(f"no crawl has been seeded in {redis_url} (start it with nianbao crawl --redis)")
    spider = ReportsSpider(rows=spec["rows"], years=range(*spec["years"]))
    spider.open_state(db_path, files_dir, spec["recheck_days"])
    spider.run_id = spec["run_id"]
    pipeline = StorePipeline()
    pool = ParsePool(Limits.from_settings(config.load()["crawl"]))
    try:
        ended = _drain(fleet, spider, pipeline, pool)
    finally:
        pool.close()
    spider.closed_portals(spider, ended)
    summary = {**spider.summary, "ingest_redis_round_trips": fleet.round_trips}
    fleet.save_summary(summary)
    return summary


def _drain(fleet: Fleet, spider: ReportsSpider, pipeline: StorePipeline, pool: ParsePool) -> Any:
    """Handle the stream until the crawl has ended and nothing more is in it; how it ended."""
    after = "0-0"
    while True:
        ended = fleet.ended()   # read first: once the crawl has ended, nothing more arrives
        entries = fleet.read(after, block_ms=None if ended else 500)
        for entry_id, fields in entries:
            _handle(spider, pipeline, pool, fields[b"kind"].decode(), json.loads(fields[b"json"]), fields[b"body"])
            after = entry_id
        fleet.forget([entry_id for entry_id, _ in entries])
        if ended and not entries:
            return ended


def _handle(spider: ReportsSpider, pipeline: StorePipeline, pool: ParsePool, kind: str, data: dict[str, Any],
            body: bytes) -> None:
    if kind == "item":
        item = item_from(data, body)
        portal = spider.portals[item["portal"]]
        try:
            pipeline.settled(spider, portal, item) or pipeline.stored(
                spider, portal, item, pool.parse(body, item["url"], item.get("content_type"), item.get("images")))
        finally:
            portal.pending -= 1
            spider.maybe_done(portal)
        _remember(spider, data["url"])
    elif kind == "call" and data["name"] in JOURNALLED:
        getattr(store, data["name"])(spider.db, *data["args"])
    elif kind == "state":
        _merge(spider, data)


def _remember(spider: ReportsSpider, url: str) -> None:
    """What was just stored is known: the same document again (a worker killed after
    sending it, before its request was acknowledged) is skipped, not stored twice."""
    row = next(spider.db["documents"].rows_where("url = ?", [url]), None)
    if row is not None:
        spider.known[url] = row


def _merge(spider: ReportsSpider, state: dict[str, Any]) -> None:
    """One worker's share of what a portal's crawl saw, added to the rest."""
    portal = spider.portals[state["portal"]]
    for name in PORTAL_COUNTS:
        setattr(portal, name, getattr(portal, name) + state[name])
    for name in PORTAL_SETS:   # reports are (agency_id, year) pairs, JSON lists on the way
        getattr(portal, name).update(tuple(value) if isinstance(value, list) else value for value in state[name])
    portal.listing_complete = portal.listing_complete and state["listing_complete"]
    for outcome, count in state["outcomes"].items():
        spider.outcomes[outcome] = spider.outcomes.get(outcome, 0) + count
    spider.listed.update((row["key"], row) for row in state["listed"])
