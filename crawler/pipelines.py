"""Downloaded bytes → ``parsers.parse_bytes`` → ``nianbao.store``.

A document whose bytes the crawler already stored is not parsed again. Anything that
goes wrong (a parse error, an empty page, a page that is not a report) becomes a
``crawl_errors`` row or a rejected ``documents`` row — never an exception, and never a
replacement of the last good version of a report.
"""

from __future__ import annotations

from typing import Any

from crawler import pages
from crawler.matching import looks_like_report, match_agency, report_year
from nianbao import store
from parsers import parse_bytes


class StorePipeline:
    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        spider = spider or self.spider
        portal = spider.portals[item["portal"]]
        try:
            return self._process(spider, portal, item)
        finally:
            portal.pending -= 1
            spider.maybe_done(portal)

    def _process(self, spider: Any, portal: Any, item: dict[str, Any]) -> dict[str, Any]:
        known = spider.known_for(portal, item["url"]) or {}
        if item["type"] == "unchanged":
            self._seen_again(spider, portal, item["url"], known)
            return {"url": item["url"], "outcome": "unchanged"}
        digest = store.sha256(item["body"])
        if known.get("sha256") == digest and known.get("status") in ("stored", "rejected", "unmatched"):
            self._seen_again(spider, portal, item["url"], known)
            return {"url": item["url"], "outcome": "skipped"}
        outcome = self._store(spider, portal, item, digest)
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

    def _store(self, spider: Any, portal: Any, item: dict[str, Any], digest: str) -> str:
        url, page = item["url"], item["page"]
        report = parse_bytes(item["body"], url, item["content_type"], item.get("images"))
        if report.error:
            portal.errors += 1
            store.record_crawl_error(spider.db, url, portal.only_agency, f"cannot parse: {report.error}")
            return "error"
        title = page.get("title") or report.title or ""
        document = {"url": url, "kind": "file" if url != page.get("url") else "page", "page_url": page.get("url"),
                    "sha256": digest, "etag": item["etag"], "last_modified": item["last_modified"],
                    "content_length": len(item["body"]), "filename": pages.attachment_name(item["disposition"])}
        if not (looks_like_report(title, report.text) or looks_like_report(report.title or "", report.text)):
            store.save_document(spider.db, {**document, "status": "rejected"})
            return "rejected"
        agency = match_agency(portal.agencies, title, report.text) or match_agency(
            portal.agencies, report.title or "", report.text)
        year = report_year(title, report.text, report.year)
        if agency is None or year not in spider.years:
            store.save_document(spider.db, {**document, "status": "unmatched",
                                            "matched_against": portal.matched_against(spider.years)})
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
                                        "published_at": published_at, "published_at_source": source})
        portal.reports.add((agency.agency_id, year))
        return outcome
