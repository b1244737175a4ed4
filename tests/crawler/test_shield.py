"""A portal behind an anti-bot shield (a 521 and a cookie-setting script for a request
without the cookie), from the first request or only once files are downloaded: its pages
pass through real Chromium, its documents are plain requests carrying the cookie the
browser got, and nothing is lost or counted an error."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from nianbao.demo.counties import demo_world
from nianbao.demo.server import PortalServer
from nianbao.demo.world import write_registry
from nianbao.store import connect
from tests.crawler.conftest import FAST, crawl_in

SITE, REGION = "hanyin", "610921"   # a TRS-like portal: HTML reports and PDF / DOCX attachments


def crawl(folder: Path, years: str) -> subprocess.CompletedProcess:
    return crawl_in(folder, years, env={"TLDEXTRACT_CACHE": str(folder / "suffixes")})


@pytest.mark.parametrize("shield", ["always", "files"])
def test_shielded_portal_is_crawled_through_the_browser_and_its_cookie(shield: str, tmp_path: Path) -> None:
    world = demo_world()
    next(s for s in world.sites if s.name == SITE).shield = shield
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    expected = {key: value for key, value in world.expected.items() if key[0].startswith(REGION)}
    with PortalServer(world) as server:
        rows = [row for row in world.registry(server.base_url) if row["agency_id"].startswith(REGION)]
        write_registry(tmp_path / "agencies.csv", rows)

        first = crawl(tmp_path, world.years)
        assert first.returncode == 0, first.stderr[-3000:]
        db = connect(tmp_path / "r.db")
        found = {(a, y): (p, s) for a, y, p, s in db.execute(
            "select agency_id, year, published_at, published_at_source from reports")}
        assert found == expected
        assert db.execute("select url, error from crawl_errors").fetchall() == []
        # Cookies are checked against the public-suffix list bundled with tldextract:
        # nothing was fetched from its online sources (it keeps those under urls/).
        assert not (tmp_path / "suffixes" / "urls").exists()
        log = [(path, status) for _, _, path, status in server.log]
        files = [(path, status) for path, status in log if path.endswith((".pdf", ".docx"))]
        assert all((path, 200) in files for path, _ in files)       # every file was got in the end…
        if shield == "always":
            assert log[:2] == [("/robots.txt", 521), ("/", 521)]     # …past a shield met at once
            assert (("/", 200)) in log and 521 not in {status for _, status in files}
        else:
            assert log[1] == ("/", 200) and 521 in {status for _, status in files}   # …or at the first file

        mark = len(server.log)
        again = crawl(tmp_path, world.years)
        assert again.returncode == 0, again.stderr[-3000:]
        assert db.execute("select count(*) from crawl_errors").fetchone()[0] == 0
        assert "reports_found 4" in again.stderr and "reports_unchanged 4" in again.stderr
        assert not [p for _, _, p, s in server.log[mark:] if s == 200 and p.endswith((".pdf", ".docx"))]


ONE_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \S+ [A-Z]+: |\[\d+/\d+\] |crawl: )")


@pytest.mark.parametrize("lasts", [2, 6, 9])   # expires on the page's data, on a page, on a document
def test_a_shield_that_comes_back_mid_portal_is_passed_again(lasts: int, tmp_path: Path) -> None:
    """A JavaScript portal behind a shield whose first cookie expires part-way through the
    crawl: whatever meets the challenge again (a page, the data a page draws, a document)
    is asked for once more after the browser passed it again, and nothing is lost."""
    world = demo_world()
    site = next(s for s in world.sites if s.name == "lankao")
    site.shield, site.shield_lasts = "always", lasts
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    with PortalServer(world) as server:
        rows = [row for row in world.registry(server.base_url) if row["agency_id"].startswith("410225")]
        write_registry(tmp_path / "agencies.csv", rows)
        result = crawl(tmp_path, world.years)
    assert result.returncode == 0, result.stderr[-3000:]
    statuses = [status for name, _, _, status in server.log if name == "lankao"]
    assert 521 in statuses[statuses.index(200):]   # the shield came back after it had been passed
    db = connect(tmp_path / "r.db")
    assert db.execute("select url, error from crawl_errors").fetchall() == []
    assert set(db.execute("select agency_id, year from reports")) == {
        key for key in world.expected if key[0].startswith("410225")}
    assert all(ONE_LINE.match(line) for line in result.stderr.splitlines()), result.stderr[-3000:]
