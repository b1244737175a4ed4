"""Scrapy settings: politeness, limits, Playwright, scheduling — every default in one module.

Values come from ``nianbao.config`` ``settings["crawl"]`` where it has them, so a
``nianbao.toml`` tunes the crawler without touching code; ``from_config`` is what
``crawler.run`` applies, and the module-level names are what ``scrapy crawl`` reads.
Scheduling is grouped in ``SCHEDULING`` so that scrapy-redis can take over by settings
alone (SCHEDULER = "scrapy_redis.scheduler.Scheduler", DUPEFILTER_CLASS =
"scrapy_redis.dupefilter.RFPDupeFilter", REDIS_URL = ...): the spider keeps no queue of its own.
"""

from __future__ import annotations

import os
from typing import Any

from scrapy.settings import default_settings

from nianbao import config

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Scrapy extensions a nianbao crawl has no use for: the telnet console and the remote-control
# server (a code-running listener whose aiohttp import alone costs a tenth of a second or
# more per crawl). They are left out of EXTENSIONS_BASE, not set to None in EXTENSIONS:
# Scrapy imports every class EXTENSIONS names in order to normalise its keys.
UNUSED_EXTENSIONS = ("scrapy.extensions.telnet.TelnetConsole", "scrapy.extensions.remote_control.RemoteControl")

# Scrapy's cookie middleware checks cookie domains against the public-suffix list with a
# tldextract that would fetch the list from publicsuffix.org and GitHub on first use. A
# crawl asks only portals: an empty source list keeps it to the copy bundled with tldextract.
# Set here, before Scrapy imports that middleware; a value set in the environment wins.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

# Local scheduling; ``fleet`` swaps these for scrapy-redis's to share one queue between machines.
SCHEDULING: dict[str, Any] = {
    "SCHEDULER": "scrapy.core.scheduler.Scheduler",
    "DUPEFILTER_CLASS": "scrapy.dupefilters.RFPDupeFilter",
    "SCHEDULER_PERSIST": False,
}

# A crawl shared by a fleet of workers (``crawler.distributed``): scrapy-redis's scheduler over
# the fleet's per-host queues in one Redis, items into the ingest stream instead of SQLite.
FLEET_SCHEDULING: dict[str, Any] = {
    "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
    "SCHEDULER_QUEUE_CLASS": "crawler.distributed.FleetQueue",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    "SCHEDULER_DUPEFILTER_KEY": "nianbao:dupefilter",
    "SCHEDULER_PERSIST": True,   # one worker closing must not empty the fleet's queue
    "ITEM_PIPELINES": {"crawler.distributed.StreamPipeline": 300},
    "CONCURRENT_ITEMS": 1,   # an answer's acknowledgement must come after its outputs are handled
    "EXTENSIONS": {"crawler.distributed.FleetExtension": 500},
}


def fleet(redis_url: str) -> dict[str, Any]:
    """The settings that turn a crawl into one worker of the fleet sharing ``redis_url``."""
    return {**FLEET_SCHEDULING, "REDIS_URL": redis_url}


def from_config(crawl: dict[str, Any]) -> dict[str, Any]:
    """Scrapy settings from ``settings["crawl"]``; loopback tests and benchmarks lower
    ``download_delay`` and ``autothrottle_start_delay`` there, never the defaults here."""
    delay = float(crawl.get("download_delay", 0.5))
    return {
        "BOT_NAME": BOT_NAME,
        "SPIDER_MODULES": SPIDER_MODULES,
        "NEWSPIDER_MODULE": NEWSPIDER_MODULE,
        "USER_AGENT": crawl["user_agent"],
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": int(crawl.get("concurrent_requests", 32)),
        "CONCURRENT_REQUESTS_PER_DOMAIN": int(crawl["concurrent_per_host"]),
        "DOWNLOAD_DELAY": delay,
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "AUTOTHROTTLE_ENABLED": bool(crawl.get("autothrottle", True)),
        "AUTOTHROTTLE_START_DELAY": float(crawl.get("autothrottle_start_delay", max(delay, 1.0))),
        "AUTOTHROTTLE_MAX_DELAY": float(crawl.get("autothrottle_max_delay", 30.0)),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.get("autothrottle_target_concurrency", 1.0)),
        "DOWNLOAD_MAXSIZE": int(crawl["max_download_bytes"]),
        "DOWNLOAD_WARNSIZE": int(crawl["max_download_bytes"]) // 2,
        "DOWNLOAD_TIMEOUT": int(crawl["download_timeout"]),
        "DEPTH_LIMIT": 0,  # the spider bounds its own exploration (crawl.depth_limit) per portal
        "NIANBAO_DEPTH_LIMIT": int(crawl["depth_limit"]),
        "NIANBAO_RECHECK_DAYS": float(crawl["recheck_days"]),
        "NIANBAO_PARSE_LIMITS": {key: crawl[key] for key in ("parse_workers", "parse_seconds", "parse_memory_mb")},
        "RETRY_ENABLED": True,
        "RETRY_TIMES": int(crawl.get("retry_times", 3)),
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "NIANBAO_RETRY_BACKOFF": float(crawl.get("retry_backoff", 1.0)),
        "NIANBAO_RETRY_BACKOFF_MAX": float(crawl.get("retry_backoff_max", 60.0)),
        "HTTPERROR_ALLOWED_CODES": [304],
        "HTTPCACHE_ENABLED": float(crawl["robots_cache_hours"]) > 0,
        "HTTPCACHE_POLICY": "crawler.robots.RobotsTxtOnlyPolicy",
        "HTTPCACHE_EXPIRATION_SECS": int(float(crawl["robots_cache_hours"]) * 3600),
        "HTTPCACHE_DIR": "robots-cache",   # under .scrapy/ for `scrapy crawl`; beside the database for nianbao
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.middlewares.BackoffRetryMiddleware": 550,
            "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
            "crawler.redirects.GuardedMetaRefreshMiddleware": 580,
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
            "crawler.redirects.GuardedRedirectMiddleware": 600,
        },
        # A body shorter than its Content-Length is an error, never a page or a report
        # (Scrapy's default, pinned here: the spider relies on it).
        "DOWNLOAD_FAIL_ON_DATALOSS": True,
        "ITEM_PIPELINES": {"crawler.pipelines.StorePipeline": 300},
        # Items of one response are few (a page yields one document); documents of different
        # responses are parsed in parallel all the same, by the store pipeline's workers.
        "CONCURRENT_ITEMS": 1,
        "COOKIES_ENABLED": True,
        "EXTENSIONS_BASE": {name: order for name, order in default_settings.EXTENSIONS_BASE.items()
                            if name not in UNUSED_EXTENSIONS},
        "LOG_LEVEL": crawl.get("log_level", "WARNING"),
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "DOWNLOAD_HANDLERS": {
            "http": "crawler.browser.BrowserOnDemandHandler",
            "https": "crawler.browser.BrowserOnDemandHandler",
        },
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": crawl["chromium"], "headless": True, "args": CHROMIUM_ARGS},
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": int(crawl.get("browser_pages", 2)),
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": int(crawl["download_timeout"]) * 1000,
        **SCHEDULING,
    }


globals().update(from_config(config.load()["crawl"]))
