"""A crawl killed halfway and started again loses nothing and finishes the rest."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from nianbao.demo.counties import generated_world
from nianbao.demo.server import PortalServer
from nianbao.store import connect
from tests.crawler.conftest import FAST, REPO, crawl_command, crawl_in


def stored(folder: Path) -> int:
    """Reports stored so far, read without writing (the crawl owns the database)."""
    try:
        with sqlite3.connect(f"file:{folder / 'r.db'}?mode=ro", uri=True) as db:
            return db.execute("select count(*) from reports").fetchone()[0]
    except sqlite3.OperationalError:  # no database or no tables yet
        return 0


def test_killed_crawl_resumes_without_refetching(tmp_path: Path) -> None:
    world = generated_world(4, 24, seed=3)
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    command = crawl_command(tmp_path, world.years)
    env = {**os.environ, "NIANBAO_CONFIG": str(tmp_path / "nianbao.toml")}
    with PortalServer(world) as server:
        world.registry(server.base_url, tmp_path / "agencies.csv")
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        # Killed once documents are being stored (they are parsed in worker processes,
        # which start beside the crawl: the first downloads wait for them).
        while not stored(tmp_path) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        stored_before = {tuple(r) for r in connect(tmp_path / "r.db").execute("select agency_id, year from reports")}
        assert 0 < len(stored_before) < len(world.expected)
        first = server.document_downloads()
        result = crawl_in(tmp_path, world.years)
        assert result.returncode == 0, result.stderr[-2000:]
        found = {tuple(r) for r in connect(tmp_path / "r.db").execute("select agency_id, year from reports")}
        assert found == set(world.expected)
        # What was stored before the kill is not fetched again; the rest is fetched once.
        assert server.document_downloads() - first <= len(world.expected) - len(stored_before)
