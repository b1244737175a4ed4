"""One crawl spread over many machines: scrapy-redis's scheduler over one shared Redis.

Every worker runs the same ``ReportsSpider`` (as ``FleetSpider``, which only moves its
state): requests go through scrapy-redis's ``Scheduler`` into ``FleetQueue``, whose Lua
scripts keep one queue per host and hand a request out only while its host has fewer than
``concurrent_per_host`` requests leased to the whole fleet and its delay has passed. A
popped request is a lease: the worker renews it while it works and acknowledges it once
the callback's requests are queued and its items are in the ingest stream (the items and
the acknowledgement in one MULTI, so both or neither). A killed worker stops renewing;
its leases expire and go back to the front of their host's queue, and the links its
unacknowledged answers claimed are free again. The crawl has ended when the seeds are in,
no request is queued and none is leased (``finished``, atomic in Redis).

A worker joins the crawl that is published and not over, and ends with it: start a new
crawl in the same Redis database only once the last one is over.

Workers write no database: items, the spider's own writes (``ReportsSpider.journal``) and
what each answered request taught about its portal (counts, links seen, reports found,
list pages) go to one Redis stream that ``nianbao.ingest`` drains into the one SQLite.
"""

from __future__ import annotations

import base64
import json
import logging
import warnings
from typing import Any, Iterator
from urllib.parse import urlsplit

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, ScrapyDeprecationWarning
from scrapy.http import Request, Response
from scrapy_redis.queue import Base
from twisted.internet import task

from crawler.portals import Portal
from crawler.revisit import Revisit
from crawler.spiders.reports import ReportsSpider

log = logging.getLogger(__name__)
# scrapy-redis 0.9 still passes ``spider`` to the stats collector, twice per request.
warnings.filterwarnings("ignore", message="Passing a 'spider' argument to StatsCollector",
                        category=ScrapyDeprecationWarning)

PREFIX = "nianbao:"
STREAM = PREFIX + "stream"
LEASE = "fleet_lease"   # request.meta key: the lease a popped request is held under
ACK = "acknowledge"     # the item type that ends an answer's lease (``FleetSpider._acknowledged``)
# Portal fields a worker ships with each acknowledged request and then starts again from
# zero; ``nianbao.ingest`` adds the counts, joins the sets and ANDs listing_complete.
PORTAL_COUNTS = ("pages", "documents", "errors")
PORTAL_SETS = ("linked", "gone", "reports")
# Stream entries the ingest reads at once (each may hold a whole document), and the
# backlog at which workers pause until the ingest catches up (Redis holds it in memory).
READ_BATCH = 16
MAX_BACKLOG = 2000
# The spider's own writes a worker sends through the stream (``ReportsSpider.journal``).
JOURNALLED = ("save_document", "record_crawl_error")

