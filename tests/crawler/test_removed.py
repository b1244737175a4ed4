"""``reports.removed_at``: set when a portal's lists stop leading to a stored report or its
URL answers 404, cleared when the report is back; the row itself is never deleted."""

from __future__ import annotations

from pathlib import Path

from monitor.check import check
from nianbao.config import load
from nianbao.demo.counties import generated_world
from nianbao.demo.server import PortalServer
from nianbao.store import connect
from tests.crawler.conftest import FAST, REVALIDATE, crawl_in

UNLISTED = ("419000-d01", 2024)  # a DOCX behind an article page on a Hanweb portal
TAKEN_DOWN = ("419001-gov", 2024)  # an HTML report on a TRS portal, still listed


def test_removed_reports_are_marked_and_cleared_on_return(tmp_path: Path) -> None:
    world = generated_world(2, 4, seed=5)
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    (tmp_path / "revalidate.toml").write_text(REVALIDATE, encoding="utf-8")

    def crawl(config: str) -> dict[tuple[str, int], str | None]:
        result = crawl_in(tmp_path, world.years, config)
        assert result.returncode == 0, result.stderr[-2000:]
        rows = connect(tmp_path / "r.db").execute("select agency_id, year, removed_at from reports").fetchall()
        return {(agency, year): removed for agency, year, removed in rows}

    with PortalServer(world) as server:
        world.registry(server.base_url, tmp_path / "agencies.csv")
        first = crawl("nianbao.toml")
        assert set(first) == set(world.expected) and not any(first.values())

        world.unlist(*UNLISTED)
        world.take_down(*TAKEN_DOWN)
        second = crawl("revalidate.toml")  # the recheck is due, so the taken-down page is asked for
        assert set(second) == set(world.expected)  # nothing deleted
        assert {key for key, removed in second.items() if removed} == {UNLISTED, TAKEN_DOWN}
        flags = check(connect(tmp_path / "r.db"), load(tmp_path / "nianbao.toml"), as_of=world.as_of)
        assert {(f["agency_id"], f["year"]) for f in flags if f["kind"] == "removed"} == {UNLISTED, TAKEN_DOWN}

        third = crawl("nianbao.toml")
        assert third == second  # still gone: the first removal date stands

        world.restore(*UNLISTED)
        world.restore(*TAKEN_DOWN)
        fourth = crawl("nianbao.toml")  # listed again; no recheck due, yet the mark is cleared
        assert not any(fourth.values())
