"""``reports``: from every registry start URL to the annual reports, for every CMS family.

Rows sharing a start URL form one portal, crawled once; what a report page says decides
whose report it is (``parsers.identity``). The spider only walks: discovery knowledge
lives in ``crawler.discovery``, storage in ``crawler.pipelines``, when to ask again in
``crawler.revisit``, what a portal stopped offering in ``crawler.removals``. A known
document whose recheck is not due costs no request; one that is due is asked for with
If-None-Match / If-Modified-Since; the further pages of a listing whose first page is as
it was are followed from memory until theirs is due. Only pages that need a browser go
through Chromium; documents never do.
"""

from __future__ import annotations

import json
from dataclasses import astuple
from typing import Any, AsyncIterator, Iterator
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy_playwright.page import PageMethod

from crawler import failures, pages, shields
from crawler.discovery import Link, discover, needs_render
from crawler.discovery.families import FAMILIES
from crawler.discovery.spa import RENDER_VALUES
from crawler.portals import Portal, Progress, record_runs
from crawler.redirects import RedirectRefused
from crawler.removals import GONE_STATUSES, reconcile
from crawler.revisit import Revisit
from nianbao import config, store, urls
from parsers import html
from parsers.identity import agencies_from, title_years

# Request kinds whose failure is worth a crawl_errors row; a dead navigation link is not.
REPORTED_FAILURES = ("start", "list", "report", "attachment")
MAX_PICTURE_BYTES = 10 * 2**20  # one picture of a report page, fetched to be read by OCR
# Request kinds whose failure leaves this crawl's view of what the portal lists incomplete.
LISTING_KINDS = ("start", "nav", "list", "report")


