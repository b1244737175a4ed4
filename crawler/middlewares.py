"""Retries that wait longer each time, so a struggling portal gets room to recover."""

from __future__ import annotations

import asyncio

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry (5xx, time-outs, refused connections) plus exponential back-off:
    ``NIANBAO_RETRY_BACKOFF`` × 2^(attempt-1) seconds, at most ``NIANBAO_RETRY_BACKOFF_MAX``."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("NIANBAO_RETRY_BACKOFF", 1.0)
        self.backoff_max = settings.getfloat("NIANBAO_RETRY_BACKOFF_MAX", 60.0)

    async def _wait(self, result):
        if isinstance(result, Request):
            attempt = result.meta.get("retry_times", 1)
            await asyncio.sleep(min(self.backoff * 2 ** (attempt - 1), self.backoff_max))
        return result

    async def process_response(self, request: Request, response: Response, spider: Spider | None = None):
        return await self._wait(super().process_response(request, response))

    async def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None):
        return await self._wait(super().process_exception(request, exception))
