"""The demo's own decisions, without a crawl: where it writes and what it prints."""

from __future__ import annotations

from pathlib import Path

from nianbao.config import load
from nianbao.demo.run import DEMO_DB, demo_paths, summary
from nianbao.store import connect


def test_the_demo_never_writes_into_the_configured_database(tmp_path: Path) -> None:
    settings = load(tmp_path / "none.toml", environ={})
    assert demo_paths(settings, settings["db"]) == (DEMO_DB, True)
    assert demo_paths(settings, str(tmp_path / "mine.db")) == (tmp_path / "mine.db", False)


def test_summary_counts_agencies_reports_and_flags(world_db: Path) -> None:
    text = summary(connect(world_db), "http://127.0.0.1:9999")
    assert "Agencies 机构: 6 in 2 counties" in text
    assert "Reports found 年报: 17 — html 17" in text
    assert "Open flags 问题: 4 — " in text
    assert all(f"{kind} 1" in text for kind in ("missing", "late", "unbalanced", "changed"))
    assert "Crawl errors 抓取错误: 1" in text
    assert "Datasette: http://127.0.0.1:9999/" in text
    assert "Datasette" not in summary(connect(world_db), None)
