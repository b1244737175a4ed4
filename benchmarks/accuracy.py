"""Accuracy benchmark: the varied world (``nianbao.demo.variety``), crawled and monitored for real.

Serves ``variety_world`` on loopback (each portal its own 127.0.0.x), runs ``nianbao crawl`` and
``nianbao monitor --as-of <world.as_of> --json``, then prints, beside their targets: recall and
precision of the (agency, year) stored; the share of stored reports with the expected published_at
(both also by each form of each variation, ``World.variations``); precision and recall of the missing, late and unbalanced flags; how many review flags were raised
and how many of them stand where a missing or unbalanced flag would have been a false accusation.
Asserts nothing.

    .venv/bin/python benchmarks/accuracy.py [--seed 0] [--counties 8] [--list 10] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nianbao.demo.server import PortalServer  # noqa: E402
from nianbao.demo.variety import VARIETY_COUNTIES, variety_world  # noqa: E402
from nianbao.demo.world import World  # noqa: E402

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
FAST = ("[crawl]\ndownload_delay = 0\nautothrottle_start_delay = 0.01\nautothrottle_max_delay = 0.5\n"
        "retry_backoff = 0.1\n")
Key = tuple[str, int]


def run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([NIANBAO, *args, "--db", str(folder / "reports.db")], cwd=REPO, capture_output=True,
                            text=True, env={**os.environ, "NIANBAO_CONFIG": str(folder / "nianbao.toml")})
    if result.returncode != 0:
        sys.exit(f"{args[0]} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return result


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}% ({part}/{whole})" if whole else "n/a (0/0)"


def line(label: str, figure: str, target: str) -> None:
    print(f"  {label:<34} {figure:<22} target {target}")


def report(world: World, stored: dict[Key, str | None], flags: dict[str, set[Key]], shown: int) -> None:
    expected = set(world.expected)
    found = set(stored)
    print("reports stored:")
    line("recall", share(len(found & expected), len(expected)), ">= 99%")
    line("precision", share(len(found & expected), len(found)), "100%")
    dated = {key for key in found & expected if stored[key] == world.expected[key][0]}
    line("published_at as expected", share(len(dated), len(found & expected)), ">= 98%")
    print(f"    not stored: {sorted(expected - found)[:shown]}")
    print(f"    stored but not expected: {sorted(found - expected)[:shown]}")
    wrong = sorted((key, stored[key], world.expected[key][0]) for key in (found & expected) - dated)
    print(f"    published_at (stored, expected): {wrong[:shown]}")
    print("  by variation (stored/expected, with the right published_at/stored), the forms that fall short:")
    for aspect in next(iter(world.variations.values()), {}):
        tally: dict[str, list[int]] = {}
        for key, forms in world.variations.items():
            counts = tally.setdefault(forms[aspect], [0, 0, 0])
            counts[0] += key in found
            counts[1] += 1
            counts[2] += key in dated
        short = [f"{form} {s}/{n} ({d}/{s})" for form, (s, n, d) in sorted(tally.items()) if s < n or d < s]
        print(f"    {aspect}: {', '.join(short) or 'all right'}")
    targets = {"missing": ("100%", ">= 98%"), "late": ("-", ">= 95%"), "unbalanced": ("-", "-")}
    for kind, (precision_target, recall_target) in targets.items():
        want, got = world.flags[kind], flags.get(kind, set())
        print(f"{kind} flags: {len(got)} raised, {len(want)} expected")
        line("precision", share(len(got & want), len(got)), precision_target)
        line("recall", share(len(got & want), len(want)), recall_target)
        print(f"    raised, not expected: {sorted(got - want)[:shown]}")
        print(f"    expected, not raised: {sorted(want - got)[:shown]}")
    review = flags.get("review", set())
    published = expected - world.flags["missing"]
    averted_missing = review & (published - found)
    averted_unbalanced = review & ((found & expected) - world.flags["unbalanced"])
    print(f"review flags: {len(review)} raised; {len(averted_missing)} on a report not stored (a missing flag "
          f"would have been false), {len(averted_unbalanced)} on a stored balanced report")
    other = {kind: len(keys) for kind, keys in flags.items() if kind not in (*targets, "review")}
    print(f"other flags: {other}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--counties", type=int, default=len(VARIETY_COUNTIES))
    parser.add_argument("--list", type=int, default=10, help="how many misses of each kind to name")
    parser.add_argument("--keep", type=Path, help="crawl into this folder and keep it (reports.db, files) to look into")
    args = parser.parse_args()
    started = time.monotonic()
    world = variety_world(args.seed, args.counties)
    townships = sum(a["agency_type"] == "township" for a in world.agencies)
    print(f"world: {len(world.sites)} portals, {len(world.agencies)} agencies ({townships} townships), "
          f"{len(world.expected)} reports, years {world.years}, as of {world.as_of} "
          f"(generated in {time.monotonic() - started:.1f}s)")
    with tempfile.TemporaryDirectory(prefix="nianbao-accuracy-") as tmp, PortalServer(world) as server:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "nianbao.toml").write_text(f'years = "{world.years}"\n' + FAST, encoding="utf-8")
        world.registry(server.base_url, folder / "agencies.csv")
        started = time.monotonic()
        run(folder, "crawl", "--registry", str(folder / "agencies.csv"), "--files", str(folder / "files"),
            "--years", world.years)
        print(f"crawl: {time.monotonic() - started:.1f}s")
        raised = json.loads(run(folder, "monitor", "--as-of", world.as_of.isoformat(), "--json").stdout)
        db = sqlite3.connect(folder / "reports.db")
        stored = {(agency, year): day for agency, year, day in
                  db.execute("select agency_id, year, published_at from reports")}
    flags: dict[str, set[Key]] = {}
    for flag in raised:
        flags.setdefault(flag["kind"], set()).add((flag["agency_id"], flag["year"]))
    report(world, stored, flags, args.list)


if __name__ == "__main__":
    main()
