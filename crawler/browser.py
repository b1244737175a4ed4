"""The download handler: Scrapy's own for every request, scrapy-playwright's Chromium only
from the first page that needs a browser.

Installed as scrapy-playwright's handler, Playwright is imported and its driver (a Node
process) started before the first request can leave, which costs over a second. Most
portals are plain HTML and a re-crawl of them renders nothing, so the browser handler is
built, and its driver started, on demand. Whatever Chromium asks for passes
``crawler.redirects.BrowserGuard`` first.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Response

from crawler.redirects import BrowserGuard


class BrowserOnDemandHandler(HTTP11DownloadHandler):
    lazy = False

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._crawler = crawler
        self._browser: Any = None
        self._browser_lock = asyncio.Lock()

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        async with self._browser_lock:
            if self._browser is None:
                from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

                browser = ScrapyPlaywrightDownloadHandler.from_crawler(self._crawler)
                browser.abort_request = BrowserGuard(getattr(self._crawler.spider, "named_hosts", set()))
                await browser._launch()  # the engine_started signal it waits for has passed
                self._browser = browser
        return await self._browser.download_request(request)

    async def close(self) -> None:
        if self._browser is not None:
            await self._browser.close()
        await super().close()
