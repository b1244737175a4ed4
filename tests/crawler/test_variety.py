"""A small world written by hand in which every variation of ``nianbao.demo.variety`` occurs at
least once — the names, years, date labels, containers, non-table tables, WPS-style PDFs,
look-alikes, an image-only report, late, unbalanced and missing reports — crawled by a real
``nianbao crawl`` and monitored as of 1 June 2024. Each report and each flag is its own case
(issue 11: each failed before identity, dates and containers were taught what real pages do)."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

import pytest

from nianbao.demo.builder import Builder, County, Planned
from nianbao.demo.server import PortalServer
from nianbao.demo.variety import (CONTAINERS, DATE_LINES, NAME_FORMS, TABLE_LAYOUTS, TITLE_FORMS, WPS, YEAR_FORMS,
                                  Style, variety_plans)
from nianbao.store import connect
from tests.crawler.conftest import FAST, NIANBAO, REPO, crawl_in

Key = tuple[str, int]
WEISHI = County("t-weishi", "hanweb", "尉氏县", "410223", "河南省开封市尉氏县",
                [("gov", "尉氏县人民政府", "government"), ("scj", "尉氏县市场监督管理局", "department"),
                 ("zrj", "尉氏县自然资源和规划局", "department"), ("wcz", "尉氏县洧川镇人民政府", "township"),
                 ("cgz", "尉氏县城关镇人民政府", "township")])
XIANGCHENG = County("t-xiangcheng", "vsb", "襄城县", "411025", "河南省许昌市襄城县",
                    [("gov", "襄城县人民政府", "government"), ("wjj", "襄城县卫生健康局", "department"),
                     ("cgz", "襄城县城关镇人民政府", "township")])
QIXIAN = County("t-qixian", "legacy", "杞县", "410221", "河南省开封市杞县",
                [("gov", "杞县人民政府", "government"), ("jtj", "杞县交通运输局", "department"),
                 ("bmx", "杞县板木乡人民政府", "township")])
GULOU = County("t-gulou", "trs", "鼓楼区", "410204", "河南省开封市鼓楼区",
               [("gov", "鼓楼区人民政府", "government"), ("xjd", "鼓楼区西司门街道办事处", "township"),
                ("wjd", "鼓楼区五一街道办事处", "township")])
COUNTIES = (WEISHI, XIANGCHENG, QIXIAN, GULOU)
NAMES = {f"{c.code}-{suffix}": name for c in COUNTIES for suffix, name, _ in c.agencies}


def plan(county: County, agency_id: str, year: int, file_type: str, published: str, source: str | None,
         balanced: bool = True, **looks: object) -> Planned:
    charset = "gb2312" if county.family == "legacy" else "utf-8"
    return Planned(agency_id, NAMES[agency_id], year, file_type, published, source, balanced,
                   style=Style(county.name, charset=charset, **looks))  # type: ignore[arg-type]


P = plan
PLANS: dict[str, list[Planned]] = {
    WEISHI.site: [  # Hanweb: the date is in the article URL too
        P(WEISHI, "410223-gov", 2022, "html", "2023-03-20", "page", name="government", title="year_first",
          date="发布时间:", tables="nested"),
        P(WEISHI, "410223-gov", 2023, "pdf", "2024-03-25", "page", date="表头", word=WPS),
        P(WEISHI, "410223-scj", 2022, "html", "2023-01-08", "page", name="abbreviated", date="font",
          tables="cell_paragraphs"),
        P(WEISHI, "410223-zrj", 2022, "html", "2023-01-10", "page", name="abbreviated", year_form="han", tables="tabs"),
        P(WEISHI, "410223-zrj", 2023, "html", "2024-02-20", "page", name="abbreviated", year_form="spaced", date="日期"),
        P(WEISHI, "410223-wcz", 2022, "html", "2023-01-16", "page", name="bare", year_form="du", date="发布时间",
          tables="pipes"),
        P(WEISHI, "410223-wcz", 2023, "html", "2024-01-29", "url", balanced=False, name="county_bare", date="none"),
        P(WEISHI, "410223-cgz", 2022, "docx", "2023-01-12", "page", name="local"),
        P(WEISHI, "410223-cgz", 2023, "html", "2024-01-22", "page", title="generic", text_name="signature",
          date="发布时间", container="layout_td"),
    ],
    XIANGCHENG.site: [  # VSB: no date in its URLs
        P(XIANGCHENG, "411025-gov", 2022, "html", "2023-03-15", "page", date="时间", container="vsb_form"),
        P(XIANGCHENG, "411025-gov", 2023, "html", "2024-04-08", "page", name="government", date="时间",
          container="vsb_form"),
        P(XIANGCHENG, "411025-wjj", 2022, "html", "2023-01-05", None, name="abbreviated", date="none",
          container="vsb_form", tables="cell_lines"),
        P(XIANGCHENG, "411025-wjj", 2023, "html", "2024-01-26", "page", year_form="han_circle", date="发布时间",
          container="wp", tables="image"),
        P(XIANGCHENG, "411025-cgz", 2022, "html", "2023-01-19", "page", name="government", date="时间",
          container="wp"),
        P(XIANGCHENG, "411025-cgz", 2023, "pdf", "2024-01-23", "page", name="bare", date="时间", container="vsb_form",
          word=WPS),
    ],
    QIXIAN.site: [  # legacy ASP in GB2312: layout tables, 更新时间
        P(QIXIAN, "410221-gov", 2022, "doc", "2023-03-28", "page", date="更新时间", container="layout_td"),
        P(QIXIAN, "410221-gov", 2023, "html", "2024-03-06", "page", name="government", date="更新时间",
          container="layout_td", tables="cell_paragraphs"),
        P(QIXIAN, "410221-jtj", 2022, "html", "2023-01-09", "page", date="日期", container="layout_td"),
        P(QIXIAN, "410221-jtj", 2023, "html", "2024-01-17", None, date="none", container="layout_td"),
    ],
    GULOU.site: [  # TRS: the date is in the article URL too
        P(GULOU, "410204-gov", 2022, "html", "2023-03-30", "page", name="office", date="信息来源", container="trs"),
        P(GULOU, "410204-gov", 2023, "html", "2024-03-29", "page", date="公开日期", container="trs"),
        P(GULOU, "410204-xjd", 2022, "html", "2023-01-20", "page", name="bare", date="发布时间", container="trs"),
        P(GULOU, "410204-xjd", 2023, "html", "2024-01-25", "page", name="local", date="发布时间", container="trs"),
        P(GULOU, "410204-wjd", 2023, "html", "2024-02-02", "url", name="bare", date="none", container="trs"),
    ],
}
DECOYS: dict[str, list[tuple[str, str, str]]] = {
    WEISHI.site: [("关于《尉氏县市场监管局2023年政府信息公开工作年度报告》的解读", "2024-01-25", "notice"),
                  ("图解：尉氏县2023年政府信息公开工作年度报告", "2024-03-26", "notice"),
                  ("通许县城关镇2023年政府信息公开工作年度报告", "2024-01-24", "report"),  # another county's namesake
                  ("尉氏县市场监管局2024年部门预算公开", "2024-02-10", "notice")],
    XIANGCHENG.site: [("襄城县2024年政务公开工作要点", "2024-03-01", "notice"),
                      ("关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知", "2024-01-04", "notice")],
    QIXIAN.site: [("杞县2023年法治政府建设年度报告", "2024-03-20", "notice"),
                  ("板木乡2023年政府信息公开工作年度报告", "2024-01-20", "broken")],   # its file cannot be read
    GULOU.site: [("2023年政府信息公开工作年度报告解读", "2024-03-30", "notice")],
}

# What must be found, written by hand: (agency_id, year) -> published_at (None: the page gives no date).
EXPECTED: dict[Key, str | None] = {
    ("410223-gov", 2022): "2023-03-20", ("410223-gov", 2023): "2024-03-25", ("410223-scj", 2022): "2023-01-08",
    ("410223-zrj", 2022): "2023-01-10", ("410223-zrj", 2023): "2024-02-20", ("410223-wcz", 2022): "2023-01-16",
    ("410223-wcz", 2023): "2024-01-29", ("410223-cgz", 2022): "2023-01-12", ("410223-cgz", 2023): "2024-01-22",
    ("411025-gov", 2022): "2023-03-15", ("411025-gov", 2023): "2024-04-08", ("411025-wjj", 2022): None,
    ("411025-cgz", 2022): "2023-01-19", ("411025-cgz", 2023): "2024-01-23",
    ("410221-gov", 2022): "2023-03-28", ("410221-gov", 2023): "2024-03-06", ("410221-jtj", 2022): "2023-01-09",
    ("410221-jtj", 2023): None,
    ("410204-gov", 2022): "2023-03-30", ("410204-gov", 2023): "2024-03-29", ("410204-xjd", 2022): "2023-01-20",
    ("410204-xjd", 2023): "2024-01-25", ("410204-wjd", 2023): "2024-02-02",
}
IMAGE_ONLY: Key = ("411025-wjj", 2023)  # its tables are images: stored (no tables) or a review flag, never missing
FLAGS: dict[str, set[Key]] = {
    "missing": {("410223-scj", 2023), ("410221-bmx", 2022), ("410204-wjd", 2022)},
    # The township's 2023 report is listed but its file cannot be read: a person looks, nobody is accused.
    "review": {("410221-bmx", 2023)},
    "late": {("410223-zrj", 2023), ("411025-gov", 2023), ("410204-wjd", 2023)},
    "unbalanced": {("410223-wcz", 2023)},
}


@dataclass
class Outcome:
    stored: dict[Key, str | None]
    flags: dict[str, set[Key]]


def test_the_hand_written_world_is_what_its_expectations_say() -> None:
    """The expectations above are the plans' own: no report or date typed differently twice."""
    plans = [p for county_plans in PLANS.values() for p in county_plans]
    assert {(p.agency_id, p.year): p.published if p.source else None for p in plans} == {**EXPECTED, IMAGE_ONLY: "2024-01-26"}
    assert {(p.agency_id, p.year) for p in plans if not p.balanced} == FLAGS["unbalanced"]
    for county in COUNTIES:
        kinds = {f"{county.code}-{s}": k for s, _, k in county.agencies}
        for p in PLANS[county.site]:
            due = date(p.year + 1, 3, 31) if kinds[p.agency_id] == "government" else date(p.year + 1, 1, 31)
            assert ((p.agency_id, p.year) in FLAGS["late"]) == (p.source is not None and date.fromisoformat(p.published) > due)


