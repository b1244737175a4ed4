"""What the spider asks for, without a network: browser only for pages that need it,
documents always as plain requests, known documents asked for conditionally once their
recheck is due and not at all before."""

from __future__ import annotations

from datetime import datetime, timezone

from crawler.discovery import Link
from crawler.revisit import Revisit
from crawler.spiders.reports import ReportsSpider

ROW = {"agency_id": "410225-gov", "agency_name": "兰考县人民政府", "region_code": "410225",
       "region_name": "河南省开封市兰考县", "agency_type": "government", "start_url": "http://127.0.0.1:9/"}


def spider(render: str) -> ReportsSpider:
    made = ReportsSpider(rows=[{**ROW, "render": render}], years="2023-2024")
    made.known = {"http://127.0.0.1:9/a.pdf": {"etag": '"abc"', "last_modified": "Wed, 01 Jan 2025 00:00:00 GMT"}}
    made.revisit = Revisit.from_days(7, datetime(2025, 3, 10, tzinfo=timezone.utc))
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


def test_known_document_is_asked_for_again_only_when_its_recheck_is_due() -> None:
    made = spider("")
    portal = made.portals[ROW["start_url"]]
    stored = {"status": "stored", "agency_id": "410225-gov", "year": 2024, "etag": '"abc"'}
    made.known = {"http://127.0.0.1:9/fresh.pdf": {**stored, "fetched_at": "2025-03-05T00:00:00+00:00"},
                  "http://127.0.0.1:9/due.pdf": {**stored, "fetched_at": "2025-03-01T00:00:00+00:00"},
                  "http://127.0.0.1:9/list": {**stored, "fetched_at": "2025-03-09T00:00:00+00:00"}}
    assert list(made.follow(portal, Link("http://127.0.0.1:9/fresh.pdf", "attachment"), 0)) == []
    assert portal.reports == {("410225-gov", 2024)}  # found all the same
    due = next(made.follow(portal, Link("http://127.0.0.1:9/due.pdf", "attachment"), 0))
    assert due.url == "http://127.0.0.1:9/due.pdf" and due.headers[b"If-None-Match"] == b'"abc"'
    assert next(made.follow(portal, Link("http://127.0.0.1:9/list", "list"), 0)).url == "http://127.0.0.1:9/list"
    assert portal.pending == 2


def test_fresh_article_page_stands_for_its_attachments() -> None:
    made = spider("")
    portal = made.portals[ROW["start_url"]]
    made.known = {"http://127.0.0.1:9/art.html": {"status": "page", "attachments": "http://127.0.0.1:9/b.docx",
                                                  "fetched_at": "2025-03-09T00:00:00+00:00"},
                  "http://127.0.0.1:9/b.docx": {"status": "stored", "agency_id": "410225-gov", "year": 2023,
                                                "fetched_at": "2025-03-09T00:00:00+00:00"}}
    assert list(made.follow(portal, Link("http://127.0.0.1:9/art.html", "report"), 0)) == []
    assert portal.reports == {("410225-gov", 2023)} and portal.pending == 0
    assert {"http://127.0.0.1:9/art.html", "http://127.0.0.1:9/b.docx"} <= portal.linked


def test_recheck_days_zero_always_revalidates() -> None:
    now = datetime(2025, 3, 10, tzinfo=timezone.utc)
    known = {"status": "stored", "fetched_at": now.isoformat()}
    assert not Revisit.from_days(0, now).fresh("attachment", known)
    assert Revisit.from_days(1, now).fresh("attachment", known)
    assert not Revisit.from_days(1, now).fresh("list", known)
    assert not Revisit.from_days(1, now).fresh("attachment", {**known, "status": "error"})
