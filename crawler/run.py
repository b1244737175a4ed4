"""``nianbao crawl``: read the registry, store the agencies, run the spider in-process and
return a summary. (Twisted's reactor starts once per process: call ``crawl`` once.)"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawler.settings import from_config
from crawler.spiders.reports import ReportsSpider
from nianbao import store

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


def crawl(settings: dict, *, db_path: str, registry: str, files_dir: str, years: range) -> dict:
    rows = store.read_registry(registry)
    store.save_agencies(store.connect(db_path), rows)
    scrapy_settings: dict[str, Any] = {**from_config(settings["crawl"]), "NIANBAO_DB": db_path,
                                       "NIANBAO_FILES": files_dir, "LOG_INSTALL_ROOT_HANDLER": False,
                                       "HTTPCACHE_DIR": str(Path(db_path).resolve().parent / "robots-cache")}
    started = time.monotonic()
    banner = [logging.getLogger(name) for name in BANNER_LOGGERS]
    for logger in banner:
        logger.disabled = True
    process = CrawlerProcess(scrapy_settings)
    for logger in banner:
        logger.disabled = False
    _quiet(scrapy_settings["LOG_LEVEL"])
    crawler = process.create_crawler(ReportsSpider)
    process.crawl(crawler, rows=rows, years=years)
    process.start()
    summary = dict(getattr(crawler.spider, "summary", {}), seconds=round(time.monotonic() - started, 1))
    print("crawl: " + ", ".join(f"{key} {value}" for key, value in summary.items()), file=sys.stderr, flush=True)
    return summary
