"""robots.txt kept between crawls for up to a day (RFC 9309 §2.4 lets a crawler use a
cached copy for 24 hours), through Scrapy's own HTTP cache with a policy that lets
nothing else in: a re-crawl of unchanged portals then asks each host for its lists
only, not for its robots.txt again. A server error is never kept, so a host whose
robots.txt failed is asked again next time."""

from __future__ import annotations

from scrapy import Request
from scrapy.extensions.httpcache import DummyPolicy
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached


class RobotsTxtOnlyPolicy(DummyPolicy):
    def should_cache_request(self, request: Request) -> bool:
        return urlparse_cached(request).path == "/robots.txt" and super().should_cache_request(request)

    def should_cache_response(self, response: Response, request: Request) -> bool:
        return response.status < 500 and super().should_cache_response(response, request)
