"""``nianbao registry add | discover | check``: a registry built from the division data and
from what the county portals publish, and checked line by line.

Discovery runs the real commands against the demo portals on loopback: from a registry of
the counties' governments only, ``discover --apply`` and a crawl must store every report
the hand-written full registry stores, propose every body by its full official name, and
propose nothing for a look-alike or another county's report met on the portal.
"""

from __future__ import annotations

import csv
import os
import subprocess
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

import pytest

from nianbao.cli import main
from nianbao.demo.builder import Builder, County, Planned
from nianbao.demo.counties import demo_world
from nianbao.demo.server import PortalServer
from nianbao.demo.world import World, write_registry
from nianbao.proposals import Body, propose
from nianbao.registry import check
from nianbao.serve import prepare
from nianbao.store import connect, save_document
from tests.crawler.conftest import FAST, NIANBAO, REPO, crawl_in

# The body on the demo's 尉氏县 column that publishes a real report but is not in the full
# registry (a true find, not a look-alike).
UNLISTED = "尉氏县自然资源局"


def registry_command(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """``nianbao registry …`` on ``folder/agencies.csv``, crawling into ``folder/r.db``."""
    return subprocess.run([NIANBAO, "registry", *args, "--registry", str(folder / "agencies.csv"),
                           "--db", str(folder / "r.db")], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NIANBAO_CONFIG": str(folder / "nianbao.toml")})


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def stored(folder: Path) -> set[tuple[str, int]]:
    """(agency name, year) of every stored report: ids may differ between registries, bodies may not."""
    return set(connect(folder / "r.db").execute(
        "select a.agency_name, r.year from reports r join agencies a using (agency_id)").fetchall())


# --- add ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("county, agency_id, name, region", [
    ("尉氏县", "410223-gov", "尉氏县人民政府", "河南省开封市尉氏县"),
    ("河南省开封市尉氏县", "410223-gov", "尉氏县人民政府", "河南省开封市尉氏县"),
    ("610921", "610921-gov", "汉阴县人民政府", "陕西省安康市汉阴县"),
    ("开封市鼓楼区", "410204-gov", "开封市鼓楼区人民政府", "河南省开封市鼓楼区"),
    ("北京市朝阳区", "110105-gov", "北京市朝阳区人民政府", "北京市朝阳区"),
    ("济源市", "419001-gov", "济源市人民政府", "河南省济源市"),
    ("东莞市", "441900-gov", "东莞市人民政府", "广东省东莞市"),
])
def test_add_fills_the_code_and_region_from_the_division_data(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                            county: str, agency_id: str, name: str, region: str) -> None:
    registry = tmp_path / "agencies.csv"
    assert main(["registry", "add", county, "--portal", "https://www.example.gov.cn/xxgk/", "--registry",
                 str(registry), "--db", str(tmp_path / "r.db")]) == 0
    assert read_csv(registry) == [{"agency_id": agency_id, "agency_name": name, "region_code": agency_id[:6],
                                   "region_name": region, "agency_type": "government",
                                   "start_url": "https://www.example.gov.cn/xxgk/", "render": ""}]
    assert check(registry) == []


