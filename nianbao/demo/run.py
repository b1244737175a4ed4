"""`nianbao demo`: the whole system on one machine, offline, in one command.

It starts the bundled demo portal on 127.0.0.1, writes the registry of its agencies,
crawls it with the real crawler, runs the monitor, prepares the database for browsing,
prints a short summary and serves the result in Datasette until Ctrl-C.

Where it writes: unless ``--db`` names another file, everything goes to ``data/demo/``
(``reports.db``, ``files/``, ``agencies.csv``), which is emptied first, so the demo
always shows the same thing and never touches the real ``data/reports.db``. With
``--db PATH`` the files go beside PATH and nothing is deleted.

The crawl runs as a subprocess (``nianbao crawl``): Twisted's reactor cannot be started
twice in one process, and the demo must not be the one process that can never crawl again.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import sqlite_utils

from nianbao.errors import UserError

DEMO_DIR = Path("data/demo")
DEMO_DB = DEMO_DIR / "reports.db"


class DemoError(UserError):
    """A step of the demo failed; the message says which, in one line."""


def demo_paths(settings: dict, db_path: str) -> tuple[Path, bool]:
    """(database path, whether the demo owns its folder and may empty it).

    The CLI passes the configured main database when no ``--db`` was given; the demo
    then uses its own folder instead of crawling into the real database.
    """
    if Path(db_path) == Path(settings["db"]):
        return DEMO_DB, True
    return Path(db_path), False


def _empty(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def _crawl(registry: Path, db: Path, files: Path, years: str) -> None:
    command = [sys.executable, "-m", "nianbao.cli", "crawl", "--registry", str(registry), "--db", str(db),
               "--files", str(files), "--years", years]
    result = subprocess.run(command, stdout=sys.stderr)
    if result.returncode != 0:
        raise DemoError(f"the demo crawl failed (exit {result.returncode}); see the messages above")


def summary(db: sqlite_utils.Database, url: str | None) -> str:
    """What the demo found, in a few lines a person reads before opening the browser."""
    agencies = db.execute("select count(*), count(distinct region_code) from agencies").fetchone()
    by_type = Counter(dict(db.execute("select file_type, count(*) from reports group by file_type").fetchall()))
    flags = Counter(dict(db.execute(
        "select kind, count(*) from flags where resolved_at is null group by kind").fetchall()))
    errors = db.execute("select count(*) from crawl_errors").fetchone()[0]
    lines = [
        f"Agencies 机构: {agencies[0]} in {agencies[1]} counties",
        f"Reports found 年报: {sum(by_type.values())} — "
        + ", ".join(f"{kind} {n}" for kind, n in sorted(by_type.items())),
        f"Open flags 问题: {sum(flags.values())} — "
        + ", ".join(f"{kind} {n}" for kind, n in flags.most_common()),
        f"Crawl errors 抓取错误: {errors}",
    ]
    if url:
        lines += [f"Datasette: {url}/", f"  flags 问题清单: {url}/reports/flag_list?status=open",
                  f"  charts 图表:    {url}/-/dashboards/overview", "Ctrl-C stops it."]
    return "\n".join(lines)


def run_demo(settings: dict, *, db_path: str, host: str, port: int, serve: bool = True) -> None:
    from monitor.check import check
    from nianbao import serve as serving
    from nianbao.demo.counties import demo_world
    from nianbao.demo.server import PortalServer
    from nianbao.store import connect

    db, owned = demo_paths(settings, db_path)
    folder = db.resolve().parent  # absolute, so the stored file paths work from any directory
    if serve:
        serving.check_port(host, port)  # fail now, not after the crawl
    if owned:
        _empty(db)
    folder.mkdir(parents=True, exist_ok=True)
    world = demo_world()
    registry = folder / "agencies.csv"
    with PortalServer(world) as portal:
        world.registry(portal.base_url, registry)
        _crawl(registry, db, folder / "files", world.years)
    database = connect(db)
    # Judged over the demo's own years, as of a day that makes its missing and late reports show.
    check(database, {**settings, "years": world.years}, as_of=world.as_of, year=None)
    serving.prepare(database)
    url = f"http://{host}:{port}" if serve else None
    print(summary(database, url), flush=True)
    if serve:
        serving.serve(str(db), host=host, port=port, settings=settings)