class ReportsSpider(scrapy.Spider):
    name = "reports"

    def __init__(self, registry: str | None = None, years: str | None = None, rows: list[dict] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        defaults = config.load()
        self.rows = rows if rows is not None else store.read_registry(registry or defaults["registry"])
        self.years = years if isinstance(years, range) else config.parse_years(years or defaults["years"])
        self.portals: dict[str, Portal] = {}
        for row in self.rows:
            portal = self.portals.setdefault(row["start_url"], Portal(row["start_url"], []))
            portal.agencies += agencies_from([row])
            portal.render = portal.render or (row.get("render") or "").strip().lower() in RENDER_VALUES
        self.progress = Progress(len(self.portals))
        # Hosts the registry names: a redirect to one is followed even if it is an internal address.
        self.named_hosts = {urlsplit(url).hostname for url in self.portals if urls.is_web(url)}
        self.seen: set[str] = set()   # request_key of every link asked for, or followed from memory, this crawl
        self.outcomes: dict[str, int] = {}
        self.listed: dict[str, dict[str, Any]] = {}   # list pages fetched by this crawl, for list_pages
        # Where the spider's own writes go: nianbao.store itself, or in a fleet worker the ingest stream.
        self.journal: Any = store

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "ReportsSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.closed_portals, signal=signals.spider_closed)
        return spider

    # --- start ------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        settings = self.crawler.settings
        defaults = config.load()
        self.depth_limit = settings.getint("NIANBAO_DEPTH_LIMIT", 4)
        self.open_state(settings.get("NIANBAO_DB") or defaults["db"], settings.get("NIANBAO_FILES") or defaults["files"],
                        settings.getfloat("NIANBAO_RECHECK_DAYS", defaults["crawl"]["recheck_days"]))
        for portal in self.portals.values():
            refused = urls.refusal(portal.start_url)
            if refused:
                self._refuse(portal, refused)
                continue
            for request in self.follow(portal, Link(portal.start_url, "start"), depth=0):
                yield request

    def _refuse(self, portal: Portal, reason: str) -> None:
        """A registry row whose start URL is no web address: a warning and a crawl error,
        and the other portals are crawled as usual."""
        self.logger.warning("registry start_url refused, portal skipped: %s", reason)
        portal.listing_complete = False
        portal.errors += 1
        self.journal.record_crawl_error(self.db, portal.start_url, portal.only_agency, reason)
        self.maybe_done(portal)

    def open_state(self, db_path: str, files_dir: str, recheck_days: float) -> None:
        """The database and what earlier crawls learnt; also how ``nianbao ingest`` opens
        the one database a fleet of workers (``crawler.distributed``) writes through."""
        self.db = store.connect(db_path)
        # WAL with synchronous=NORMAL survives a killed crawl (only a power cut may lose the
        # last commits); it spares one fsync per stored document, which on a re-crawl is most of the work.
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.files_dir = files_dir
        self.revisit = Revisit.from_days(recheck_days)
        self.run_id = store.now()
        self.known = {row["url"]: row for row in self.db["documents"].rows}
        self.listings = {row["key"]: row for row in self.db["list_pages"].rows}

    def follow(self, portal: Portal, link: Link, depth: int, page: dict | None = None,
               render: bool = False, again: bool = False) -> Iterator[Request | dict]:
        """One request per link per crawl, none for a known document whose recheck is not
        due; known documents that are due are asked for conditionally. ``render`` asks
        again through the browser, ``again`` with a shield's cookie."""
        portal.linked.add(link.url)
        key = request_key(link)
        if not self._first_time(key) and not (render or again):
            return
        known = self.known_for(portal, link.url)
        if not (render or again) and self.revisit.fresh(link.kind, known):
            yield from self._unchanged(portal, link.url)
            return
        meta: dict[str, Any] = {"portal": portal.start_url, "kind": link.kind, "depth": depth, "page": page or {},
                                "link_text": link.text, "again": again, "asked": key}
        headers: dict[str, str] = {}
        if known and link.kind in ("report", "attachment") and not render:
            headers = {k: v for k, v in (("If-None-Match", known.get("etag")),
                                         ("If-Modified-Since", known.get("last_modified"))) if v}
        if (render or portal.render) and link.kind != "attachment":
            methods = [PageMethod("wait_for_load_state", "networkidle"), PageMethod("evaluate", shields.READ_CHALLENGED)]
            if portal.shielded:  # the shield's answer comes back with the page it let through
                methods.append(PageMethod("evaluate", shields.READ_COOKIES))
                meta["handle_httpstatus_list"] = list(shields.CHALLENGE_STATUSES)
            meta.update(playwright=True, playwright_page_methods=methods)
        if link.method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        callback = self.parse_document if link.kind == "attachment" else self.parse_page
        portal.pending += 1
        yield Request(link.url, method=link.method, body=link.body or None, headers=headers, meta=meta,
                      cookies=dict(portal.cookies) or None, callback=callback, errback=self.failed, dont_filter=True)

    def _first_time(self, key: str) -> bool:
        """Whether a link is met for the first time this crawl (and from now on, it is not)."""
        first = key not in self.seen
        self.seen.add(key)
        return first

    def known_for(self, portal: Portal, url: str) -> dict[str, Any] | None:
        """What the last crawls learnt of a URL, if it still holds: a report that fitted no
        agency or year is new again once the portal's agencies or the years crawled changed
        (an agency added to the registry finds its reports on a shared column at once)."""
        known = self.known.get(url)
        if known and known.get("status") in ("unmatched", "unread") and \
                known.get("matched_against") != portal.matched_against(self.years):
            return None
        return known

    # --- pages ------------------------------------------------------------------------------

    def parse_page(self, response: Response) -> Iterator[Any]:
        portal = self.portals[response.meta["portal"]]
        portal.pending -= 1
        portal.linked.add(response.url)
        if self._usable(portal, response):
            yield from self._page(portal, response)
        self.maybe_done(portal)

    def _usable(self, portal: Portal, response: Response) -> bool:
        """Whether a response is whole and still comes from the portal's own site: a body
        cut short is no page, and a redirect to another domain (a clone, a spam site, which
        the browser may follow on its own) is not the agency's page."""
        problem = failures.truncated(response.flags)
        if problem is None and not pages.same_site(response.url, portal.start_url):
            problem = f"redirected off the portal to {urlsplit(response.url).netloc}"
        if problem is None:
            return True
        if response.meta["kind"] in LISTING_KINDS:
            portal.listing_complete = False
        self._failure(portal, response.request, problem)
        return False

    def _page(self, portal: Portal, response: Response) -> Iterator[Any]:
        meta = response.meta
        if response.status == 304:
            yield from self._unchanged(portal, response.url, checked=True)
            return
        if not isinstance(response, TextResponse):  # a report link that answered with a document
            yield from self._document(portal, response)
            return
        if meta.get("playwright"):
            challenged = shields.challenged_resources(meta)
            if shields.is_challenge(response) or challenged:
                yield from self._challenged_page(portal, response.request, "a script or data the page needs"
                                                 if challenged else "the page")
                return
            if portal.shielded:
                yield from self._past_shield(portal, meta)
        if not meta.get("playwright") and needs_render(response):
            portal.render = True  # the rest of this portal goes through the browser straight away
            yield from self.follow(portal, Link(response.url, meta["kind"], meta["link_text"]), meta["depth"],
                                   meta["page"], render=True)
            return
        portal.pages += 1
        if meta["kind"] == "report":
            yield from self._article(portal, response)
            return
        links, as_before = self._links(response)
        yield from self._walk(portal, links, meta["depth"], response.url, as_before)

    def _links(self, response: TextResponse) -> tuple[list[Link], bool]:
        """A list page's links, remembered for the next crawl, and whether they are what
        they were last time. The same bytes as last time are not parsed again."""
        key, allow_nav = response.meta["asked"], response.meta["depth"] < self.depth_limit
        row = {"key": key, "url": response.url, "sha256": store.sha256(response.body), "nav": int(allow_nav),
               "fetched_at": store.now()}
        last = self.listings.get(key)
        if last and all(last.get(name) == row[name] for name in ("url", "sha256", "nav")):  # links are relative to url
            self.listed[key] = {**row, "links": last["links"]}
            return links_from_json(last["links"]), True
        links = discover(response, FAMILIES, allow_nav=allow_nav)
        row["links"] = links_json(links)
        self.listed[key] = row
        return links, bool(last) and last["links"] == row["links"]

    def _walk(self, portal: Portal, links: list[Link], depth: int, source: str, as_before: bool) -> Iterator[Any]:
        """Follow a list page's links. Behind a page that is ``as_before``, a further page of
        the listing whose recheck is not due is followed from memory, without a request."""
        for link in links:
            portal.linked.add(link.url)
            years = title_years(link.text)
            if link.kind == "report" and years and not any(year in self.years for year in years):
                continue  # a report of a year outside --years
            key = request_key(link)
            remembered = self.listings.get(key) if as_before and link.kind == "list" else None
            if remembered and self.revisit.recent(remembered["fetched_at"]):
                if self._first_time(key):
                    yield from self._walk(portal, links_from_json(remembered["links"]), depth, link.url, as_before=True)
                continue
            page = {"url": source, "title": link.text} if link.kind == "attachment" else None
            yield from self.follow(portal, link, depth + (link.kind == "nav"), page)

    def _article(self, portal: Portal, response: TextResponse) -> Iterator[Any]:
        """A report's page: its attachments are the report if it has any, else the page is."""
        day, source = pages.published(response)
        page = {"url": response.url, "title": pages.title(response) or response.meta["link_text"],
                "published_at": day, "published_at_source": source}
        attachments = [link for link in discover(response, FAMILIES, allow_nav=False) if link.kind == "attachment"]
        if attachments:
            listed = ",".join(a.url for a in attachments)
            self.journal.save_document(self.db, {"url": response.url, "kind": "page", "status": "page",
                                                 "sha256": store.sha256(response.body), "attachments": listed,
                                                 "published_at": day, "published_at_source": source})
            self.known[response.url] = {**self.known.get(response.url, {}), "attachments": listed}
            for link in attachments:
                yield from self.follow(portal, Link(link.url, "attachment", link.text), response.meta["depth"], page)
            return
        item = self._item(portal, response, page)
        yield from self._pictures(portal, item, html.article_pictures(response.body, response.encoding), {})

    def _pictures(self, portal: Portal, item: dict, wanted: list[str], got: dict[str, bytes]) -> Iterator[Any]:
        """A report page's pictures (tables pasted as images, read by OCR), fetched one
        after the other and handed on with the page; one that fails is left out."""
        if not wanted:
            yield {**item, "images": got} if got else item
            return
        portal.pending += 1
        meta = {"portal": portal.start_url, "kind": "picture", "item": item, "wanted": wanted, "got": got,
                "download_maxsize": MAX_PICTURE_BYTES}
        yield Request(urljoin(item["url"], wanted[0]), meta=meta, cookies=portal.cookies or None,
                      callback=self.picture, errback=self.picture, dont_filter=True)

    def picture(self, outcome: Any) -> Iterator[Any]:
        """One picture fetched (a response) or not (a failure): on to the next."""
        meta = outcome.meta if isinstance(outcome, Response) else outcome.request.meta
        portal = self.portals[meta["portal"]]
        portal.pending -= 1
        got = dict(meta["got"])
        if isinstance(outcome, Response) and outcome.status == 200:
            got[meta["wanted"][0]] = outcome.body
        yield from self._pictures(portal, meta["item"], meta["wanted"][1:], got)
        self.maybe_done(portal)

    def _unchanged(self, portal: Portal, url: str, checked: bool = False) -> Iterator[Any]:
        """A 304 (``checked``) or a recheck not yet due: the stored report stands; an article
        page replays the attachments it had, each under its own recheck. Only a 304 goes to
        the pipeline, to restart the recheck period; the rest is counted here."""
        known = self.known.get(url, {})
        if known.get("attachments"):
            page = {"url": url, "title": "", "published_at": known.get("published_at"),
                    "published_at_source": known.get("published_at_source")}
            for attachment in known["attachments"].split(","):
                yield from self.follow(portal, Link(attachment, "attachment"), 0, page)
        elif checked:
            portal.pending += 1   # until the pipeline has it
            yield {"type": "unchanged", "portal": portal.start_url, "url": url}
        else:
            self.stands(portal, known)

    def stands(self, portal: Portal, known: dict) -> None:
        """A known document still stands: it counts as unchanged and its report as found."""
        self.outcomes["skipped"] = self.outcomes.get("skipped", 0) + 1
        if known.get("status") == "stored":
            portal.reports.add((known["agency_id"], known["year"]))

    # --- documents ---------------------------------------------------------------------------

    def parse_document(self, response: Response) -> Iterator[Any]:
        portal = self.portals[response.meta["portal"]]
        portal.pending -= 1
        portal.linked.add(response.url)
        if response.status == 304:
            yield from self._unchanged(portal, response.url, checked=True)
        elif self._usable(portal, response):
            yield from self._document(portal, response)
        self.maybe_done(portal)

    def _document(self, portal: Portal, response: Response) -> Iterator[Any]:
        page = dict(response.meta.get("page") or {})
        if not page.get("url"):
            page.update(url=response.url, title=response.meta.get("link_text", ""))
        yield self._item(portal, response, page)

    def _item(self, portal: Portal, response: Response, page: dict) -> dict:
        portal.documents += 1
        portal.pending += 1   # until the pipeline has stored it
        header = lambda name: (response.headers.get(name) or b"").decode("latin-1") or None  # noqa: E731
        return {"type": "document", "portal": portal.start_url, "url": response.url, "body": response.body,
                "content_type": header("Content-Type"), "disposition": header("Content-Disposition"),
                "etag": header("ETag"), "last_modified": header("Last-Modified"), "page": page}

    # --- failures and the end -----------------------------------------------------------------

    def failed(self, failure: Any) -> Iterator[Request]:
        request, kind = failure.request, failure.request.meta.get("kind")
        portal = self.portals[request.meta["portal"]]
        portal.pending -= 1
        response = failure.value.response if failure.check(HttpError) else None
        if failure.check(IgnoreRequest) and not failure.check(RedirectRefused) and response is None:
            self.logger.debug("ignored %s: %s", request.url, failure.value)  # robots.txt said no
        elif response is not None and shields.is_challenge(response) and not request.meta.get("again"):
            yield from self._shielded(portal, request)
        elif request.meta.get("playwright") and shields.interrupted(failure.getErrorMessage()):
            yield from self._challenged_page(portal, request, "the page (its navigation was cut short)")
        else:
            if response is not None and response.status in GONE_STATUSES and kind in ("report", "attachment"):
                portal.gone.add(request.url)
                self.journal.save_document(self.db, {"url": request.url, "status": "gone"})  # asked for again next crawl
            elif kind in LISTING_KINDS:
                portal.listing_complete = False
            self._failure(portal, request, failures.describe(failure))
        self.maybe_done(portal)

    def _failure(self, portal: Portal, request: Request, error: str) -> None:
        """A crawl_errors row for the address asked for (before any redirect)."""
        if request.meta.get("kind") in REPORTED_FAILURES:
            portal.errors += 1
            asked = (request.meta.get("redirect_urls") or [request.url])[0]
            self.journal.record_crawl_error(self.db, asked, portal.only_agency, error)

    def _shielded(self, portal: Portal, request: Request) -> Iterator[Request]:
        """A plain request stopped by a shield: a page is asked for again through the
        browser; a document again with the cookie the browser got past the shield with,
        or, until there is one, it waits for it (the start page is rendered to get it).
        A cookie the shield stopped has expired: it is dropped for a new one."""
        meta = request.meta
        portal.shielded = portal.render = True
        link = as_link(request)
        page = meta.get("page") or None
        if meta["kind"] != "attachment":
            yield from self.follow(portal, link, meta["depth"], page, render=True)
            return
        if portal.cookies and request.cookies == portal.cookies:   # the cookie expired
            portal.spent, portal.cookies = portal.cookies, {}
        if portal.cookies:   # a new one, got while this request was on its way
            yield from self.follow(portal, link, meta["depth"], page, again=True)
            return
        portal.waiting.append((link, meta["depth"], page))
        if not portal.cookie_asked:
            portal.cookie_asked = True
            yield from self.follow(portal, Link(portal.start_url, "start"), 0, render=True)

    def _challenged_page(self, portal: Portal, request: Request, where: str) -> Iterator[Request]:
        """The shield came back during a rendered page (its cookie expired): the page is
        rendered once more, the browser passing the challenge again; a second time is an error."""
        meta = request.meta
        if meta.get("again"):
            if meta["kind"] in LISTING_KINDS:
                portal.listing_complete = False
            self._failure(portal, request, f"anti-bot shield not passed by the browser: it stopped {where} twice")
            return
        portal.shielded = portal.render = True
        yield from self.follow(portal, as_link(request), meta["depth"], meta.get("page") or None,
                               render=True, again=True)

    def _past_shield(self, portal: Portal, meta: dict) -> Iterator[Request | dict]:
        """The browser passed the shield: keep its cookie, send the documents that waited.
        A page rendered before the cookie expired brings back nothing but the spent cookie:
        the documents wait on for a new one."""
        cookie = shields.page_result(meta, shields.READ_COOKIES)
        got = shields.cookies_from(cookie if isinstance(cookie, str) else None)
        fresh = {name: value for name, value in got.items() if portal.spent.get(name) != value}
        if portal.spent and not fresh:
            return
        portal.cookies.update(fresh)
        waiting, portal.waiting, portal.cookie_asked = portal.waiting, [], False
        for link, depth, page in waiting:
            yield from self.follow(portal, link, depth, page, again=True)

    def maybe_done(self, portal: Portal) -> None:
        """Report the portal done once nothing of it is pending: no request, and no item
        still on its way through the pipeline (its report is counted only once stored)."""
        if portal.pending == 0 and not portal.done:
            portal.done = True
            self.progress.portal_done(portal)

    def closed_portals(self, spider: scrapy.Spider, reason: str) -> None:
        for portal in self.portals.values():
            if not portal.done:
                portal.done = True
                self.progress.portal_done(portal)
        if reason == "finished":  # a crawl cut short saw too little to say what is gone
            finished = store.now()
            for portal in self.portals.values():
                reconcile(self.db, portal, self.years, finished)
        record_runs(self.db, self.run_id, list(self.portals.values()))
        store.save_list_pages(self.db, list(self.listed.values()))
        self.summary = {
            "portals": len(self.portals),
            "portals_failed": sum(p.status() == "failed" for p in self.portals.values()),
            "pages_fetched": sum(p.pages for p in self.portals.values()),
            "documents_fetched": sum(p.documents for p in self.portals.values()),
            "reports_found": sum(len(p.reports) for p in self.portals.values()),
            "reports_new": self.outcomes.get("new", 0),
            "reports_changed": self.outcomes.get("changed", 0),
            "reports_unchanged": self.outcomes.get("unchanged", 0) + self.outcomes.get("skipped", 0),
            "errors": sum(p.errors for p in self.portals.values()),
            "finish_reason": reason,
        }


def as_link(request: Request) -> Link:
    """The link a request was made for, to ask for it once more."""
    return Link(request.url, request.meta["kind"], request.meta.get("link_text", ""), request.method,
                request.body.decode("latin-1") if request.body else "")


def request_key(link: Link) -> str:
    """A link as it is asked for (a POST by its form too): asked once per crawl, and the
    key a list page is remembered by in ``list_pages``."""
    return " ".join(part for part in (link.method, link.url, link.body) if part)


def links_json(links: list[Link]) -> str:
    """Links as ``list_pages.links`` holds them: [url, kind, text, method, body] each."""
    return json.dumps([astuple(link) for link in links], ensure_ascii=False)


def links_from_json(text: str) -> list[Link]:
    return [Link(*fields) for fields in json.loads(text)]
