"""The demo portals crawled beside a portal serving the hostile files of issue 12: every
demo report is still found, and each hostile file is one crawl_errors row saying why."""

from __future__ import annotations

from pathlib import Path

from nianbao.demo import hostile as H
from nianbao.demo.counties import demo_world
from nianbao.demo.server import PortalServer
from nianbao.demo.world import write_registry
from nianbao.store import connect
from tests.crawler.conftest import FAST, crawl_in


def test_hostile_files_are_crawl_errors_and_the_crawl_goes_on(tmp_path: Path) -> None:
    world = demo_world()
    site, agency = H.hostile_site()
    world.sites.append(site)
    world.agencies.append(agency)
    (tmp_path / "nianbao.toml").write_text(FAST + "parse_seconds = 20\n", encoding="utf-8")
    with PortalServer(world) as server:
        write_registry(tmp_path / "agencies.csv", world.registry(server.base_url))
        result = crawl_in(tmp_path, world.years)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    db = connect(tmp_path / "r.db")
    found = {tuple(row) for row in db.execute("select agency_id, year from reports")}
    assert found == set(world.expected)
    errors = dict(db.execute("select url, error from crawl_errors where url like ?", (f"{server.base_url('hostile')}%",)))
    assert sorted(url.split("/")[-1] for url in errors) == sorted(path.split("/")[-1] for path in H.FILES)
    assert all("too large" in error or "not a report" in error for error in errors.values()), errors
