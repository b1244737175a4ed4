"""A report that fits no registered agency (another department's, on a county column
shared by many) is not stored, but not forgotten either: once its agency joins the
registry, the next crawl stores it, without waiting for a recheck and without fetching
anything else again."""

from __future__ import annotations

from pathlib import Path

from nianbao.demo.counties import demo_world
from nianbao.demo.server import PortalServer
from nianbao.demo.world import write_registry
from nianbao.store import connect
from tests.crawler.conftest import FAST, crawl_in

COLUMN, LATER = "weishi", "410223-jyj"   # a Hanweb column listing every department's reports


def test_a_report_of_an_agency_added_later_is_stored_by_the_next_crawl(tmp_path: Path) -> None:
    world = demo_world()
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    expected = {key for key in world.expected if key[0].startswith("410223")}
    with PortalServer(world) as server:
        rows = [row for row in world.registry(server.base_url) if row["start_url"].startswith(server.base_url(COLUMN))]

        def crawl(agencies: list[dict[str, str]]) -> set[tuple[str, int]]:
            write_registry(tmp_path / "agencies.csv", agencies)
            result = crawl_in(tmp_path, world.years)
            assert result.returncode == 0, result.stderr[-3000:]
            return set(connect(tmp_path / "r.db").execute("select agency_id, year from reports").fetchall())

        assert crawl([row for row in rows if row["agency_id"] != LATER]) == {k for k in expected if k[0] != LATER}
        statuses = connect(tmp_path / "r.db").execute("select status, count(*) from documents group by status")
        assert dict(statuses.fetchall())["unmatched"] >= 1
        downloads = server.document_downloads()

        assert crawl(rows) == expected           # no recheck is due, yet the report is found at once
        assert server.document_downloads() - downloads == 1   # and only it was fetched again
        downloads = server.document_downloads()
        assert crawl(rows) == expected
        assert server.document_downloads() == downloads