# Shared by every script: the clock is Redis's own (machines' clocks differ), a host is
# ready when it has requests queued, fewer than the limit leased and its delay is over.
_HELPERS = """
local P = ARGV[1]
local function now() local t = redis.call('TIME') return tonumber(t[1]) + tonumber(t[2]) / 1e6 end
local function limit(name) return tonumber(redis.call('HGET', P..'limits', name)) end
local function reschedule(h, t)
  if redis.call('LLEN', P..'q:'..h) == 0 then redis.call('ZREM', P..'hosts', h) return end
  if tonumber(redis.call('HGET', P..'busy', h) or '0') >= limit('per_host') then
    redis.call('ZADD', P..'hosts', t + 1e9, h)  -- parked until one of its leases ends
  else
    redis.call('ZADD', P..'hosts', math.max(t, tonumber(redis.call('HGET', P..'next', h) or '0')), h)
  end
end
local function release(id, t)
  local h = redis.call('HGET', P..'lease_host', id)
  if not h then return false end
  redis.call('ZREM', P..'inflight', id)
  redis.call('HDEL', P..'leases', id)
  redis.call('HDEL', P..'lease_host', id)
  redis.call('HINCRBY', P..'busy', h, -1)
  redis.call('DEL', P..'claims:'..id)
  reschedule(h, t)
  return h
end
"""
SCRIPTS = {
    # ARGV: prefix, host, request, the lease it replaces ('' if none: a retry or a redirect replaces one)
    "push": """
local t = now()
redis.call('LPUSH', P..'q:'..ARGV[2], ARGV[3])
redis.call('INCR', P..'queued')
reschedule(ARGV[2], t)
if ARGV[4] ~= '' then release(ARGV[4], t) end
return 1
""",
    "pop": """
local t = now()
for i = 1, 20 do
  local hosts = redis.call('ZRANGEBYSCORE', P..'hosts', '-inf', t, 'LIMIT', 0, 1)
  if #hosts == 0 then return false end
  local h = hosts[1]
  local data = redis.call('RPOP', P..'q:'..h)
  if data then
    redis.call('DECR', P..'queued')
    redis.call('HINCRBY', P..'busy', h, 1)
    redis.call('HSET', P..'next', h, t + limit('delay'))
    reschedule(h, t)
    local id = redis.call('INCR', P..'seq')
    redis.call('ZADD', P..'inflight', t + limit('lease_seconds'), id)
    redis.call('HSET', P..'leases', id, data)
    redis.call('HSET', P..'lease_host', id, h)
    return {id, data}
  end
  redis.call('ZREM', P..'hosts', h)
end
return false
""",
    "ack": """
release(ARGV[2], now())
return 1
""",
    "renew": """
local t = now()
for i = 2, #ARGV do
  if redis.call('ZSCORE', P..'inflight', ARGV[i]) then
    redis.call('ZADD', P..'inflight', t + limit('lease_seconds'), ARGV[i])
  end
end
return 1
""",
    # Leases whose worker stopped renewing them go back to the front of their host's queue.
    "requeue": """
local t = now()
local ids = redis.call('ZRANGEBYSCORE', P..'inflight', '-inf', t, 'LIMIT', 0, 100)
for _, id in ipairs(ids) do
  local claimed = redis.call('SMEMBERS', P..'claims:'..id)
  if #claimed > 0 then redis.call('HDEL', P..'seen', unpack(claimed)) end
  local h = redis.call('HGET', P..'lease_host', id)
  redis.call('RPUSH', P..'q:'..h, redis.call('HGET', P..'leases', id))
  redis.call('INCR', P..'queued')
  release(id, t)
end
return #ids
""",
    # ARGV: prefix, request key, the lease of the answer that met it ('' for a seed). A link is
    # the claimant's for good once that lease is acknowledged; if the lease dies, the link is free again.
    "claim": """
if redis.call('HSETNX', P..'seen', ARGV[2], ARGV[3]) == 0 then return 0 end
if ARGV[3] ~= '' then redis.call('SADD', P..'claims:'..ARGV[3], ARGV[2]) end
return 1
""",
    "finished": """
if redis.call('EXISTS', P..'done') == 1 then return 1 end
if redis.call('EXISTS', P..'seeded') == 0 then return 0 end
if tonumber(redis.call('GET', P..'queued') or '0') > 0 then return 0 end
if redis.call('ZCARD', P..'inflight') > 0 then return 0 end
redis.call('SET', P..'done', 1)
return 1
""",
}


class CountedConnection:
    """Mixed into the client's connection class: every command or pipeline sent is one
    round trip to Redis, counted for this process (the figure the benchmark reports)."""

    sent = 0

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        CountedConnection.sent += 1
        super().send_packed_command(command, check_health)  # type: ignore[misc]


