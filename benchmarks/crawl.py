"""Crawl benchmark: a generated world of many portals on loopback, crawled twice.

Prints pages/s, reports/s, peak memory of the crawl (its process tree), the time of the first crawl,
of a second, unchanged crawl (no recheck due: first list pages only), of a third with every known
document's recheck due (``recheck_days = 0``: one conditional request each), and the most
requests any one host ever served at once (the per-host limit is 2). Asserts nothing.

    .venv/bin/python benchmarks/crawl.py [--portals 50] [--reports 500]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.memory import run_measured  # noqa: E402
from nianbao.demo.counties import generated_world  # noqa: E402
from nianbao.demo.server import PortalServer  # noqa: E402

# Loopback: no politeness delay needed; the per-host concurrency limit stays at its default of 2.
FAST = "[crawl]\ndownload_delay = 0\nautothrottle_start_delay = 0.01\nautothrottle_target_concurrency = 2\nautothrottle_max_delay = 0.5\nretry_backoff = 0.1\n"
REVALIDATE = FAST + "recheck_days = 0\n"


def crawl(folder: Path, years: str, config: str = "nianbao.toml") -> tuple[float, int]:
    """One ``nianbao crawl`` subprocess: (seconds, peak MB of it and its children, Chromium included)."""
    result, seconds, peak = run_measured(
        [str(Path(sys.executable).with_name("nianbao")), "crawl", "--registry", str(folder / "agencies.csv"),
         "--db", str(folder / "reports.db"), "--files", str(folder / "files"), "--years", years],
        cwd=REPO, env={**os.environ, "NIANBAO_CONFIG": str(folder / config)})
    if result.returncode != 0:
        sys.exit(f"crawl failed ({result.returncode}):\n{result.stderr[-2000:]}")
    print(result.stderr.strip().splitlines()[-1])
    return seconds, round(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=50)
    parser.add_argument("--reports", type=int, default=500)
    args = parser.parse_args()
    started = time.monotonic()
    world = generated_world(args.portals, args.reports, seed=1)
    print(f"world: {len(world.sites)} portals, {len(world.agencies)} agencies, {len(world.expected)} reports, "
          f"years {world.years} (generated in {time.monotonic() - started:.1f}s)")
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp, PortalServer(world) as server:
        folder = Path(tmp)
        (folder / "nianbao.toml").write_text(FAST, encoding="utf-8")
        (folder / "revalidate.toml").write_text(REVALIDATE, encoding="utf-8")
        world.registry(server.base_url, folder / "agencies.csv")
        first, memory = crawl(folder, world.years)
        requests_first = len(server.log)
        downloads_first = server.document_downloads()
        second, memory2 = crawl(folder, world.years)
        requests_second = len(server.log)
        third, _ = crawl(folder, world.years, "revalidate.toml")
        db = sqlite3.connect(folder / "reports.db")
        stored = {(agency, year): (day, source) for agency, year, day, source in db.execute(
            "select agency_id, year, published_at, published_at_source from reports")}
        found = set(stored)
        pages = db.execute("select sum(pages_fetched) from portal_runs where run_id = "
                           "(select min(run_id) from portal_runs)").fetchone()[0]
        right = sum(stored.get(key) == dated for key, dated in world.expected.items())
        print(f"first crawl:  {first:.1f}s  {requests_first} requests, {pages} pages, "
              f"{downloads_first} documents; {requests_first / first:.1f} requests/s, {pages / first:.1f} pages/s, "
              f"{len(found) / first:.1f} reports/s")
        print(f"second crawl: {second:.2f}s ({100 * second / first:.1f}% of the first), "
              f"{server.document_downloads() - downloads_first} documents downloaded again, "
              f"{requests_second - requests_first} requests")
        print(f"third crawl, every recheck due: {third:.2f}s ({100 * third / first:.1f}% of the first), "
              f"{server.document_downloads() - downloads_first} documents downloaded again, "
              f"{len(server.log) - requests_second} requests")
        print(f"reports found: {len(found)} of {len(world.expected)} expected, {right} with the expected "
              f"published_at and source; missing: {sorted(set(world.expected) - found)[:5]}")
        print(f"peak memory of a crawl (PSS summed over the crawler and its children): {max(memory, memory2)} MB")
        print(f"max concurrent requests per host: {max(server.max_concurrent.values())} (limit 2)")


if __name__ == "__main__":
    main()
