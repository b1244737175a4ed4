"""A crawl spread over workers through a real ``redis-server`` (Debian's, on a free
loopback port): the seeding ``nianbao crawl --redis`` and one ``nianbao crawl-worker``
against the fixture portals; every report once, both workers at work, the per-host
limit held by the two together, and a worker killed midway losing nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest
import redis

from nianbao.demo.counties import demo_world, generated_world
from nianbao.demo.server import PortalServer
from nianbao.store import connect
from tests.crawler.conftest import FAST, NIANBAO, REPO, crawl_command
from tests.nianbao.conftest import free_port

LIMIT = 2   # concurrent_per_host: the default, for the whole fleet


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline and server.poll() is None, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait()


def _config(folder: Path, lease_seconds: float = 30) -> dict[str, str]:
    (folder / "nianbao.toml").write_text(FAST + f"lease_seconds = {lease_seconds}\n", encoding="utf-8")
    return {**os.environ, "NIANBAO_CONFIG": str(folder / "nianbao.toml")}


def _worker(redis_url: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([NIANBAO, "crawl-worker", "--redis", redis_url], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=log.open("w"))


def _requests_served(log: Path) -> int:
    """The requests a worker acknowledged, from its last line (``crawl-worker: requests N, …``)."""
    last = log.read_text().strip().splitlines()[-1]
    assert last.startswith("crawl-worker: "), last
    return int(last.split("requests ")[1].split(",")[0])


def _stored(db: Path) -> list[tuple]:
    return connect(db).execute("select agency_id, year from reports order by agency_id, year").fetchall()


def test_two_workers_find_every_report_once_within_the_fleet_limit(tmp_path: Path, redis_url: str) -> None:
    world = demo_world()
    env = _config(tmp_path)
    with PortalServer(world) as server:
        world.registry(server.base_url, tmp_path / "agencies.csv")
        seeder = subprocess.Popen(crawl_command(tmp_path, world.years) + ["--redis", redis_url], cwd=REPO, env=env,
                                  stdout=subprocess.DEVNULL, stderr=(tmp_path / "seeder.log").open("w"))
        worker = _worker(redis_url, env, tmp_path / "worker.log")
        assert seeder.wait(timeout=240) == 0, (tmp_path / "seeder.log").read_text()[-3000:]
        assert worker.wait(timeout=60) == 0, (tmp_path / "worker.log").read_text()[-3000:]
    stored = _stored(tmp_path / "r.db")
    assert len(stored) == len(set(stored))
    assert set(stored) == set(world.expected)
    db = connect(tmp_path / "r.db")
    assert {r[0] for r in db.execute("select distinct file_type from reports")} == {"html", "pdf", "docx", "doc"}
    # One run of portal_runs, written once, every listing read whole where the portal answered.
    runs = db.execute("select count(distinct run_id), count(*) from portal_runs").fetchone()
    assert runs == (1, len({row["start_url"] for row in world.registry(server.base_url)}))
    assert db.execute("select count(*) from list_pages").fetchone()[0] > 0
    assert _requests_served(tmp_path / "worker.log") > 0   # the second worker did part of the work
    assert "crawl: " in (tmp_path / "seeder.log").read_text()
    assert max(server.max_concurrent.values()) <= LIMIT


def test_a_worker_killed_midway_loses_nothing_and_stores_nothing_twice(tmp_path: Path, redis_url: str) -> None:
    world = generated_world(6, 60, seed=5)
    env = _config(tmp_path, lease_seconds=3)
    with PortalServer(world) as server:
        world.registry(server.base_url, tmp_path / "agencies.csv")
        seeder = subprocess.Popen(crawl_command(tmp_path, world.years) + ["--redis", redis_url], cwd=REPO, env=env,
                                  stdout=subprocess.DEVNULL, stderr=(tmp_path / "seeder.log").open("w"))
        doomed = _worker(redis_url, env, tmp_path / "doomed.log")
        deadline = time.monotonic() + 120
        while server.document_downloads() < 15 and time.monotonic() < deadline and doomed.poll() is None:
            time.sleep(0.02)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
        assert seeder.wait(timeout=240) == 0, (tmp_path / "seeder.log").read_text()[-3000:]
    stored = _stored(tmp_path / "r.db")
    assert len(stored) == len(set(stored))
    assert set(stored) == set(world.expected)
    db = connect(tmp_path / "r.db")
    assert db.execute("select count(*) from documents where status = 'stored'").fetchone()[0] == len(world.expected)
    assert db.execute("select count(*) from reports where removed_at is not null").fetchone()[0] == 0
    assert max(server.max_concurrent.values()) <= LIMIT


def test_a_worker_without_redis_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run([NIANBAO, "crawl-worker", "--redis", "redis://127.0.0.1:1/0"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "cannot reach Redis" in result.stderr
