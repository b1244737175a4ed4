"""A registry row whose start URL is no web address (a ``javascript:`` cell, a typo without
a scheme, a file or FTP address) is a warning and a crawl error; every other portal of the
registry is crawled as usual and the crawl finishes."""

from __future__ import annotations

from pathlib import Path

from nianbao.demo.counties import demo_world
from nianbao.demo.server import PortalServer
from nianbao.demo.world import write_registry
from nianbao.store import connect
from tests.crawler.conftest import FAST, crawl_in

BAD_START_URLS = {
    "bad-js": ("javascript:alert(1)", "not an http(s) address: 'javascript:alert(1)'"),
    "bad-typo": ("www.hanyin.gov.cn/xxgk/", "not an http(s) address: 'www.hanyin.gov.cn/xxgk/'"),
    "bad-file": ("file:///etc/passwd", "not an http(s) address: 'file:///etc/passwd'"),
    "bad-ftp": ("ftp://127.0.0.1/ndbg/", "not an http(s) address: 'ftp://127.0.0.1/ndbg/'"),
    "bad-host": ("http:///xxgk/", "no host in the address: 'http:///xxgk/'"),
}
GOOD = ("610921", "411025")   # 汉阴 (TRS) and 襄城 (VSB): plain HTML portals


def test_bad_start_urls_are_errors_and_every_other_portal_is_crawled(tmp_path: Path) -> None:
    world = demo_world()
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    with PortalServer(world) as server:
        good = [row for row in world.registry(server.base_url) if row["agency_id"].startswith(GOOD)]
        bad = [{**good[0], "agency_id": agency_id, "start_url": url} for agency_id, (url, _) in BAD_START_URLS.items()]
        write_registry(tmp_path / "agencies.csv", bad + good)   # the bad rows first: nothing after them may be lost
        result = crawl_in(tmp_path, world.years)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "finish_reason finished" in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "start_url refused" in line]
    assert len(warnings) == len(BAD_START_URLS)
    db = connect(tmp_path / "r.db")
    errors = {agency_id: (url, error) for url, agency_id, error in db.execute(
        "select url, agency_id, error from crawl_errors")}
    assert errors == BAD_START_URLS
    found = {key for key in db.execute("select agency_id, year from reports")}
    assert found == {key for key in world.expected if key[0].startswith(GOOD)}
    statuses = dict(db.execute("select start_url, status from portal_runs"))
    assert {statuses[url] for url, _ in BAD_START_URLS.values()} == {"failed"}
