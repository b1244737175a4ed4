"""The Scrapy settings nianbao builds from its config."""

from __future__ import annotations

import subprocess
import sys

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import Settings

from crawler.robots import RobotsTxtOnlyPolicy
from crawler.settings import UNUSED_EXTENSIONS, from_config
from nianbao import config


def test_unused_extensions_are_neither_enabled_nor_imported() -> None:
    """Importing RemoteControl imports aiohttp, a tenth of a second of every crawl."""
    code = ("import sys\n"
            "from scrapy.settings import Settings\n"
            "from crawler.settings import from_config\n"
            "from nianbao import config\n"
            "enabled = Settings(from_config(config.load()['crawl'])).get_component_priority_dict_with_base("
            "'EXTENSIONS')\n"
            "print(sorted(enabled))\n"
            "print('aiohttp' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    enabled, imported = result.stdout.splitlines()
    assert "scrapy.extensions.corestats.CoreStats" in enabled
    assert not any(name in enabled for name in UNUSED_EXTENSIONS)
    assert imported == "False"


def test_robots_cache_keeps_robots_txt_only_and_never_a_server_error() -> None:
    crawl = config.load(environ={"NIANBAO_CONFIG": "/nonexistent.toml"})["crawl"]
    settings = from_config(crawl)
    assert settings["HTTPCACHE_ENABLED"] and settings["HTTPCACHE_EXPIRATION_SECS"] == 24 * 3600
    assert not from_config({**crawl, "robots_cache_hours": 0})["HTTPCACHE_ENABLED"]
    policy = RobotsTxtOnlyPolicy(Settings(settings))
    robots, page = Request("http://127.0.0.1:9/robots.txt"), Request("http://127.0.0.1:9/xxgk/robots.txt")
    assert policy.should_cache_request(robots) and not policy.should_cache_request(page)
    assert policy.should_cache_response(Response(robots.url, status=404), robots)
    assert not policy.should_cache_response(Response(robots.url, status=503), robots)
