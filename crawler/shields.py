"""Anti-bot shields (加速乐 and its kind): a portal that answers 412 or 521 with a script
which sets a cookie and loads the page again. A browser passes; a plain client does not,
until it sends the cookie. So a shielded portal's pages go through Chromium, which reads
the cookie from the page it passed, and its documents go on as plain requests carrying
that cookie.
"""

from __future__ import annotations

from scrapy.http import Response

from crawler.discovery.core import needs_render

CHALLENGE_STATUSES = (412, 521)
# The page method whose result is the cookie a shield set, run after the page has loaded.
READ_COOKIES = "document.cookie"


def is_challenge(response: Response) -> bool:
    """A shield's answer: its status, on a page only a script fills (``needs_render``).
    A page a browser got past the shield with keeps the shield's status, not its emptiness."""
    return response.status in CHALLENGE_STATUSES and needs_render(response)


def cookies_from(document_cookie: str | None) -> dict[str, str]:
    """``document.cookie`` ("a=1; b=2") as a dict for Scrapy's cookie jar."""
    pairs = (part.strip().partition("=") for part in (document_cookie or "").split(";"))
    return {name: value for name, _, value in pairs if name}
