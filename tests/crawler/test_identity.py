"""A document is its author's, whoever links to it: a report attached under one agency's
page but naming another body is that body's, or, when that body is not registered, no
one's — and then it stays in ``documents`` with the reason, as evidence for the monitor."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

from nianbao.demo import documents as D
from nianbao.demo.server import PortalServer
from nianbao.demo.site import Page, Site
from nianbao.demo.world import World
from nianbao.store import connect
from tests.crawler.conftest import FAST, crawl_in

REGION = "河南省开封市尉氏县"
AGENCIES = [("410223-gov", "尉氏县人民政府", "government"), ("410223-wjw", "尉氏县卫生健康委员会", "department")]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _page(title: str, body: str) -> Page:
    return Page(f"<html><head><title>{html.escape(title)}</title></head><body>{body}</body></html>".encode())


def _world(attached_by: str) -> World:
    """One column: the health commission's page for 2023 attaches a report written by ``attached_by``."""
    site = Site("weishi", "other", "尉氏县")
    page_title = "尉氏县卫生健康委员会2023年政府信息公开工作年度报告"
    site.pages["/col/index.html"] = _page("政府信息公开年报", f'<ul><li><a href="/art/2024/1/22/a1.html">{page_title}</a></li></ul>')
    site.pages["/art/2024/1/22/a1.html"] = _page(page_title, f'<h1>{page_title}</h1><p>发布日期：2024-01-22</p>'
                                                 '<p><a href="/files/a1.docx">附件：年度报告.docx</a></p>')
    report = D.sample_report(5, agency=attached_by, year=2023)
    site.pages["/files/a1.docx"] = Page(D.render_docx(report), DOCX, document=True)
    agencies = [{"agency_id": a, "agency_name": n, "region_code": "410223", "region_name": REGION, "agency_type": t,
                 "site": "weishi", "start_path": "/col/index.html", "render": ""} for a, n, t in AGENCIES]
    return World([site], agencies, {}, "2023-2023", date(2024, 6, 1))


def _crawl(tmp_path: Path, attached_by: str) -> tuple[list[tuple], list[dict]]:
    world = _world(attached_by)
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    with PortalServer(world) as server:
        world.registry(server.base_url, tmp_path / "agencies.csv")
        result = crawl_in(tmp_path, world.years)
    assert result.returncode == 0, result.stderr[-3000:]
    db = connect(tmp_path / "r.db")
    reports = db.execute("select agency_id, year, published_at from reports").fetchall()
    return reports, list(db.query("select status, reason, candidates, agency_found, year from documents "
                                  "where kind = 'file'"))


def test_a_document_naming_a_registered_body_is_that_bodys(tmp_path: Path) -> None:
    reports, _ = _crawl(tmp_path, "尉氏县人民政府")
    assert reports == [("410223-gov", 2023, "2024-01-22")]


def test_a_document_naming_an_unregistered_body_is_no_ones_and_says_why(tmp_path: Path) -> None:
    reports, documents = _crawl(tmp_path, "尉氏县教育局")
    assert reports == []
    # Listed under the commission's title, it may still be the commission's report misfiled:
    # the monitor asks a person (review) rather than call the commission's report missing.
    assert documents == [{"status": "unmatched", "reason": "names 尉氏县教育局, not a registered agency of this portal",
                          "candidates": "410223-wjw", "agency_found": "尉氏县教育局", "year": 2023}]
