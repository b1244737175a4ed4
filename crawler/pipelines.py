"""Downloaded bytes → ``parsers.parse_bytes`` (in ``crawler.parsing``'s worker processes,
awaited from threads of the pipeline's own, one per worker, so the crawl goes on
meanwhile and documents waiting for a worker hold no thread Scrapy needs, as for DNS)
→ ``nianbao.store``.

A document whose bytes the crawler already stored is not parsed again. Anything that
goes wrong (a parse error, an empty page, a page that is not a report) becomes a
``crawl_errors`` row and a ``documents`` row that says why — never an exception, never a
silent drop, and never a replacement of the last good version of a report.
"""

from __future__ import annotations

from typing import Any

from scrapy.utils.defer import deferred_to_future
from twisted.internet import threads
from twisted.python.threadpool import ThreadPool

from crawler import pages
from crawler.parsing import Limits, ParsePool
from crawler.revisit import SETTLED
from nianbao import store
from parsers import identity
from parsers.report import Report


class StorePipeline:
    pool: ParsePool | None = None
    threads: ThreadPool | None = None

    def open_spider(self, spider: Any = None) -> None:
        limits = Limits.from_settings(self.crawler.settings.getdict("NIANBAO_PARSE_LIMITS"))
        self.pool = ParsePool(limits)
        self.threads = ThreadPool(minthreads=0, maxthreads=limits.workers, name="parsing")
        self.threads.start()

    def close_spider(self, spider: Any = None) -> None:
        if self.threads is not None:
            self.threads.stop()
        if self.pool is not None:
            self.pool.close()

    async def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        spider = spider or self.spider
        portal = spider.portals[item["portal"]]
        try:
            return await self._process(spider, portal, item)
        finally:
            portal.pending -= 1
            spider.maybe_done(portal)

    async def _parse(self, item: dict[str, Any]) -> Report:
        from twisted.internet import reactor  # the one Scrapy installed: importing it earlier would install another

        assert self.pool is not None and self.threads is not None
        return await deferred_to_future(threads.deferToThreadPool(
            reactor, self.threads, self.pool.parse, item["body"], item["url"], item["content_type"],
            item.get("images")))

    async def _process(self, spider: Any, portal: Any, item: dict[str, Any]) -> dict[str, Any]:
        return self.settled(spider, portal, item) or self.stored(spider, portal, item, await self._parse(item))

    def settled(self, spider: Any, portal: Any, item: dict[str, Any]) -> dict[str, Any] | None:
        """The outcome of an item that needs no parsing (a 304, bytes already judged), else
        None; an item's digest is taken here, once (``item["sha256"]``)."""
        known = spider.known_for(portal, item["url"]) or {}
        if item["type"] == "unchanged":
            self._seen_again(spider, portal, item["url"], known)
            return {"url": item["url"], "outcome": "unchanged"}
        item["sha256"] = store.sha256(item["body"])
        if known.get("sha256") == item["sha256"] and known.get("status") in SETTLED:
            self._seen_again(spider, portal, item["url"], known)
            return {"url": item["url"], "outcome": "skipped"}
        return None

    def stored(self, spider: Any, portal: Any, item: dict[str, Any], report: Report) -> dict[str, Any]:
        """An item ``settled`` left, with its parsed report, matched and stored (``nianbao
        ingest`` calls this too)."""
        outcome = self._store(spider, portal, item, item["sha256"], report)
        spider.outcomes[outcome] = spider.outcomes.get(outcome, 0) + 1
        return {"url": item["url"], "outcome": outcome}

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StorePipeline":
        pipeline = cls()
        pipeline.crawler = crawler
        return pipeline

    @property
    def spider(self) -> Any:
        return self.crawler.spider

    def _seen_again(self, spider: Any, portal: Any, url: str, known: dict) -> None:
        """Checked just now and unchanged: its recheck period starts again."""
        store.save_document(spider.db, {"url": url})
        spider.stands(portal, known)

    def _store(self, spider: Any, portal: Any, item: dict[str, Any], digest: str, report: Report) -> str:
        """Parse, match and store one document. What is not stored stays visible in
        ``documents`` with its reason; one that may still be a registered agency's report
        of a crawled year names those agencies in ``candidates`` (``*``: it names no body,
        so it could be anyone's), and the monitor will not say they published nothing."""
        url, page = item["url"], item["page"]
        title = page.get("title") or report.title or ""
        document = {"url": url, "kind": "file" if url != page.get("url") else "page", "page_url": page.get("url"),
                    "start_url": portal.start_url, "title": title, "agency_found": report.agency,
                    "sha256": digest, "etag": item["etag"], "last_modified": item["last_modified"],
                    "content_length": len(item["body"]), "filename": pages.attachment_name(item["disposition"])}
        year = report.year or next(iter(identity.title_years(title)), None)
        if report.error:
            portal.errors += 1
            store.record_crawl_error(spider.db, url, portal.only_agency, f"cannot parse: {report.error}")
            self._unresolved(spider, portal, document, "error", f"cannot parse: {report.error}", year, report)
            return "error"
        decoy = identity.decoy_word(title) or identity.decoy_word(report.title or "")
        if decoy:
            store.save_document(spider.db, {**document, "year": year, "status": "rejected",
                                            "reason": f"look-alike ({decoy})", "candidates": None})
            return "rejected"
        if not (identity.looks_like_report(title, report.text) or identity.looks_like_report(report.title or "", report.text)):
            if not any(w in title + (report.title or "") for w in identity.REPORT_WORDS):
                store.save_document(spider.db, {**document, "year": year, "status": "rejected",
                                                "reason": "not a report", "candidates": None})
                return "rejected"
            self._unresolved(spider, portal, document, "unread", "titled as a report but does not read as one",
                             year, report)
            return "rejected"
        named = report.agency or identity.title_agency(title)
        agency = identity.match_agency(portal.agencies, named)
        if agency is None or year not in spider.years:
            reason = (f"year {year} not crawled" if agency is not None
                      else f"names {named}, not a registered agency of this portal" if named
                      else "names no agency")
            self._unresolved(spider, portal, document, "unmatched", reason, year, report)
            return "rejected"
        published_at, source = page.get("published_at"), page.get("published_at_source")
        if not published_at and report.published_at:
            published_at, source = report.published_at, pages.normalise_source(report.published_at_source)
        if not published_at and pages.url_date(url):
            published_at, source = pages.url_date(url), "url"
        digest, path = store.store_file(spider.files_dir, item["body"], report.file_type)
        _, outcome = store.save_report(
            spider.db, agency_id=agency.agency_id, report=report, url=page.get("url") or url, file_url=url,
            digest=digest, file_path=str(path), published_at=published_at, published_at_source=source)
        store.save_document(spider.db, {**document, "agency_id": agency.agency_id, "year": year, "status": "stored",
                                        "reason": None, "candidates": None,
                                        "published_at": published_at, "published_at_source": source})
        portal.reports.add((agency.agency_id, year))
        return outcome

    def _unresolved(self, spider: Any, portal: Any, document: dict[str, Any], status: str, reason: str,
                    year: int | None, report: Any) -> None:
        """A document that may be a report but was not taken: kept with why, and which of the
        portal's agencies it could belong to."""
        found = identity.candidates(portal.agencies, document["title"] or "", report.text or "")
        store.save_document(spider.db, {
            **document, "year": year, "status": status, "reason": reason,
            "candidates": "*" if found is None else ",".join(a.agency_id for a in found) or None,
            "matched_against": portal.matched_against(spider.years)})
