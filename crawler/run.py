"""``nianbao crawl`` and ``nianbao crawl-worker``: read the registry, store the agencies, run
the spider in-process and return a summary. (Twisted's reactor starts once per process:
call ``crawl`` or ``work`` once.)"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawler.distributed import Fleet, FleetSpider
from crawler.settings import fleet as fleet_settings
from crawler.settings import from_config
from crawler.spiders.reports import ReportsSpider
from nianbao import store
from nianbao.errors import UserError

# Libraries whose INFO chatter would drown the progress lines; their warnings still show.
QUIET_LOGGERS = ("scrapy", "scrapy-playwright", "scrapy_playwright", "py.warnings", "asyncio", "twisted")
# CrawlerProcess resets "scrapy" to DEBUG and logs its banner (versions, "Using
# CrawlerProcess") while it is being created, before ``_quiet`` can act: these loggers
# are switched off for just that moment.
BANNER_LOGGERS = ("scrapy.utils.log", "scrapy.crawler")


# Loggers whose lines repeat what a crawl_errors row says, at the level from which they show:
# a portal that is down is a row and one "Gave up retrying" line, not a traceback; a body cut
# short is a row, not advice to turn DOWNLOAD_FAIL_ON_DATALOSS off.
SILENCED = {"scrapy.downloadermiddlewares.robotstxt": logging.CRITICAL,
            "scrapy.core.downloader.handlers.http11": logging.ERROR}


class OneLine(logging.Filter):
    """Every message a crawl logs is one line: a library's traceback or a browser's call
    log is left out (what failed is a crawl_errors row)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = " ".join(record.getMessage().split()), None
        record.exc_info = record.exc_text = record.stack_info = None
        return True


def _quiet(level: str) -> None:
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(level)
    for name, silenced_below in SILENCED.items():
        logging.getLogger(name).setLevel(silenced_below)
    for handler in logging.getLogger().handlers:
        handler.addFilter(OneLine())


def crawl(settings: dict, *, db_path: str, registry: str, files_dir: str, years: range,
          redis_url: str = "", config_path: str | None = None) -> dict:
    """The crawl, on this machine alone or, with ``redis_url``, seeded for a fleet of
    workers (this process being one) and stored by one ``nianbao ingest`` it starts."""
    rows = store.read_registry(registry)
    db = store.connect(db_path)
    store.save_agencies(db, rows)
    scrapy_settings: dict[str, Any] = {**from_config(settings["crawl"]), "NIANBAO_DB": db_path,
                                       "NIANBAO_FILES": files_dir, "LOG_INSTALL_ROOT_HANDLER": False,
                                       "HTTPCACHE_DIR": str(Path(db_path).resolve().parent / "robots-cache")}
    started = time.monotonic()
    if redis_url:
        summary = _seed_fleet(settings, db, redis_url, rows, years, scrapy_settings,
                              ingest_args=["--db", db_path, "--files", files_dir] +
                              (["--config", config_path] if config_path else []))
    else:
        crawler = _run(ReportsSpider, scrapy_settings, rows=rows, years=years)
        summary = dict(getattr(crawler.spider, "summary", {}))
    summary["seconds"] = round(time.monotonic() - started, 1)
    print("crawl: " + ", ".join(f"{key} {value}" for key, value in summary.items()), file=sys.stderr, flush=True)
    return summary


def work(settings: dict, *, redis_url: str) -> dict:
    """``nianbao crawl-worker``: one more worker for the fleet's crawl; writes no database."""
    fleet = Fleet(redis_url)
    while fleet.current() is None:   # the seeding process has not published its crawl yet
        time.sleep(0.2)
    crawler = _run(FleetSpider, {**from_config(settings["crawl"]), **fleet_settings(redis_url),
                                 "LOG_INSTALL_ROOT_HANDLER": False}, fleet=fleet)
    summary = dict(getattr(crawler.spider, "summary", {}))
    print("crawl-worker: " + ", ".join(f"{key} {value}" for key, value in summary.items()), file=sys.stderr, flush=True)
    return summary


def _seed_fleet(settings: dict, db: Any, redis_url: str, rows: list[dict], years: range,
                scrapy_settings: dict[str, Any], ingest_args: list[str]) -> dict:
    """Publish the crawl, start ``nianbao ingest``, crawl as the seeding worker; once the
    fleet is done and the ingest has stored everything, its summary is the crawl's."""
    crawl = settings["crawl"]
    fleet = Fleet(redis_url)
    fleet.publish(
        {"rows": rows, "years": [years.start, years.stop], "run_id": store.now(),
         "recheck_days": float(crawl["recheck_days"])},
        {"per_host": int(crawl["concurrent_per_host"]), "delay": float(crawl.get("download_delay", 0.5)),
         "lease_seconds": float(crawl["lease_seconds"])},
        list(db["documents"].rows), list(db["list_pages"].rows))
    ingest = subprocess.Popen([sys.executable, "-m", "nianbao.cli", "ingest", "--redis", redis_url, *ingest_args])
    try:
        crawler = _run(FleetSpider, {**scrapy_settings, **fleet_settings(redis_url)}, fleet=fleet, seeder=True)
        fleet.end(getattr(crawler.spider, "summary", {}).get("finish_reason", "shutdown"))
        ingest.wait()
    finally:
        if ingest.poll() is None:
            fleet.end("shutdown")
            ingest.wait()
    if ingest.returncode != 0:
        raise UserError(f"nianbao ingest failed (exit status {ingest.returncode})")
    here = getattr(crawler.spider, "summary", {})
    return {**(fleet.summary() or {}), "requests_here": here.get("requests", 0),
            "redis_round_trips_here": here.get("redis_round_trips", 0)}


def _run(spider_cls: type, scrapy_settings: dict[str, Any], **spider_kwargs: Any) -> Any:
    """One spider run in this process to its end; returns its crawler."""
    banner = [logging.getLogger(name) for name in BANNER_LOGGERS]
    for logger in banner:
        logger.disabled = True
    process = CrawlerProcess(scrapy_settings)
    for logger in banner:
        logger.disabled = False
    _quiet(scrapy_settings["LOG_LEVEL"])
    crawler = process.create_crawler(spider_cls)
    process.crawl(crawler, **spider_kwargs)
    process.start()
    return crawler
