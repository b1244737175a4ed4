"""What a failed request is called in ``crawl_errors``: one line a person can read,
never empty, whatever the exception said (several say nothing at all)."""

from __future__ import annotations

from typing import Any

from scrapy.spidermiddlewares.httperror import HttpError

from crawler.redirects import RedirectRefused

# Exceptions whose own message is empty or a Twisted repr, by class name.
REASONS = {
    "ResponseDataLossError": "the response was cut short (fewer bytes than its Content-Length)",
    "DownloadFailedError": "the connection broke off before the response was complete",
}
UNEXPLAINED = "failed without saying why"


def describe(failure: Any) -> str:
    """One line for a Twisted failure: ``HTTP 404``, a refused redirect in its own words,
    or ``Name: reason``."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    if failure.check(RedirectRefused):
        return str(failure.value)
    name = failure.type.__name__
    said = " ".join(str(failure.getErrorMessage() or "").split())
    return f"{name}: {REASONS.get(name) or said or UNEXPLAINED}"


def truncated(flags: list[str]) -> str | None:
    """The reason a response that arrived anyway is no document: Scrapy marks a body cut
    short of its Content-Length ``dataloss`` when DOWNLOAD_FAIL_ON_DATALOSS is off. (A
    ``partial`` body, ended by the server closing the connection without a length, is
    how HTTP/1.0 servers answer: it is kept.)"""
    return f"ResponseDataLossError: {REASONS['ResponseDataLossError']}" if "dataloss" in flags else None
