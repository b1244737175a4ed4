"""What the spider asks for, without a network: browser only for pages that need it,
documents always as plain requests, known documents asked for conditionally."""

from __future__ import annotations

from crawler.discovery import Link
from crawler.spiders.reports import ReportsSpider

ROW = {"agency_id": "410225-gov", "agency_name": "兰考县人民政府", "region_code": "410225",
       "region_name": "河南省开封市兰考县", "agency_type": "government", "start_url": "http://127.0.0.1:9/"}


def spider(render: str) -> ReportsSpider:
    made = ReportsSpider(rows=[{**ROW, "render": render}], years="2023-2024")
    made.known = {"http://127.0.0.1:9/a.pdf": {"etag": '"abc"', "last_modified": "Wed, 01 Jan 2025 00:00:00 GMT"}}
    return made


def test_registry_render_column_sends_pages_through_chromium_but_never_documents() -> None:
    made = spider("js")
    portal = made.portals[ROW["start_url"]]
    page = next(made.follow(portal, Link("http://127.0.0.1:9/list", "list"), 0))
    document = next(made.follow(portal, Link("http://127.0.0.1:9/a.pdf", "attachment"), 0))
    assert page.meta.get("playwright") is True
    assert not document.meta.get("playwright")
    assert document.headers[b"If-None-Match"] == b'"abc"'
    assert document.headers[b"If-Modified-Since"] == b"Wed, 01 Jan 2025 00:00:00 GMT"


def test_plain_portal_pages_are_plain_requests_and_asked_for_once() -> None:
    made = spider("")
    portal = made.portals[ROW["start_url"]]
    assert not next(made.follow(portal, Link("http://127.0.0.1:9/list", "list"), 0)).meta.get("playwright")
    assert list(made.follow(portal, Link("http://127.0.0.1:9/list", "list"), 0)) == []
    assert portal.pending == 1
