"""A crawl stays on each portal's own site: a page that redirects to another domain (a
clone, a spam site) is a crawl error, and nothing it holds is stored."""

from __future__ import annotations

from pathlib import Path

from crawler.pages import same_site, site
from nianbao.demo.counties import demo_world
from nianbao.demo.server import PortalServer
from nianbao.demo.site import Page
from nianbao.demo.world import write_registry
from nianbao.store import connect
from tests.crawler.conftest import FAST, crawl_in


def test_site_is_the_registrable_domain_or_the_address() -> None:
    assert site("http://www.xx.gov.cn/a") == site("https://xx.gov.cn:8080/b") == "xx.gov.cn"
    assert site("http://xx.gov.cn.spam-clone.com/a") == "spam-clone.com"
    assert site("http://127.0.0.11:4000/") == "127.0.0.11" != site("http://127.0.0.12:4000/")


def test_same_site_is_the_same_host_or_registrable_domain() -> None:
    assert same_site("http://www.xx.gov.cn/a", "http://www.xx.gov.cn:8080/b")
    assert same_site("http://www.xx.gov.cn/a", "https://xx.gov.cn/")
    assert not same_site("http://xx.gov.cn.spam-clone.com/a", "http://xx.gov.cn/")
    assert not same_site("http://127.0.0.11/", "http://127.0.0.12/")


def test_a_redirect_to_another_site_is_an_error_not_a_report(tmp_path: Path) -> None:
    world = demo_world()
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    with PortalServer(world) as server:
        moved = next(s for s in world.sites if s.name == "hanyin")
        elsewhere = server.base_url("weishi") + "/col/col1229/index.html"   # another county's portal
        moved.pages["/old/"] = Page(b"", status=302, headers={"Location": elsewhere})
        rows = [{**row, "start_url": server.base_url("hanyin") + "/old/"}
                for row in world.registry(server.base_url) if row["agency_id"].startswith("610921")]
        write_registry(tmp_path / "agencies.csv", rows)
        result = crawl_in(tmp_path, world.years)
    assert result.returncode == 0, result.stderr[-3000:]
    db = connect(tmp_path / "r.db")
    assert db.execute("select count(*) from reports").fetchone()[0] == 0
    assert db.execute("select url, error from crawl_errors").fetchall() == [
        (server.base_url("hanyin") + "/old/", f"redirected off the portal to {elsewhere.split('/')[2]}")]
    assert db.execute("select status from portal_runs").fetchone()[0] == "failed"
