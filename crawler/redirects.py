"""Redirects checked before they are followed, not after the answer came back.

A portal's redirect is followed only within the portal's own site (its registrable
domain, ``crawler.pages.same_site``), and to another host of that site only when the
host is no internal address (loopback, link-local, private…) or the registry names it:
the crawler never asks a cloud metadata service or a machine on the intranet, nor its
robots.txt, on a portal's behalf. A refused redirect and a redirect loop are errors of
their own (``RedirectRefused``), which the spider writes to ``crawl_errors``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.pages import same_site

# ``ipaddress`` properties that make an address internal: never asked on a portal's behalf.
INTERNAL = ("is_loopback", "is_link_local", "is_private", "is_reserved", "is_unspecified", "is_multicast")
RESOLVE_SECONDS = 10.0


class RedirectRefused(IgnoreRequest):
    """A redirect not followed; its message is the one-line crawl error."""


def internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    mapped = getattr(ip, "ipv4_mapped", None)
    return any(getattr(mapped or ip, name) for name in INTERNAL)


async def addresses(host: str) -> list[str]:
    """The addresses a host name stands for; none when it cannot be resolved (the request
    to it then fails on its own)."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        found = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(host, None), RESOLVE_SECONDS)
    except (OSError, asyncio.TimeoutError, UnicodeError):
        return []
    return [str(info[4][0]) for info in found if info[0] in (socket.AF_INET, socket.AF_INET6)]


class RedirectGuard:
    """Mixed into Scrapy's redirect middlewares: the redirect they build is checked first."""

    crawler: Any
    max_redirect_times: int

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        try:
            result = super().process_response(request, response)  # type: ignore[misc]
        except IgnoreRequest:   # the only one it raises: too many redirects
            raise RedirectRefused(f"redirect loop: still redirected after {self.max_redirect_times} redirects") from None
        if isinstance(result, Request) and result is not request:
            await self.check(request, result)
        return result

    async def check(self, request: Request, target: Request) -> None:
        """Refuse a redirect off the portal's site, or to an internal address the registry
        does not name. A robots.txt request, which has no portal, stays on its own site."""
        origin = request.meta.get("portal") or (request.meta.get("redirect_urls") or [request.url])[0]
        where = urlsplit(target.url)
        if not same_site(target.url, origin):
            raise RedirectRefused(f"redirected off the portal to {where.netloc}")
        host = where.hostname or ""
        if host == urlsplit(request.url).hostname or host in getattr(self.crawler.spider, "named_hosts", ()):
            return
        found = next((address for address in await addresses(host) if internal(address)), None)
        if found:
            raise RedirectRefused(f"redirect to {where.netloc} refused: an internal address ({found})")


class BrowserGuard:
    """Chromium's own requests (a page's scripts, images, XHR, a script's navigation) to an
    internal address the registry does not name are aborted. (Redirects Chromium follows
    by itself pass no such check; the spider refuses their answer when it is off the site.)"""

    def __init__(self, named_hosts: set[str]) -> None:
        self.named_hosts = named_hosts
        self.verdicts: dict[str, bool] = {}   # host → refused, resolved once per crawl

    async def __call__(self, request: Any) -> bool:
        host = urlsplit(request.url).hostname
        if not host or host in self.named_hosts:
            return False   # data:, blob: and the portals themselves
        if host not in self.verdicts:
            self.verdicts[host] = any(internal(address) for address in await addresses(host))
        return self.verdicts[host]


class GuardedRedirectMiddleware(RedirectGuard, RedirectMiddleware):
    """3xx redirects, checked before they are followed."""


class GuardedMetaRefreshMiddleware(RedirectGuard, MetaRefreshMiddleware):
    """``<meta http-equiv="refresh">`` redirects, checked before they are followed."""