class Fleet:
    """One process's handle on the shared crawl: the queue scripts, its own leases, and
    the messages for the ingest stream that wait for the next acknowledgement."""

    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(url)
        pool = self.redis.connection_pool
        pool.connection_class = type("Counted" + pool.connection_class.__name__,
                                     (CountedConnection, pool.connection_class), {})
        self.scripts = {name: self.redis.register_script(_HELPERS + body) for name, body in SCRIPTS.items()}
        self.leases: set[int] = set()
        self.outbox: list[dict[str, Any]] = []
        self.acknowledged = 0

    @property
    def round_trips(self) -> int:
        return CountedConnection.sent

    def _run(self, name: str, *args: Any, client: Any = None) -> Any:
        return self.scripts[name](args=[PREFIX, *args], client=client)

    # --- the crawl's description, written by the seeding process -----------------------------

    def publish(self, spec: dict[str, Any], limits: dict[str, float], known: list[dict], listings: list[dict]) -> None:
        """Start a crawl afresh: what an earlier crawl left is deleted, its spec first and
        the new spec last, since a waiting worker starts as soon as it sees one (``current``)."""
        self.redis.delete(PREFIX + "spec")
        keys = list(self.redis.scan_iter(match=PREFIX + "*", count=1000))
        for start in range(0, len(keys), 1000):
            self.redis.delete(*keys[start:start + 1000])
        self.redis.hset(PREFIX + "limits", mapping=limits)
        for name, rows, key in (("known", known, "url"), ("listings", listings, "key")):
            for start in range(0, len(rows), 1000):
                self.redis.hset(PREFIX + name, mapping={row[key]: json.dumps(row, ensure_ascii=False)
                                                        for row in rows[start:start + 1000]})
        self.redis.set(PREFIX + "spec", json.dumps(spec, ensure_ascii=False))

    def spec(self) -> dict[str, Any] | None:
        raw = self.redis.get(PREFIX + "spec")
        return json.loads(raw) if raw else None

    def current(self) -> dict[str, Any] | None:
        """The spec of a crawl a worker may join: published and not over."""
        spec = self.spec()
        return None if spec is None or self.redis.exists(PREFIX + "done", PREFIX + "ended") else spec

    def seeded(self) -> None:
        self.redis.set(PREFIX + "seeded", 1)

    def end(self, reason: str) -> None:
        """The seeding process's crawl is over: ``nianbao ingest`` finishes what is left."""
        self.redis.set(PREFIX + "ended", reason)

    def ended(self) -> str | None:
        raw = self.redis.get(PREFIX + "ended")
        return raw.decode() if raw else None

    def finished(self) -> bool:
        """True once every seed is in, no request queued and none leased (then for good)."""
        return bool(self._run("finished"))

    # --- the queue ----------------------------------------------------------------------------

    def push(self, host: str, data: bytes, replaces: int | None) -> None:
        self._run("push", host, data, "" if replaces is None else replaces)
        self.leases.discard(replaces)

    def pop(self) -> tuple[int, bytes] | None:
        popped = self._run("pop")
        if not popped:
            return None
        lease, data = int(popped[0]), popped[1]
        self.leases.add(lease)
        return lease, data

    def claim(self, key: str, lease: int | None) -> bool:
        """Whether the fleet meets a link for the first time (then it is this lease's)."""
        return bool(self._run("claim", key, "" if lease is None else lease))

    def queued(self) -> int:
        return int(self.redis.get(PREFIX + "queued") or 0)

    def keep_alive(self) -> int:
        """Renew this worker's leases and return any dead worker's to the queue; the
        number of stream entries the ingest has yet to store."""
        pipe = self.redis.pipeline(transaction=False)
        if self.leases:
            self._run("renew", *self.leases, client=pipe)
        self._run("requeue", client=pipe)
        pipe.xlen(STREAM)
        return int(pipe.execute()[-1])

    # --- the ingest stream --------------------------------------------------------------------

    def emit(self, kind: str, data: dict[str, Any], body: bytes = b"") -> None:
        self.outbox.append({"kind": kind, "json": json.dumps(data, ensure_ascii=False), "body": body})

    def flush(self, lease: int | None) -> None:
        """Send what waits for the stream and end ``lease``, both in one transaction."""
        if not self.outbox and lease is None:
            return
        pipe = self.redis.pipeline(transaction=True)
        for message in self.outbox:
            pipe.xadd(STREAM, message)
        if lease is not None:
            self._run("ack", lease, client=pipe)
        pipe.execute()
        self.outbox.clear()
        if lease is not None:
            self.leases.discard(lease)
            self.acknowledged += 1

    def read(self, after: str, block_ms: int | None) -> list[tuple[str, dict[bytes, bytes]]]:
        """Entries after ``after``, waiting up to ``block_ms`` for one (None: not at all)."""
        found = self.redis.xread({STREAM: after}, count=READ_BATCH, block=block_ms)
        return [(entry_id.decode(), fields) for _, entries in found for entry_id, fields in entries]

    def forget(self, entry_ids: list[str]) -> None:
        """Ingested entries leave the stream (they hold whole documents)."""
        if entry_ids:
            self.redis.xdel(STREAM, *entry_ids)

    def share_cookies(self, portal: str, cookies: dict[str, str]) -> None:
        self.redis.hset(PREFIX + "cookies", portal, json.dumps(cookies))

    def cookies(self, portal: str) -> dict[str, str]:
        raw = self.redis.hget(PREFIX + "cookies", portal)
        return json.loads(raw) if raw else {}

    def save_summary(self, summary: dict[str, Any]) -> None:
        self.redis.set(PREFIX + "summary", json.dumps(summary, ensure_ascii=False))

    def summary(self) -> dict[str, Any] | None:
        raw = self.redis.get(PREFIX + "summary")
        return json.loads(raw) if raw else None


