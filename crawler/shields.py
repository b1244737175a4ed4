"""Anti-bot shields (加速乐 and its kind): a portal that answers 412 or 521 with a script
which sets a cookie and loads the page again. A browser passes; a plain client does not,
until it sends the cookie. So a shielded portal's pages go through Chromium, which reads
the cookie from the page it passed, and its documents go on as plain requests carrying
that cookie.

The cookie expires, and the shield comes back at any point of a crawl: on a page, whose
navigation the challenge's reload may abort; on a script or an XHR a page needs, which
then draws nothing; on a document. Each is asked for once more once the browser has
passed the challenge again (``crawler.spiders.reports``).
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.discovery.core import needs_render

CHALLENGE_STATUSES = (412, 521)
# The page method whose result is the cookie a shield set, run after the page has loaded.
READ_COOKIES = "document.cookie"
# The page method whose result lists the page's resources (scripts, XHR) that the shield
# answered instead of the server: a page drawn without them is not what the portal shows.
READ_CHALLENGED = ("performance.getEntriesByType('resource')"
                   f".filter(e => {list(CHALLENGE_STATUSES)}.includes(e.responseStatus)).map(e => e.name)")
# What Chromium says when a challenge's reload cut the navigation short.
INTERRUPTED = ("net::ERR_ABORTED", "interrupted by another navigation", "Execution context was destroyed")


def is_challenge(response: Response) -> bool:
    """A shield's answer: its status, on a page only a script fills (``needs_render``).
    A page a browser got past the shield with keeps the shield's status, not its emptiness."""
    return response.status in CHALLENGE_STATUSES and needs_render(response)


def page_result(meta: dict, script: str) -> Any:
    """What one of the page methods a rendered request ran returned (None if it did not run)."""
    return next((m.result for m in meta.get("playwright_page_methods", ())
                 if m.method == "evaluate" and m.args == (script,)), None)


def challenged_resources(meta: dict) -> list[str]:
    found = page_result(meta, READ_CHALLENGED)
    return [str(url) for url in found] if isinstance(found, list) else []


def interrupted(message: str) -> bool:
    """Whether a browser error is a navigation cut short by a reload, as a challenge does."""
    return any(sign in message for sign in INTERRUPTED)


def cookies_from(document_cookie: str | None) -> dict[str, str]:
    """``document.cookie`` ("a=1; b=2") as a dict for Scrapy's cookie jar."""
    pairs = (part.strip().partition("=") for part in (document_cookie or "").split(";"))
    return {name: value for name, _, value in pairs if name}