@pytest.mark.parametrize("county, words", [
    ("朝阳区", ("北京市朝阳区 (110105)", "吉林省长春市朝阳区 (220104)")),
    ("鼓楼区", ("江苏省南京市鼓楼区", "江苏省徐州市鼓楼区", "福建省福州市鼓楼区", "河南省开封市鼓楼区")),
    ("410200", ("no county has the division code 410200",)),
    ("尉氏市", ("no county is called 尉氏市",)),
])
def test_add_a_name_that_is_ambiguous_or_unknown_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                                     county: str, words: tuple[str, ...]) -> None:
    registry = tmp_path / "agencies.csv"
    assert main(["registry", "add", county, "--portal", "http://x.example/", "--registry", str(registry)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and all(word in err for word in words), err
    assert not registry.exists()


def test_add_refuses_a_county_already_there_and_a_portal_that_is_no_web_address(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    registry = tmp_path / "agencies.csv"
    assert main(["registry", "add", "尉氏县", "--portal", "http://x.example/", "--registry", str(registry)]) == 0
    assert main(["registry", "add", "410223", "--portal", "http://y.example/", "--registry", str(registry)]) == 2
    assert main(["registry", "add", "杞县", "--portal", "www.qixian.gov.cn", "--registry", str(registry)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "410223-gov (尉氏县人民政府) is already in" in err[0] and "http(s)" in err[1]
    assert len(read_csv(registry)) == 1


# --- check -------------------------------------------------------------------------------------

def test_check_says_every_problem_in_one_line_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    weishi = {"region_code": "410223", "region_name": "河南省开封市尉氏县", "start_url": "http://weishi.example/"}
    rows = [
        {"agency_id": "410223-gov", "agency_name": "尉氏县人民政府", "agency_type": "government", **weishi},
        {"agency_id": "410223-wjw", "agency_name": "尉氏县卫生健康委员会", "agency_type": "department", **weishi},
        {"agency_id": "410223-wjw", "agency_name": "尉氏县教育局", "agency_type": "department", **weishi},
        {"agency_id": "410223-txw", "agency_name": "通许县卫生健康委员会", "agency_type": "department", **weishi},
        {"agency_id": "410299-mzj", "agency_name": "尉氏县民政局", "agency_type": "department",
         **{**weishi, "region_code": "410299"}},
        {"agency_id": "410222-czj", "agency_name": "尉氏县财政局", "agency_type": "department",
         **{**weishi, "region_code": "410222"}},
        {"agency_id": "410223-zsz", "agency_name": "尉氏县张市镇人民政府", "agency_type": "department", **weishi},
        {"agency_id": "410223-sj", "agency_name": "尉氏县审计局", "agency_type": "department",
         **{**weishi, "start_url": "ftp://weishi.example/"}},
        {"agency_id": "410223-tj", "agency_name": "尉氏县统计局", "agency_type": "bureau", **weishi},
    ]
    registry = tmp_path / "agencies.csv"
    write_registry(registry, [{**row, "render": ""} for row in rows])
    assert main(["registry", "check", "--registry", str(registry)]) == 1
    lines = capsys.readouterr().out.splitlines()
    expected = {
        4: "duplicate agency_id (first on line 3)",
        5: "通许县卫生健康委员会 names 通许县, outside 河南省开封市尉氏县",
        6: "region_code 410299 is no division's code",
        7: "region_code 410222 is 河南省开封市通许县, not 河南省开封市尉氏县",
        8: "agency_type department does not fit 尉氏县张市镇人民政府 (township)",
        9: "start_url 'ftp://weishi.example/' is not an http(s) URL",
        10: "agency_type 'bureau' is not one of department, government, township",
    }
    assert len(lines) == len(expected), lines
    for number, problem in expected.items():
        assert any(line.startswith(f"{registry} line {number}: ") and line.endswith(problem) for line in lines), problem


def test_check_is_silent_on_a_sound_registry_and_a_missing_file_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    registry = tmp_path / "agencies.csv"
    demo_world().registry(lambda site: f"http://{site}.example", registry)
    assert main(["registry", "check", "--registry", str(registry)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["registry", "check", "--registry", str(tmp_path / "none.csv")]) == 1
    assert capsys.readouterr().out.strip() == f"{tmp_path / 'none.csv'}: registry not found"


# --- discover on the demo portals ---------------------------------------------------------------

@dataclass
class Discovered:
    world: World
    folder: Path
    full: list[dict[str, str]]          # the hand-written registry, as the demo ships it
    proposed: list[dict[str, str]]      # what discover wrote beside the governments-only registry
    seconds: float
    applied: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def discovered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Discovered]:
    folder = tmp_path_factory.mktemp("discover")
    (folder / "nianbao.toml").write_text(FAST, encoding="utf-8")
    world = demo_world()
    with PortalServer(world) as server:
        full = world.registry(server.base_url)
        write_registry(folder / "agencies.csv", [row for row in full if row["agency_type"] == "government"])
        started = time.monotonic()
        result = registry_command(folder, "discover", "--files", str(folder / "files"), "--years", world.years)
        seconds = time.monotonic() - started
        assert result.returncode == 0, result.stderr[-3000:]
        proposed = read_csv(folder / "agencies.proposed.csv")
        applied = registry_command(folder, "discover", "--apply", "--no-crawl")
        assert applied.returncode == 0, applied.stderr[-3000:]
        crawled = crawl_in(folder, world.years)
        assert crawled.returncode == 0, crawled.stderr[-3000:]
        yield Discovered(world, folder, full, proposed, seconds, applied)


def test_discover_proposes_every_body_by_its_full_name_and_nothing_else(discovered: Discovered) -> None:
    there = {row["agency_name"] for row in discovered.full if row["agency_type"] != "government"} | {UNLISTED}
    names = [row["agency_name"] for row in discovered.proposed]
    assert sorted(names) == sorted(there)       # precision and recall 1: no look-alike, no other county
    by_name = {row["agency_name"]: row for row in discovered.full}
    for row in discovered.proposed:
        if row["agency_name"] in by_name:
            want = by_name[row["agency_name"]]
            assert (row["agency_type"], row["region_code"], row["region_name"], row["start_url"]) == \
                   (want["agency_type"], want["region_code"], want["region_name"], want["start_url"])
        assert row["action"] == "add" and row["evidence"].startswith("http") and row["years"]
    assert "通许县卫生健康委员会 is outside its portal's county" in discovered.applied.stderr


def test_discover_ids_are_stable_and_readable(discovered: Discovered) -> None:
    ids = {row["agency_name"]: row["agency_id"] for row in discovered.proposed}
    assert ids["尉氏县卫生健康委员会"] == "410223-wjw" and ids["尉氏县张市镇人民政府"] == "410223-zsz"
    assert ids[UNLISTED] == "410223-zrzyj" and len(set(ids.values())) == len(ids)


def test_discover_apply_then_crawl_stores_every_report_the_full_registry_stores(discovered: Discovered) -> None:
    full_names = {row["agency_id"]: row["agency_name"] for row in discovered.full}
    wanted = {(full_names[agency_id], year) for agency_id, year in discovered.world.expected}
    assert wanted <= stored(discovered.folder)
    assert stored(discovered.folder) - wanted == {(UNLISTED, 2023)}
    assert check(discovered.folder / "agencies.csv") == []


def test_discover_after_apply_proposes_nothing_more(discovered: Discovered) -> None:
    again = registry_command(discovered.folder, "discover", "--no-crawl", "--json")
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.strip() == "[]"


def test_a_crawl_keeps_the_bodies_it_could_not_match_for_datasette(discovered: Discovered, tmp_path: Path) -> None:
    db = connect(discovered.folder / "r.db")
    prepare(db)
    seen = {row["agency_found"] for row in db.query("select agency_found from seen_not_registered")}
    assert seen == {"通许县卫生健康委员会"}   # the one body registered nowhere on its portal's county


# --- renames -----------------------------------------------------------------------------------

RENAMING = County("weishi", "hanweb", "尉氏县", "410223", "河南省开封市尉氏县",
                  [("gov", "尉氏县人民政府", "government"), ("jyj", "尉氏县教育局", "department"),
                   ("czj", "尉氏县财政局", "department")])


def renaming_world() -> World:
    """A county whose township was made a town (张市乡 → 张市镇), whose education bureau took on
    sports (教育局 → 教育体育局, registered under its old name), and whose town 洧川镇 writes its
    name bare — plus a sports bureau (体育局) that is no rename, and a finance bureau registered
    with a column of its own that the county's column lists as well."""
    b = Builder(7)
    b.county(RENAMING, [
        Planned("410223-gov", "尉氏县人民政府", 2023, "html", "2024-03-20", "page"),
        Planned("410223-jyj", "尉氏县教育局", 2023, "html", "2024-01-20", "page"),
        Planned("x-jtj", "尉氏县教育体育局", 2024, "html", "2025-01-20", "page"),
        Planned("x-zsx", "尉氏县张市乡人民政府", 2023, "html", "2024-01-22", "page"),
        Planned("x-zsz", "尉氏县张市镇人民政府", 2024, "html", "2025-01-22", "page"),
        Planned("x-wcz", "洧川镇", 2024, "html", "2025-01-23", "page"),
        Planned("x-tyj", "尉氏县体育局", 2024, "html", "2025-01-24", "page"),
        Planned("410223-czj", "尉氏县财政局", 2024, "html", "2025-01-25", "page"),
    ], [("尉氏县2025年政务公开工作要点", "2025-03-01", "notice")])
    return b.world("2023-2024", date(2025, 6, 1))


def test_renamed_bodies_are_proposed_as_renames_not_as_new_agencies(tmp_path: Path) -> None:
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    world = renaming_world()
    with PortalServer(world) as server:
        rows = world.registry(server.base_url)
        own_column = server.base_url("weishi").rstrip("/") + "/czj/index.html"
        write_registry(tmp_path / "agencies.csv",
                       [{**row, "start_url": own_column} if row["agency_id"] == "410223-czj" else row for row in rows])
        result = registry_command(tmp_path, "discover", "--files", str(tmp_path / "files"), "--years", world.years)
    assert result.returncode == 0, result.stderr[-3000:]
    proposed = {row["agency_name"]: row for row in read_csv(tmp_path / "agencies.proposed.csv")}
    assert set(proposed) == {"尉氏县教育体育局", "尉氏县张市镇人民政府", "尉氏县洧川镇人民政府", "尉氏县体育局"}
    assert (proposed["尉氏县教育体育局"]["action"], proposed["尉氏县教育体育局"]["agency_id"],
            proposed["尉氏县教育体育局"]["former_name"]) == ("rename", "410223-jyj", "尉氏县教育局")
    town = proposed["尉氏县张市镇人民政府"]
    assert (town["action"], town["former_name"], town["years"], town["agency_type"]) == \
           ("add", "尉氏县张市乡人民政府", "2023 2024", "township")
    assert proposed["尉氏县体育局"]["action"] == "add" and not proposed["尉氏县体育局"]["former_name"]
    assert proposed["尉氏县洧川镇人民政府"]["agency_type"] == "township"


# --- names and evidence, from the documents a crawl recorded ------------------------------------

@pytest.mark.parametrize("names, full", [
    (["洧川镇"], "尉氏县洧川镇人民政府"),
    (["城关镇政府"], "尉氏县城关镇人民政府"),
    (["尉氏县城关街道办"], "尉氏县城关街道办事处"),
    (["县卫健委"], "尉氏县卫生健康委员会"),
    (["县市场监管局", "开封市尉氏县市场监督管理局"], "尉氏县市场监督管理局"),
    (["尉氏县人力资源和社会保障局"], "尉氏县人力资源和社会保障局"),
    (["县政府办"], "尉氏县人民政府办公室"),
])
def test_a_body_is_proposed_by_its_full_official_name(names: list[str], full: str) -> None:
    assert Body("410223", "河南省开封市尉氏县", "尉氏县", "http://weishi.example/", names).full_name() == full


def test_only_reports_naming_an_unregistered_body_of_the_county_are_evidence(tmp_path: Path) -> None:
    portal = "http://weishi.example/col/col1229/index.html"
    rows = [{"agency_id": "410223-gov", "agency_name": "尉氏县人民政府", "region_code": "410223",
             "region_name": "河南省开封市尉氏县", "agency_type": "government", "start_url": portal, "render": ""}]
    db = connect(tmp_path / "r.db")
    documents = [  # (status, reason, agency_found, title, year)
        ("unmatched", "names 县市场监管局, not a registered agency of this portal", "县市场监管局",
         "县市场监管局2023年政府信息公开工作年度报告", 2023),
        ("unmatched", "names 尉氏县市场监督管理局, not a registered agency of this portal", "尉氏县市场监督管理局",
         "尉氏县市场监督管理局2024年政府信息公开工作年度报告", 2024),
        ("unread", "titled as a report but does not read as one", "尉氏县审计局", "尉氏县审计局2024年度报告", 2024),
        ("unmatched", "names no agency", None, "2024年政府信息公开工作年度报告", 2024),
        ("rejected", "look-alike (解读)", "尉氏县统计局", "尉氏县统计局2024年政府信息公开工作年度报告解读", 2024),
        ("unmatched", "names 县政府, not a registered agency of this portal", "县政府",
         "县政府2024年政府信息公开工作年度报告", 2024),
        ("unmatched", "names 通许县教育局, not a registered agency of this portal", "通许县教育局",
         "通许县教育局2024年政府信息公开工作年度报告", 2024),
    ]
    for number, (status, reason, found, title, year) in enumerate(documents):
        save_document(db, {"url": f"http://weishi.example/art/{number}.html", "status": status, "reason": reason,
                           "agency_found": found, "title": title, "year": year, "start_url": portal})
    proposed, outside = propose(db, rows)
    assert [(p["agency_id"], p["agency_name"], p["agency_type"], p["years"]) for p in proposed] == \
           [("410223-scjgj", "尉氏县市场监督管理局", "department", "2023 2024")]
    assert proposed[0]["evidence"] == "http://weishi.example/art/0.html http://weishi.example/art/1.html"
    assert outside == ["通许县教育局"]