class FleetQueue(Base):
    """scrapy-redis's queue interface (``SCHEDULER_QUEUE_CLASS``) over ``Fleet``'s per-host queues."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.fleet: Fleet = spider.fleet

    def __len__(self) -> int:
        return self.fleet.queued()

    def push(self, request: Request) -> None:
        self.fleet.push(urlsplit(request.url).hostname or "", self._encode_request(request), request.meta.get(LEASE))

    def pop(self, timeout: int = 0) -> Request | None:
        popped = self.fleet.pop()
        if popped is None:
            return None
        request = self._decode_request(popped[1])
        request.meta[LEASE] = popped[0]
        return request


class RedisMap:
    """A read-through view of a Redis hash of JSON rows (what earlier crawls learnt of
    documents and list pages), with this worker's own additions kept locally."""

    def __init__(self, client: redis.Redis, key: str) -> None:
        self.client, self.key = client, key
        self.local: dict[str, Any] = {}

    def get(self, name: str, default: Any = None) -> Any:
        if name not in self.local:
            raw = self.client.hget(self.key, name)
            self.local[name] = json.loads(raw) if raw else None
        value = self.local[name]
        return default if value is None else value

    def __setitem__(self, name: str, value: Any) -> None:
        self.local[name] = value


class Journal:
    """``ReportsSpider.journal`` in a worker: the spider's own writes as stream messages."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet

    def save_document(self, db: None, row: dict[str, Any]) -> None:
        self.fleet.emit("call", {"name": "save_document", "args": [row]})

    def record_crawl_error(self, db: None, url: str, agency_id: str | None, error: str) -> None:
        self.fleet.emit("call", {"name": "record_crawl_error", "args": [url, agency_id, error]})


class FleetSpider(ReportsSpider):
    """``ReportsSpider`` in a fleet worker: the same walk, with its memory read from Redis,
    a link asked for once by the whole fleet, and what each answer taught about its portal
    shipped with the answer's acknowledgement. Only the seeding worker yields the seeds."""

    name = "reports"

    def __init__(self, fleet: Fleet, seeder: bool = False, **kwargs: Any) -> None:
        spec = fleet.spec()
        super().__init__(rows=spec["rows"], years=range(*spec["years"]), **kwargs)
        self.fleet, self.seeder, self.spec = fleet, seeder, spec
        self.lease: int | None = None   # the lease of the answer whose callback is running
        self.journal = Journal(fleet)

    def open_state(self, db_path: str, files_dir: str, recheck_days: float) -> None:
        """No database here: one run id and recheck period for the fleet, the seeder's memory."""
        self.db, self.files_dir = None, files_dir
        self.revisit = Revisit.from_days(self.spec["recheck_days"])
        self.run_id = self.spec["run_id"]
        self.known = RedisMap(self.fleet.redis, PREFIX + "known")
        self.listings = RedisMap(self.fleet.redis, PREFIX + "listings")

    async def start(self) -> Any:
        if not self.seeder:
            self.depth_limit = self.crawler.settings.getint("NIANBAO_DEPTH_LIMIT", 4)
            self.open_state("", "", 0)
            return
        async for request in super().start():
            yield request
        for portal in self.portals.values():   # documents that stand without a request
            self._ship(portal)
        self.fleet.flush(None)
        self.fleet.seeded()

    def _first_time(self, key: str) -> bool:
        return self.fleet.claim(key, self.lease)

    def parse_page(self, response: Response) -> Iterator[Any]:
        return self._acknowledged(super().parse_page(response), response.request)

    def parse_document(self, response: Response) -> Iterator[Any]:
        return self._acknowledged(super().parse_document(response), response.request)

    def failed(self, failure: Any) -> Iterator[Request]:
        return self._acknowledged(super().failed(failure), failure.request)

    def _acknowledged(self, outputs: Iterator[Any], request: Request) -> Iterator[Any]:
        """The callback's output, then an ``ACK`` item for ``StreamPipeline``. Scrapy reads
        a callback's output ahead of handling it, but handles it one at a time
        (CONCURRENT_ITEMS = 1): when the ``ACK`` is handled, every request before it is
        queued and every item sent. Links are claimed under the answer's lease, which is
        set at each resumption since Scrapy may interleave callbacks."""
        lease = request.meta.get(LEASE)
        try:
            while True:
                self.lease = lease
                try:
                    output = next(outputs)
                except StopIteration:
                    break
                yield output
        except Exception:   # as Scrapy would log it; the lease must still end
            self.logger.exception("callback for %s failed", request.url)
        finally:
            self.lease = None
        yield {"type": ACK, "portal": request.meta["portal"], "lease": lease}

    def acknowledge(self, item: dict[str, Any]) -> None:
        """An answer fully handled: its lease ends with what it taught, in one transaction."""
        portal = self.portals.get(item["portal"])
        if portal is not None:   # else the callback failed on an unknown portal, and said so
            self._ship(portal)
        self.fleet.flush(item["lease"])

    def _ship(self, portal: Portal) -> None:
        """What this worker learnt of ``portal`` (and the crawl) since the last message."""
        state = {"portal": portal.start_url, "listing_complete": portal.listing_complete,
                 **{name: getattr(portal, name) for name in PORTAL_COUNTS},
                 **{name: sorted(getattr(portal, name)) for name in PORTAL_SETS},
                 "outcomes": self.outcomes, "listed": list(self.listed.values())}
        if any(state[name] for name in (*PORTAL_COUNTS, *PORTAL_SETS, "outcomes", "listed")) or \
                not portal.listing_complete:
            self.fleet.emit("state", state)
        for name in PORTAL_COUNTS:
            setattr(portal, name, 0)
        for name in PORTAL_SETS:
            setattr(portal, name, set())
        portal.listing_complete = True
        self.outcomes, self.listed = {}, {}

    def _shielded(self, portal: Portal, request: Request) -> Iterator[Request]:
        """A shield's cookie any worker got serves every worker."""
        if not portal.cookies:
            portal.cookies.update(self.fleet.cookies(portal.start_url))
        yield from super()._shielded(portal, request)

    def _past_shield(self, portal: Portal, meta: dict) -> Iterator[Request | dict]:
        yield from super()._past_shield(portal, meta)
        if portal.cookies:
            self.fleet.share_cookies(portal.start_url, portal.cookies)

    def send_waiting(self) -> Iterator[Request]:
        """Documents that wait here for a shield's cookie another worker's browser got."""
        for portal in self.portals.values():
            cookies = self.fleet.cookies(portal.start_url) if portal.waiting else {}
            if cookies:
                portal.cookies.update(cookies)
                yield from self._past_shield(portal, {})

    def maybe_done(self, portal: Portal) -> None:
        """A worker sees only part of a portal; ``nianbao ingest`` reports portals."""

    def closed_portals(self, spider: Any, reason: str) -> None:
        for portal in self.portals.values():
            self._ship(portal)
        self.fleet.flush(None)
        self.summary = {"requests": self.fleet.acknowledged, "redis_round_trips": self.fleet.round_trips,
                        "finish_reason": reason}


