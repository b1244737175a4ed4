"""The full monitor on a generated database of 100,000 reports: wall time and peak memory.

    .venv/bin/python benchmarks/monitor.py [--reports 100000] [--db PATH] [--keep]

Generation is fast because it skips the parser: reports are bulk-inserted with texts
assembled from a bank of sentences, and every report's tables are one balanced
prototype with some values multiplied by a per-report factor (``cells`` follow by the
store's triggers).
Then a realistic share of reports is broken: unbalanced, blank cells, late, early, on
the wrong template, copied (from last year or another agency), changed; some agencies
never publish a year, some portals fail three runs in a row or stop yielding. The
monitor then runs as ``nianbao monitor`` in a subprocess (targets: < 30 s, < 500 MB), its
memory sampled over its whole process tree (``benchmarks/memory.py``).
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.memory import run_measured  # noqa: E402
from nianbao import store  # noqa: E402
from parsers.template import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, active_items, application_rows  # noqa: E402

YEARS = range(2019, 2025)
AGENCIES_PER_PORTAL = 10
TYPES = ("department",) * 8 + ("government", "township")
WORDS = "政务公开信息发布平台建设制度培训监督考核解读回应关切依申请办理规范标准化网站新媒体栏目专题保密审查流程"


def sentence_bank(rng: random.Random, size: int = 300_000) -> list[str]:
    return ["".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30))) + "。" for _ in range(size)]


def prototype(template: str) -> dict[str, dict[str, dict[str, tuple[int, bool]]]]:
    """(value, scaled) per cell of one balanced report: ``scaled`` values are multiplied
    by a per-report factor, which keeps every rule balanced."""
    tables: dict[str, dict[str, dict[str, tuple[int, bool]]]] = {"active": {}, "applications": {},
                                                                   "review_litigation": {}}
    for item in active_items(template):
        for column in item.columns:
            key = column.key if len(item.columns) > 1 else "value"
            tables["active"].setdefault(item.key, {})[key] = (1 if key in ("in_force", "decisions", "value") else 0,
                                                              False)
    scaled = {"new": 2, "granted": 1, "unavailable.not_held": 1, "processed_total": 2}
    for row in application_rows(template):
        tables["applications"][row.key] = {
            column.key: (scaled.get(row.key, 0) if column.key in ("natural_person", "total") else 0, True)
            for column in APPLICANT_COLUMNS}
    for group in REVIEW_GROUPS:
        tables["review_litigation"][group.key] = {column.key: (0, False) for column in REVIEW_COLUMNS}
    return tables


def tables_json(proto: dict[str, dict[str, dict[str, tuple[int, bool]]]], factor: int) -> str:
    return json.dumps({table: {row: {col: value * factor if scaled else value for col, (value, scaled) in cols.items()}
                               for row, cols in rows.items()} for table, rows in proto.items()})


def agencies(rng: random.Random) -> Iterator[dict[str, str]]:
    for number in itertools.count():
        portal = number // AGENCIES_PER_PORTAL
        yield {"agency_id": f"a{number:06d}", "agency_name": f"第{number}号县某某局",
               "region_code": f"{410000 + portal:06d}", "region_name": f"某某省某某市第{portal}县",
               "agency_type": rng.choice(TYPES), "start_url": f"http://portal{portal}.example/"}


def generate(path: Path, count: int, seed: int = 7) -> Counter:
    """Write the database, with exactly ``count`` reports; returns how many of each
    planted problem it holds."""
    rng = random.Random(seed)
    db = store.connect(path)
    conn = db.conn
    conn.execute("PRAGMA synchronous = OFF")
    bank = sentence_bank(rng)
    protos = {template: prototype(template) for template in ("2019", "2021")}
    planted: Counter = Counter()
    table_text = "二、主动公开政府信息情况 " + " ".join(label for _, label in
                                                 [(c.key, c.label) for c in APPLICANT_COLUMNS] * 20) + " 五、存在的主要问题及改进情况 "
    rows, texts_by_agency, registry = [], {}, []
    report_id = 0

    def insert() -> None:
        with conn:
            conn.executemany(
                "insert into reports (id, agency_id, year, title, url, file_type, format, published_at, "
                "published_at_source, sha256, text, first_seen_at, versions, tables) "
                "values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        rows.clear()

    for agency in agencies(rng):
        if report_id >= count:
            break
        registry.append(agency)
        for year in YEARS:
            if report_id >= count:
                break
            if len(rows) >= 5000:
                insert()
            if rng.random() < 0.02:
                planted["missing (agency-year without report)"] += 1
                continue
            report_id += 1
            roll = rng.random()
            if roll < 0.02 and (agency["agency_id"], year - 1) in texts_by_agency:
                body = texts_by_agency[(agency["agency_id"], year - 1)]
                planted["copied from last year"] += 1
            elif roll < 0.025 and texts_by_agency:
                body = texts_by_agency[rng.choice(list(texts_by_agency)[-50:])]
                planted["copied from another agency (or last year)"] += 1
            else:
                body = "".join(rng.choices(bank, k=rng.randint(60, 100)))
            texts_by_agency[(agency["agency_id"], year)] = body
            if len(texts_by_agency) > 200:
                texts_by_agency.pop(next(iter(texts_by_agency)))
            published = f"{year + 1}-01-{rng.randint(5, 28):02d}"
            if rng.random() < 0.05:
                published, planted["late"] = f"{year + 1}-0{rng.randint(4, 9)}-10", planted["late"] + 1
            elif rng.random() < 0.005:
                published, planted["early"] = f"{year}-12-10", planted["early"] + 1
            template = "2021" if year >= 2021 else "2019"
            if rng.random() < 0.01 and year >= 2021:
                template, planted["template"] = "2019", planted["template"] + 1
            stated = f"本年共收到政府信息公开申请{2 * (report_id % 5)}件。"   # as table 三 says: no flag
            text = (f"{agency['agency_name']}{year}年政府信息公开工作年度报告 一、总体情况 {body[:len(body) // 2]}"
                    f"{stated}{table_text}{body[len(body) // 2:]} 六、其他需要报告的事项 无。")
            rows.append((report_id, agency["agency_id"], year, f"{agency['agency_name']}{year}年度报告",
                         f"{agency['start_url']}{year}/{report_id}.html", "html", template, published, "page",
                         f"{report_id:064x}", text, f"{year + 1}-01-30T00:00:00+00:00", 1,
                         tables_json(protos[template], report_id % 5)))
    insert()
    store.save_agencies(db, registry)
    with conn:
        broken = rng.sample(range(1, report_id + 1), report_id // 20)
        unbalanced, blank, changed = broken[: len(broken) // 2], broken[len(broken) // 2: len(broken) * 3 // 4], \
            broken[len(broken) * 3 // 4:]
        # 三（七）总计 one too high for natural persons (and so in 总计): the balance and the
        # results rules each fail in those two columns; the row itself still adds up
        conn.executemany("update reports set tables = json_set(tables, "
                         "'$.applications.processed_total.natural_person', "
                         "json_extract(tables, '$.applications.processed_total.natural_person') + 1, "
                         "'$.applications.processed_total.total', "
                         "json_extract(tables, '$.applications.processed_total.total') + 1) where id = ?",
                         [(i,) for i in unbalanced])
        conn.executemany("update reports set tables = json_set(tables, '$.review_litigation.review.total', null) "
                         "where id = ?", [(i,) for i in blank])
        conn.executemany("insert into report_versions (report_id, agency_id, year, text, replaced_at) "
                         "select id, agency_id, year, text || '（旧版）', '2025-03-01' from reports where id = ?",
                         [(i,) for i in changed])
        conn.executemany("update reports set changed_at = '2025-03-01T00:00:00+00:00', versions = 2 where id = ?",
                         [(i,) for i in changed])
        planted.update({"unbalanced (4 flags each)": len(unbalanced), "blank cells": len(blank), "changed": len(changed)})
        portals = sorted({a["start_url"] for a in registry})
        runs = []
        for number, url in enumerate(portals):
            statuses = ["ok", "ok", "ok"]
            found = [AGENCIES_PER_PORTAL * len(YEARS)] * 3
            if number % 100 == 1:
                statuses, planted["unreachable portal"] = ["failed"] * 3, planted["unreachable portal"] + 1
            elif number % 100 == 2:
                found[-1], planted["discovery dropped"] = 3, planted["discovery dropped"] + 1
            for run, (status, n) in enumerate(zip(statuses, found)):
                runs.append((f"run{run}", url, f"2019-0{run + 1}-01T00:00:00+00:00", n if status == "ok" else 0, status))
        conn.executemany("insert into portal_runs (run_id, start_url, started_at, reports_found, status) "
                         "values (?,?,?,?,?)", runs)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="where to write the database (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    path = args.db or folder / "reports.db"
    started = time.monotonic()
    planted = generate(path, args.reports)
    cells = store.connect(path).execute("select count(*) from cells").fetchone()[0]
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
    print(f"generated {args.reports:,} reports, {cells:,} cells, {size:,.0f} MB in {time.monotonic() - started:.1f} s")
    print("planted: " + ", ".join(f"{k} {v}" for k, v in planted.items()))
    config = folder / "bench.toml"
    config.write_text('years = "2019-2024"\n', encoding="utf-8")
    command = [sys.executable, "-m", "nianbao.cli", "monitor", "--db", str(path), "--config", str(config),
               "--as-of", "2025-06-01", "--json"]
    for label in ("first run", "second run (flags already stored)"):
        result, elapsed, peak = run_measured(command, cwd=REPO)
        if result.returncode != 0:
            print(f"monitor failed: {result.stderr[-2000:]}")
            return
        flags = json.loads(result.stdout)
        print(f"monitor {label}: {elapsed:.1f} s wall, peak memory {peak:.0f} MB (PSS summed over the monitor "
              f"and its workers), {len(flags):,} flags")
    kinds = Counter(f["kind"] for f in flags)
    print("flags by kind: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    if not args.keep and not args.db:
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