def test_the_generated_world_holds_every_variation_at_a_realistic_mix() -> None:
    """``variety_world``'s reports (drawn only, no pages built): enough agencies, a third of
    them townships, six years; every form occurs, those no CMS dictates in several families."""
    drawn = variety_plans()
    agencies = [a for county, _ in drawn for a in county.agencies]
    plans = [p for _, county_plans in drawn for p in county_plans]
    assert len(agencies) >= 40 and 3 * sum(kind == "township" for *_, kind in agencies) >= len(agencies)
    assert {p.year for p in plans} == set(range(2019, 2025))
    families: dict[tuple[str, str], set[str]] = {}
    for county, county_plans in drawn:
        for p in county_plans:
            assert p.style is not None
            for aspect, form in p.style.aspects(county.family, p.file_type).items():
                families.setdefault((aspect, form), set()).add(county.family)
    free = {"name": set(NAME_FORMS) - {"signature", "office"}, "year_form": YEAR_FORMS, "title": TITLE_FORMS,
            "tables": set(TABLE_LAYOUTS) | {"image"}, "document": ("html", "pdf", "docx", "image"), "word": ("tidy", "wps")}
    for aspect, forms in free.items():
        rare = {form for form in forms if len(families.get((aspect, form), ())) < 2}
        assert not rare, (aspect, rare)
    for aspect, forms in {"date": DATE_LINES, "container": CONTAINERS}.items():
        assert all((aspect, form) in families for form in forms)
    assert ("text_name", "signature") in families and ("name", "office") in families
    assert sum(not p.balanced for p in plans) >= 5


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    folder: Path = tmp_path_factory.mktemp("variety")
    (folder / "nianbao.toml").write_text('years = "2022-2023"\n' + FAST, encoding="utf-8")
    builder = Builder(seed=11)
    for county in COUNTIES:
        builder.county(county, PLANS[county.site], DECOYS[county.site])
    world = builder.world("2022-2023", date(2024, 6, 1))
    with PortalServer(world, host_base=60) as server:
        world.registry(server.base_url, folder / "agencies.csv")
        crawled = crawl_in(folder, world.years)
        assert crawled.returncode == 0, crawled.stderr[-3000:]
    monitored = subprocess.run([NIANBAO, "monitor", "--as-of", world.as_of.isoformat(), "--json", "--db",
                                str(folder / "r.db")], cwd=REPO, capture_output=True, text=True, timeout=120,
                               env={**os.environ, "NIANBAO_CONFIG": str(folder / "nianbao.toml")})
    assert monitored.returncode == 0, monitored.stderr[-3000:]
    flags: dict[str, set[Key]] = {}
    for flag in json.loads(monitored.stdout):
        flags.setdefault(flag["kind"], set()).add((flag["agency_id"], flag["year"]))
    stored = {(a, y): day for a, y, day in connect(folder / "r.db").execute(
        "select agency_id, year, published_at from reports")}
    yield Outcome(stored, flags)


