"""A failed request's crawl error is one readable line, never empty, whatever the exception said."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DownloadFailedError, DownloadTimeoutError, ResponseDataLossError
from twisted.python.failure import Failure

from crawler.failures import UNEXPLAINED, describe, truncated


@pytest.mark.parametrize(("exception", "line"), [
    (ResponseDataLossError(), "ResponseDataLossError: the response was cut short (fewer bytes than its Content-Length)"),
    (DownloadFailedError("[<twisted.python.failure.Failure twisted.internet.error.ConnectionLost: >]"),
     "DownloadFailedError: the connection broke off before the response was complete"),
    (DownloadTimeoutError("Getting http://x.gov.cn/ took longer\nthan 15 seconds."),
     "DownloadTimeoutError: Getting http://x.gov.cn/ took longer than 15 seconds."),
    (ValueError(), f"ValueError: {UNEXPLAINED}"),
])
def test_every_failure_is_one_line_with_a_reason(exception: Exception, line: str) -> None:
    assert describe(Failure(exception)) == line


def test_only_a_body_cut_short_of_its_length_is_refused() -> None:
    assert truncated(["dataloss"]) == describe(Failure(ResponseDataLossError()))
    assert truncated(["partial"]) is None and truncated([]) is None
