"""Distributed-crawl benchmark: one generated world (every portal on its own loopback
address) crawled by the single-machine ``nianbao crawl``, then through a local
``redis-server`` by 1, 2 and 4 workers (the seeding ``nianbao crawl --redis`` and
``crawl-worker``s), each from an empty database.

Prints per run: wall time, pages per second, Redis round trips per page (every process's
commands and pipelines, the ingest's included), the ratio of its wall time against the
single-machine crawl's, the most requests any host served at once (limit 2, fleet-wide),
and whether every report was found once. Asserts nothing.

    .venv/bin/python benchmarks/distributed.py [--portals 200] [--reports 800] [--workers 1 2 4]
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nianbao.demo.counties import generated_world  # noqa: E402
from nianbao.demo.server import PortalServer  # noqa: E402
from nianbao.demo.world import World  # noqa: E402

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
# Loopback: no politeness delay needed; the per-host concurrency limit stays at its default of 2.
FAST = ("[crawl]\ndownload_delay = 0\nautothrottle_start_delay = 0.01\nautothrottle_target_concurrency = 2\n"
        "autothrottle_max_delay = 0.5\nretry_backoff = 0.1\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def summary_numbers(text: str, prefix: str) -> dict[str, str]:
    """The ``key value`` pairs of the last ``prefix`` line a command printed."""
    line = [line for line in text.splitlines() if line.startswith(prefix)][-1]
    return dict(part.split(" ", 1) for part in line[len(prefix):].split(", "))


def run(world: World, workers: int, redis_port: int | None) -> dict[str, float]:
    """One crawl of ``world`` from an empty database; ``redis_port`` None: single-machine.
    Each fleet crawl has a Redis database of its own (numbered by its workers)."""
    with tempfile.TemporaryDirectory(prefix="nianbao-dist-") as tmp, PortalServer(world) as server:
        folder = Path(tmp)
        (folder / "nianbao.toml").write_text(FAST, encoding="utf-8")
        world.registry(server.base_url, folder / "agencies.csv")
        env = {**os.environ, "NIANBAO_CONFIG": str(folder / "nianbao.toml")}
        command = [NIANBAO, "crawl", "--registry", str(folder / "agencies.csv"), "--db", str(folder / "r.db"),
                   "--files", str(folder / "files"), "--years", world.years]
        url = f"redis://127.0.0.1:{redis_port}/{workers}"
        started = time.monotonic()
        seeder = subprocess.Popen(command + (["--redis", url] if redis_port else []), cwd=REPO, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # Workers log to files: a pipe nobody reads until the end would stop them once full.
        helpers = [subprocess.Popen([NIANBAO, "crawl-worker", "--redis", url], cwd=REPO, env=env,
                                    stdout=subprocess.DEVNULL, stderr=(folder / f"worker{n}.log").open("w"))
                   for n in range(workers - 1)]
        _, seeder_log = seeder.communicate()
        seconds = time.monotonic() - started
        if seeder.returncode != 0:
            sys.exit(f"crawl failed ({seeder.returncode}):\n{seeder_log[-2000:]}")
        logs = []
        for n, helper in enumerate(helpers):
            helper.wait()
            logs.append((folder / f"worker{n}.log").read_text())
        crawl = summary_numbers(seeder_log, "crawl: ")
        round_trips = int(crawl.get("redis_round_trips_here", 0)) + int(crawl.get("ingest_redis_round_trips", 0))
        shares = [int(crawl.get("requests_here", 0))]
        for log in logs:
            worker = summary_numbers(log, "crawl-worker: ")
            round_trips += int(worker["redis_round_trips"])
            shares.append(int(worker["requests"]))
        rows = sqlite3.connect(folder / "r.db").execute("select agency_id, year from reports").fetchall()
        return {"seconds": seconds, "pages": int(crawl["pages_fetched"]), "round_trips": round_trips,
                "requests": len(server.log), "shares": shares,
                "exact": len(rows) == len(set(rows)) and set(rows) == set(world.expected),
                "max_per_host": max(server.max_concurrent.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=200)
    parser.add_argument("--reports", type=int, default=800)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)   # each figure as soon as it is measured
    world = generated_world(args.portals, args.reports, seed=2)
    print(f"world: {len(world.sites)} portals on {len(world.sites)} loopback addresses, {len(world.agencies)} "
          f"agencies, {len(world.expected)} reports; {os.cpu_count()} cores on this machine")
    single = run(world, 1, None)
    print(f"single machine: {single['seconds']:.1f}s, {single['pages']} pages, "
          f"{single['pages'] / single['seconds']:.1f} pages/s, {single['requests']} requests, "
          f"max per host {single['max_per_host']}, every report once: {single['exact']}")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="nianbao-redis-") as tmp:
        server = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                   "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            for workers in args.workers:
                result = run(world, workers, port)
                print(f"{workers} worker(s): {result['seconds']:.1f}s, {result['pages']} pages, "
                      f"{result['pages'] / result['seconds']:.1f} pages/s, "
                      f"{result['round_trips'] / max(result['pages'], 1):.1f} Redis round trips per page, "
                      f"{single['seconds'] / result['seconds']:.2f}x the single machine's speed, "
                      f"requests per worker {result['shares']}, {result['requests']} requests served, "
                      f"max per host {result['max_per_host']}, every report once: {result['exact']}")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