def _case(name: str, *values: object) -> object:
    return pytest.param(*values, id=name)


def _id(key: Key) -> str:
    return f"{key[0]}-{key[1]}"


@pytest.mark.parametrize("key", [_case(f"stored-{_id(k)}", k) for k in sorted(EXPECTED)])
def test_report_is_stored_with_its_date(outcome: Outcome, key: Key) -> None:
    assert outcome.stored.get(key, "not stored") == EXPECTED[key]


def test_no_look_alike_or_namesake_is_stored(outcome: Outcome) -> None:
    assert set(outcome.stored) - set(EXPECTED) - {IMAGE_ONLY} == set()


@pytest.mark.parametrize("key", [_case("image-only", IMAGE_ONLY)])
def test_an_image_only_report_is_stored_or_reviewed(outcome: Outcome, key: Key) -> None:
    assert key not in outcome.flags.get("missing", set())
    assert key in outcome.stored or key in outcome.flags.get("review", set())


@pytest.mark.parametrize("kind,key", [_case(f"{kind}-{_id(k)}", kind, k) for kind in FLAGS for k in sorted(FLAGS[kind])])
def test_expected_flag_is_raised(outcome: Outcome, kind: str, key: Key) -> None:
    assert key in outcome.flags.get(kind, set())


@pytest.mark.parametrize("kind", [_case(f"only-{kind}", kind) for kind in FLAGS])
def test_no_false_accusation(outcome: Outcome, kind: str) -> None:
    assert outcome.flags.get(kind, set()) - FLAGS[kind] == set()