class StreamPipeline:
    """A worker's item pipeline: each item into the ingest stream, the body as raw bytes."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StreamPipeline":
        pipeline = cls()
        pipeline.crawler = crawler
        return pipeline

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        spider = spider or self.crawler.spider
        if item["type"] == ACK:
            spider.acknowledge(item)
            return {"lease": item["lease"], "outcome": "acknowledged"}
        spider.fleet.emit("item", *item_fields(item))
        return {"url": item["url"], "outcome": "sent"}


def item_fields(item: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """An item as the stream carries it: JSON fields (a page's pictures in base64) and its body."""
    data = {key: value for key, value in item.items() if key not in ("body", "images")}
    if item.get("images"):
        data["images"] = {src: base64.b64encode(picture).decode() for src, picture in item["images"].items()}
    return data, item.get("body", b"")


def item_from(data: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The item ``item_fields`` sent."""
    item = {**data, "body": body}
    if data.get("images"):
        item["images"] = {src: base64.b64decode(picture) for src, picture in data["images"].items()}
    return item


class FleetExtension:
    """Keeps a worker's leases alive, returns dead workers' leases, and keeps the worker
    open until the whole fleet is done, not just its own share."""

    TICK = 0.5   # seconds; Scrapy itself asks an idle scheduler again only every 5 s

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "FleetExtension":
        return cls(crawler)

    def opened(self, spider: FleetSpider) -> None:
        self.loop = task.LoopingCall(self.tick, spider)
        self.loop.start(self.TICK, now=False)

    def tick(self, spider: FleetSpider) -> None:
        try:
            backlog = spider.fleet.keep_alive()
        except redis.RedisError as error:   # Redis away for a moment: the next tick tries again
            log.warning("fleet: %s", error)
            return
        engine = self.crawler.engine
        if backlog > MAX_BACKLOG and not engine.paused:
            log.warning("fleet: the ingest is %d entries behind; this worker pauses", backlog)
            engine.pause()
        elif backlog <= MAX_BACKLOG // 2 and engine.paused:
            engine.unpause()
        for request in spider.send_waiting():
            engine.crawl(request)
        slot = getattr(engine, "_slot", None)
        if slot is not None:   # ask the shared queue now rather than at Scrapy's next 5 s heartbeat
            slot.nextcall.schedule()

    def idle(self, spider: FleetSpider) -> None:
        if not spider.fleet.finished():
            raise DontCloseSpider

    def closed(self, spider: FleetSpider) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
