"""The monitor as a whole: stored flags, idempotence, resolving and re-opening, --year and
--as-of, the real CLI, and the seed reports through the real parser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from monitor.report import format_flags
from nianbao import store
from parsers import parse_file
from parsers.report import Report
from tests.monitor.conftest import AGENCIES, World, make_report, stored

REPO = Path(__file__).resolve().parents[2]
SEEDS = Path("/work/shared/seeds")
W, GOV, HY = "410223-wjw", "410223-gov", "610921-wjj"


def unbalance(world: World, year: int = 2023) -> None:
    report = make_report(W, year)
    report.applications["new"]["natural_person"] += 1
    report.applications["new"]["total"] += 1
    world.save(report, W, digest=f"{year}-unbalanced".ljust(64, "0"))


def test_rerun_adds_no_duplicates_and_keeps_detected_at(world: World) -> None:
    world.full()
    unbalance(world)
    first = world.check()
    rows = stored(world.db)
    assert len(rows) == 2 and {r["rule"] for r in rows} == {"applications.balance.natural_person",
                                                             "applications.balance.total"}
    second = world.check()
    assert stored(world.db) == rows
    assert [f["detected_at"] for f in second] == [f["detected_at"] for f in first]
    assert set(first[0]) >= {"agency_id", "agency_name", "year", "kind", "rule", "message", "report_url", "detected_at"}


def test_a_scan_split_over_worker_processes_finds_the_same_flags(world: World, monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    import monitor.check

    world.full()
    unbalance(world)
    last_year = world.db.execute("select text from reports where agency_id = ? and year = 2022", [HY]).fetchone()[0]
    world.db["reports"].delete_where("agency_id = ? and year = 2023", [HY])
    world.save(make_report(HY, 2023, story=last_year.split("年，", 1)[1].split("\n", 1)[0]), HY)
    key = lambda flags: [(f["agency_id"], f["year"], f["kind"], f["rule"], f["message"]) for f in flags]  # noqa: E731
    serial = key(world.check())
    monkeypatch.setattr(monitor.check, "PARALLEL_FROM", 0)
    assert key(world.check()) == serial
    assert {f[2] for f in serial} == {"unbalanced", "copied"}


def test_a_flag_that_no_longer_holds_is_resolved_then_reopened(world: World) -> None:
    world.full()
    unbalance(world)
    world.check()
    world.db.execute("update flags set sent_at = '2024-06-01'")
    world.db.conn.commit()
    world.save(make_report(W, 2023), W)       # corrected
    assert world.check() == []
    rows = stored(world.db)
    assert len(rows) == 2 and all(r["resolved_at"] for r in rows)
    unbalance(world)                           # broken again
    assert len(world.check()) == 2
    rows = stored(world.db)
    assert len(rows) == 2 and all(r["resolved_at"] is None and r["sent_at"] is None for r in rows)


def test_year_limits_checking_and_resolving(world: World) -> None:
    world.full()
    unbalance(world, 2022)
    unbalance(world, 2023)
    assert {f["year"] for f in world.check()} == {2022, 2023}
    world.save(make_report(W, 2022), W)
    world.save(make_report(W, 2023), W)
    assert world.check(year=2023) == []
    open_years = {r["year"] for r in stored(world.db) if r["resolved_at"] is None}
    assert open_years == {2022}                # 2022 was not checked, so not resolved either


def test_as_of_moves_the_deadline(world: World) -> None:
    world.full()
    world.db["reports"].delete_where("agency_id = ? and year = 2023", [GOV])
    assert world.check(as_of=date(2024, 3, 31)) == []
    assert [(f["agency_id"], f["kind"]) for f in world.check(as_of=date(2024, 4, 1))] == [(GOV, "missing")]
    assert world.check(as_of=date(2024, 3, 1)) == []
    assert stored(world.db)[0]["resolved_at"] is not None


def test_portal_flags_use_year_zero_and_stay_out_of_a_year_run(world: World) -> None:
    world.full()
    world.run("http://127.0.0.1/hanyin/", "empty", 0)
    assert [(f["year"], f["kind"]) for f in world.check()] == [(0, "discovery_dropped")]
    assert world.check(year=2023) == []
    assert stored(world.db)[0]["resolved_at"] is None


def test_format_flags_groups_by_audience_and_kind(world: World) -> None:
    world.full()
    unbalance(world)
    world.run("http://127.0.0.1/hanyin/", "empty", 0)
    text = format_flags(world.check())
    assert text.splitlines()[0] == "共3个问题 3 flags"
    assert text.index("【机构问题】") < text.index("表格数据不平衡 unbalanced（2）") < text.index("【抓取程序运维")
    assert "2023年度 尉氏县卫生健康委员会：三、收到和处理政府信息公开申请情况 自然人列：第一项+第二项=5，第三项总计+第四项=4" in text
    assert format_flags([]) == "未发现问题 No flags."


def test_cli_monitor_json(world: World) -> None:
    world.full()
    unbalance(world)
    result = subprocess.run(
        [sys.executable, "-m", "nianbao.cli", "monitor", "--db", str(world.path), "--as-of", "2024-06-01", "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={**os.environ, "NIANBAO_CONFIG": str(world.path.parent / "none.toml")})
    assert result.returncode == 0, result.stderr
    flags = json.loads(result.stdout)
    assert isinstance(flags, list)
    # the default years (2019-2025) find 2019-2021 missing as well
    assert ("410223-wjw", 2023, "unbalanced", "applications.balance.total") in {
        (f["agency_id"], f["year"], f["kind"], f["rule"]) for f in flags}
    assert {f["year"] for f in flags if f["kind"] == "missing"} == {2019, 2020, 2021}
    bad = subprocess.run([sys.executable, "-m", "nianbao.cli", "monitor", "--db", str(world.path), "--as-of", "June"],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "not a date" in bad.stderr and "Traceback" not in bad.stderr


# --- the seeds, through the real text parser ------------------------------------------------

SEED_AGENCIES = {
    "weishi-wjw-2023.txt": "410223-wjw",
    "hanyin-wjj-2023.txt": "610921-wjj",
    "xuchang-wjw-2021.txt": "411000-wjw",
}


@pytest.fixture(scope="module")
def seeds() -> dict[str, Report]:
    if not SEEDS.is_dir():
        pytest.skip("seeds not present")
    return {name: parse_file(SEEDS / name) for name in SEED_AGENCIES}


@pytest.fixture
def seeds_world(seeds: dict[str, Report], tmp_path: Path) -> World:
    world = World(tmp_path / "reports.db")
    store.save_agencies(world.db, [{"agency_id": "411000-wjw", "agency_name": "许昌市卫生健康委员会",
                                    "region_code": "411000", "region_name": "河南省许昌市", "agency_type": "department",
                                    "start_url": "http://127.0.0.1/xuchang/"}])
    world.run("http://127.0.0.1/xuchang/", "ok", 1, started="2020-06-01T00:00:00+00:00")
    for name, agency_id in SEED_AGENCIES.items():
        report = seeds[name]
        assert report.error is None, report.error
        world.save(report, agency_id, published_at=None, fetched_at=f"{report.year + 1}-01-10T00:00:00+00:00")
    world.settings["years"] = "2021-2023"
    return world


def test_seeds_parse_to_balanced_tables_and_flag_only_missing_years(seeds_world: World) -> None:
    """Read by hand: all three seeds balance (xuchang: 3 new = 1 granted + 1 not held + 1
    duplicate; the others all zeros), use the 2021 template, state no date (so no late
    flag), and their texts agree with the tables (xuchang "共受理依申请公开3件", hanyin
    "未收到政府信息公开申请"). What remains: the years they did not publish."""
    flags = seeds_world.check(as_of=date(2024, 6, 1))
    kinds = {(f["agency_id"], f["year"], f["kind"]) for f in flags}
    assert {k for k in kinds if k[2] != "missing"} == set()
    assert {(a, y) for a, y, _ in kinds} == {
        ("410223-wjw", 2021), ("410223-wjw", 2022), ("410223-gov", 2021), ("410223-gov", 2022),
        ("410223-gov", 2023), ("610921-wjj", 2021), ("610921-wjj", 2022), ("411000-wjw", 2022),
        ("411000-wjw", 2023)}


def test_seed_with_a_wrong_number_in_its_text_is_a_narrative_flag(seeds_world: World, tmp_path: Path) -> None:
    text = (SEEDS / "xuchang-wjw-2021.txt").read_text(encoding="utf-8").replace("共受理依申请公开3件", "共受理依申请公开5件")
    path = tmp_path / "xuchang-wjw-2021.txt"
    path.write_text(text, encoding="utf-8")
    seeds_world.save(parse_file(path), "411000-wjw", published_at="2022-01-20")
    flags = [f for f in seeds_world.check(as_of=date(2024, 6, 1)) if f["kind"] not in ("missing", "changed")]
    assert [(f["agency_id"], f["year"], f["rule"]) for f in flags] == [("411000-wjw", 2021, "narrative.applications")]
    assert "共受理依申请公开5件" in flags[0]["message"] and "一、本年新收=3" in flags[0]["message"]


def test_seed_tables_broken_by_hand_are_unbalanced(seeds_world: World, tmp_path: Path) -> None:
    text = (SEEDS / "weishi-wjw-2023.txt").read_text(encoding="utf-8")
    text = text.replace("一、本年新收政府信息公开申请数量\t\t0\t0", "一、本年新收政府信息公开申请数量\t\t2\t0", 1)
    path = tmp_path / "weishi-wjw-2023.txt"
    path.write_text(text, encoding="utf-8")
    seeds_world.save(parse_file(path), "410223-wjw", published_at="2024-01-20")
    flags = {f["rule"]: f["message"] for f in seeds_world.check(as_of=date(2024, 6, 1)) if f["agency_id"] == "410223-wjw"
             and f["year"] == 2023 and f["kind"] != "changed"}
    assert flags == {
        "applications.balance.natural_person": "三、收到和处理政府信息公开申请情况 自然人列：第一项+第二项=2，第三项总计+第四项=0",
        "applications.row_total.new": "三、收到和处理政府信息公开申请情况 一、本年新收政府信息公开申请数量行：总计=0，自然人与法人或其他组织各列之和=2",
    }


def test_agencies_fixture_matches_registry_shape() -> None:
    assert all(set(a) == set(store.REGISTRY_COLUMNS) for a in AGENCIES)
