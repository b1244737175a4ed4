"""One fixture site as the server sees it: its pages by path, and which of them are
unlisted or taken down. Shared by the families that print the pages, the builder that
fills them and the server that answers with them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    document: bool = False  # a report page or attachment: what an incremental crawl must not fetch twice
    fail_once: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200  # 301/302 with a Location header: a page that moved
    cut: float = 1.0  # the share of the body sent before the connection drops (Content-Length stays whole)
    modified: datetime = field(default_factory=lambda: datetime(2025, 1, 1, tzinfo=timezone.utc))

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class Site:
    name: str
    family: str
    county: str
    pages: dict[str, Page] = field(default_factory=dict)
    refuse: bool = False  # nothing listens there: a portal that is down
    unlisted: set[str] = field(default_factory=set)  # article paths the lists leave out
    taken_down: set[str] = field(default_factory=set)  # paths that answer 404
    # An anti-bot shield: without its cookie a request gets 521 and a script that sets the
    # cookie and loads the page again (a browser passes, a plain client does not; the
    # cookie then works for plain requests too). "always", or "files": awake from the first
    # request for a file (not a page) on, as shields that wake on a burst of downloads.
    shield: str = ""
    # The shield's first cookie expires after it let this many requests through (0: never):
    # the next request carrying it meets the challenge again, which hands out a new one.
    shield_lasts: int = 0


SHIELD_COOKIE = "__jsl_clearance_s"
SHIELD_TOKEN = "1732345678.9|0|nianbao-fixture"


def shield_challenge(token: str) -> bytes:
    """The shield's answer: a script that sets the cookie and loads the page again."""
    return ("<html><head><meta charset=\"utf-8\"></head><body><script>"
            f"document.cookie='{SHIELD_COOKIE}={token};max-age=3600;path=/';"
            "location.href=location.pathname+location.search+location.hash"
            "</script></body></html>").encode()
