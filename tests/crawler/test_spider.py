"""What the spider asks for, without a network: browser only for pages that need it,
documents always as plain requests, known documents asked for conditionally once their
recheck is due and not at all before, further list pages only when their listing changed
or their recheck is due."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from scrapy.http import HtmlResponse, Request
from twisted.python.failure import Failure

from crawler.discovery import Link
from crawler.revisit import Revisit
from crawler.spiders.reports import ReportsSpider, links_json, request_key
from nianbao import store

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


PAGE_2 = Link("http://127.0.0.1:9/list_2.htm", "list", "下一页")
REPORT = Link("http://127.0.0.1:9/art/2024.html", "report", "兰考县人民政府2024年政府信息公开工作年度报告")


def remembering(fetched_at: str) -> ReportsSpider:
    """A spider that remembers page 2 of a listing linking to a stored, fresh report."""
    made = spider("")
    made.known = {REPORT.url: {"status": "stored", "agency_id": "410225-gov", "year": 2024,
                               "fetched_at": "2025-03-09T00:00:00+00:00"}}
    made.listings = {request_key(PAGE_2): {"links": links_json([REPORT]), "fetched_at": fetched_at}}
    return made


def test_further_list_page_of_an_unchanged_listing_is_followed_from_memory() -> None:
    made = remembering("2025-03-09T00:00:00+00:00")
    portal = made.portals[ROW["start_url"]]
    assert list(made._walk(portal, [PAGE_2], 0, "http://127.0.0.1:9/list.htm", as_before=True)) == []
    assert portal.reports == {("410225-gov", 2024)} and portal.pending == 0
    assert {PAGE_2.url, REPORT.url} <= portal.linked  # what it leads to still counts as listed


def test_further_list_page_is_fetched_when_its_listing_changed_or_its_recheck_is_due() -> None:
    for made, as_before in ((remembering("2025-03-09T00:00:00+00:00"), False),
                            (remembering("2025-03-01T00:00:00+00:00"), True)):
        portal = made.portals[ROW["start_url"]]
        asked = list(made._walk(portal, [PAGE_2], 0, "http://127.0.0.1:9/list.htm", as_before=as_before))
        assert [request.url for request in asked] == [PAGE_2.url]


def test_a_list_page_is_parsed_again_only_when_its_bytes_changed() -> None:
    made = spider("")
    made.depth_limit, made.listings = 4, {}
    body = f'<a href="list_2.htm">下一页</a><a href="art/2024.html">{REPORT.text}</a>'.encode()

    def fetched(html: bytes) -> tuple[list[Link], bool]:
        request = Request("http://127.0.0.1:9/list.htm", meta={"asked": "GET http://127.0.0.1:9/list.htm", "depth": 0})
        links, as_before = made._links(HtmlResponse(request.url, body=html, encoding="utf-8", request=request))
        made.listings = dict(made.listed)
        return links, as_before

    first, as_before = fetched(body)
    assert [link.url for link in first] == [PAGE_2.url, REPORT.url] and not as_before
    assert fetched(body) == (first, True)
    assert fetched(body + b"<p>visits: 1024</p>") == (first, True)  # other bytes, the same links
    newer = f'<a href="art/2025.html">{REPORT.text.replace("2024", "2025")}</a>'.encode()
    changed, as_before = fetched(newer + body)
    assert len(changed) == 3 and not as_before


def test_a_navigation_a_challenge_cut_short_is_rendered_once_more_then_is_an_error(tmp_path: Path) -> None:
    made = spider("js")
    made.db = store.connect(tmp_path / "r.db")
    portal = made.portals[ROW["start_url"]]
    first = next(made.follow(portal, Link("http://127.0.0.1:9/list", "list"), 0))

    def aborted(request: Request) -> Failure:
        failure = Failure(PlaywrightError("Page.goto: net::ERR_ABORTED at http://127.0.0.1:9/list"))
        failure.request = request
        return failure

    [again] = made.failed(aborted(first))
    assert again.url == first.url and again.meta["playwright"] and again.meta["again"]
    assert list(made.failed(aborted(again))) == []
    assert made.db.execute("select url, error from crawl_errors").fetchall() == [
        ("http://127.0.0.1:9/list", "anti-bot shield not passed by the browser: it stopped the page "
                                    "(its navigation was cut short) twice")]
    assert not portal.listing_complete
