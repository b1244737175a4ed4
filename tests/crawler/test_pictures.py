"""A report page whose tables are pictures: the crawler fetches its pictures with it,
and the report is stored read by OCR, its tables in doubt — not left as an error that
would make its agency look as if it had published nothing."""

from __future__ import annotations

import json
from pathlib import Path

from nianbao.demo import scans
from nianbao.demo.counties import demo_world
from nianbao.demo.server import PortalServer
from nianbao.demo.site import Page, Site
from nianbao.demo.world import write_registry
from nianbao.store import connect
from tests.crawler.conftest import FAST, crawl_in
from tests.parsers.generated import sample

ARTICLE = "/art/2024/1/20/art_3001_1.html"
AGENCY = {"agency_id": "410223-wjw", "agency_name": "尉氏县卫生健康委员会", "region_code": "410223",
          "region_name": "河南省开封市尉氏县", "agency_type": "department"}


def picture_site() -> Site:
    """A portal's annual-report column with one report whose tables are pictures."""
    report = sample(63, "2021", agency=AGENCY["agency_name"])
    page, pictures = scans.picture_page(report, seed=63, dpi=150)
    listing = (f'<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">'
               f'<li><a href="{ARTICLE}">{report["title"]}</a><span>2024-01-20</span></li></ul></body></html>')
    site = Site("pictures", "plain", "尉氏县")
    site.pages["/col/col3001/index.html"] = Page(listing.encode("utf-8"))
    site.pages[ARTICLE] = Page(page, document=True)
    for src, data in pictures.items():
        site.pages[src] = Page(data, content_type=f"image/{Path(src).suffix.lstrip('.')}")
    return site


def test_a_page_of_pictures_is_stored_read_by_ocr(tmp_path: Path) -> None:
    world = demo_world()
    world.sites = [picture_site()]
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    with PortalServer(world) as server:
        start = server.base_url("pictures") + "/col/col3001/index.html"
        write_registry(tmp_path / "agencies.csv", [{**AGENCY, "start_url": start, "render": ""}])
        result = crawl_in(tmp_path, "2023-2023")
    assert result.returncode == 0, result.stderr[-3000:]
    db = connect(tmp_path / "r.db")
    assert db.execute("select url, error from crawl_errors").fetchall() == []
    stored = db.execute("select agency_id, year, file_type, ocr, doubts from reports").fetchall()
    assert [row[:4] for row in stored] == [("410223-wjw", 2023, "html", 1)]
    assert set(json.loads(stored[0][4])) == {"active", "applications", "review_litigation"}
