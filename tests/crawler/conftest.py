"""The demo world served on loopback and crawled by a real ``nianbao crawl`` subprocess:
once, again unchanged (no recheck due: known documents are not asked for), and again after
one report was corrected, with ``recheck_days = 0`` so every known document is revalidated.
Module-scoped: three crawls for the whole suite."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

from nianbao.demo.counties import demo_world
from nianbao.demo.server import PortalServer
from nianbao.demo.world import World
from nianbao.store import connect

REPO = Path(__file__).resolve().parents[2]
NIANBAO = str(Path(sys.executable).with_name("nianbao"))
# Loopback needs no politeness delay; the defaults stay polite for real portals.
FAST = """[crawl]
download_delay = 0
autothrottle_start_delay = 0.01
autothrottle_max_delay = 0.5
retry_backoff = 0.1
download_timeout = 15
"""
# The same, every known document's recheck due on every crawl.
REVALIDATE = FAST + "recheck_days = 0\n"
CHANGED = ("410223-wjw", 2024)


def crawl_command(folder: Path, years: str) -> list[str]:
    """``nianbao crawl`` of ``folder/agencies.csv`` into ``folder/r.db`` and ``folder/files``."""
    return [NIANBAO, "crawl", "--registry", str(folder / "agencies.csv"), "--db", str(folder / "r.db"),
            "--files", str(folder / "files"), "--years", years]


def crawl_in(folder: Path, years: str, config: str = "nianbao.toml",
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """That crawl run to its end, configured by ``folder/config``."""
    return subprocess.run(crawl_command(folder, years), cwd=REPO, capture_output=True, text=True, timeout=240,
                          env={**os.environ, "NIANBAO_CONFIG": str(folder / config), **(env or {})})


@dataclass
class Crawled:
    world: World
    server: PortalServer
    folder: Path
    runs: list[subprocess.CompletedProcess] = field(default_factory=list)
    # Documents served after each crawl; the JavaScript portal's pages are rendered again
    # whenever their recheck is due (a browser sends no If-None-Match), so it is left out.
    downloads: list[int] = field(default_factory=list)
    snapshots: list[list[tuple]] = field(default_factory=list)  # the reports table, after each crawl
    logs: list[int] = field(default_factory=list)  # length of the server log after each crawl

    @property
    def db(self) -> Path:
        return self.folder / "r.db"

    def crawl(self, config: str = "nianbao.toml") -> subprocess.CompletedProcess:
        return crawl_in(self.folder, self.world.years, config)

    def record(self, result: subprocess.CompletedProcess) -> None:
        assert result.returncode == 0, result.stderr[-3000:]
        self.runs.append(result)
        self.downloads.append(self.server.document_downloads(skip=("lankao",)))
        self.logs.append(len(self.server.log))
        self.snapshots.append(connect(self.db).execute(
            "select agency_id, year, sha256, published_at, published_at_source, versions from reports "
            "order by agency_id, year").fetchall())


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    folder = tmp_path_factory.mktemp("crawl")
    (folder / "nianbao.toml").write_text(FAST, encoding="utf-8")
    (folder / "revalidate.toml").write_text(REVALIDATE, encoding="utf-8")
    world = demo_world()
    with PortalServer(world) as server:
        state = Crawled(world, server, folder)
        world.registry(server.base_url, folder / "agencies.csv")
        state.record(state.crawl())
        state.record(state.crawl())
        world.republish(*CHANGED)
        state.record(state.crawl(config="revalidate.toml"))
        yield state
