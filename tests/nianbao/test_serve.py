"""`nianbao serve`: a real Datasette subprocess on a database written by nianbao.store,
queried over HTTP like any client would."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from nianbao.serve import DATABASE, build, prepare
from nianbao.store import connect, save_report
from tests.nianbao import world
from tests.nianbao.conftest import NIANBAO, REPO, free_port, start_serve, stop, wait_for

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")
SCHEMA_TABLES = {"agencies", "reports", "report_versions", "cells", "crawl_errors", "portal_runs", "flags"}
BROWSE_VIEWS = {"flag_list", "report_list"}


def get_json(site: str, path: str, **params: str) -> object:
    response = httpx.get(f"{site}/{DATABASE}{path}", params=params, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def rows(site: str, path: str, **params: str) -> list[dict]:
    return get_json(site, path, _shape="array", **params)


def facet(site: str, path: str, column: str) -> dict:
    data = get_json(site, path, _facet=column)
    return {r["value"]: r["count"] for r in data["facet_results"][column]["results"]}


def bilingual(text: str | None) -> bool:
    return bool(text and CJK.search(text) and LATIN.search(text))


def test_every_table_and_view_is_served(site: str) -> None:
    database = get_json(site, ".json")
    tables = {t["name"] for t in database["tables"] if not t["hidden"]}
    views = {v["name"] for v in database["views"]}
    assert SCHEMA_TABLES <= tables
    assert BROWSE_VIEWS <= views
    counts = {t["name"]: t["count"] for t in database["tables"]}
    assert counts["agencies"] == len(world.AGENCIES)
    assert counts["reports"] == len(world.AGENCIES) * len(world.YEARS) - len(world.MISSING)
    assert counts["report_versions"] == 1  # the changed report keeps its first version


def test_every_table_view_and_column_has_chinese_and_english_metadata(site: str) -> None:
    database = get_json(site, ".json")
    shown = [t["name"] for t in database["tables"] if not t["hidden"]] + [v["name"] for v in database["views"]]
    metadata = httpx.get(f"{site}/-/metadata.json").json()["databases"][DATABASE]["tables"]
    undescribed = []
    for name in shown:
        table = metadata.get(name, {})
        if not (bilingual(table.get("title")) and bilingual(table.get("description"))):
            undescribed.append(name)
        columns = get_json(site, f"/{name}.json", _size="0")["columns"]
        undescribed += [f"{name}.{c}" for c in columns if not bilingual(table.get("columns", {}).get(c))]
    assert undescribed == []


def test_table_page_shows_the_chinese_title(site: str) -> None:
    html = httpx.get(f"{site}/{DATABASE}/flags").text
    assert "核查问题 Flags" in html
    assert "问题类型 Kind" in html


def test_facets_by_kind_region_year_and_agency_type(site: str) -> None:
    assert facet(site, "/flag_list.json", "kind") == {"missing": 1, "late": 1, "unbalanced": 1, "changed": 1}
    assert facet(site, "/flag_list.json", "region_name") == {"河南省开封市尉氏县": 2, "陕西省安康市汉阴县": 2}
    assert facet(site, "/flag_list.json", "agency_type") == {"department": 3, "government": 1}
    assert facet(site, "/report_list.json", "year") == {2022: 6, 2023: 6, 2024: 5}
    assert facet(site, "/agencies.json", "agency_type") == {"department": 3, "government": 2, "township": 1}


def test_full_text_search_finds_a_chinese_term_inside_the_text(site: str) -> None:
    agency, year = world.FTS_TERM_AT
    found = rows(site, "/reports.json", _search=world.FTS_TERM)
    assert [(r["agency_id"], r["year"]) for r in found] == [(agency, year)]
    found = rows(site, "/report_list.json", _search=world.FTS_TERM)
    assert [(r["agency_id"], r["year"]) for r in found] == [(agency, year)]


def test_two_character_terms_need_the_like_fallback(site: str) -> None:
    assert rows(site, "/reports.json", _search=world.SHORT_TERM) == []  # trigram: three characters at least
    found = rows(site, "/search.json", q=world.SHORT_TERM)
    assert [(r["agency_name"], r["year"]) for r in found] == [("汉阴县人民政府", 2024)]
    assert world.SHORT_TERM in found[0]["context"]
    found = rows(site, "/search.json", q=world.FTS_TERM)
    assert [r["agency_name"] for r in found] == ["尉氏县卫生健康委员会"]


def test_missing_and_late_by_county(site: str) -> None:
    found = rows(site, "/missing_late.json", year="")
    assert {r["county"]: (r["year"], r["missing"], r["late"], r["missing_agencies"], r["late_agencies"])
            for r in found} == {
        "河南省开封市尉氏县": (2024, 1, 0, "尉氏县教育局", None),
        "陕西省安康市汉阴县": (2024, 0, 1, None, "汉阴县卫生健康局"),
    }
    assert rows(site, "/missing_late.json", year="2022") == []


def test_unbalanced_tables_with_rule_and_numbers(site: str) -> None:
    found = rows(site, "/unbalanced.json", year="")
    assert len(found) == 1
    assert found[0]["rule"] == "applications.balance.natural_person"
    assert "第一项+第二项=10" in found[0]["message"] and "=8" in found[0]["message"]
    assert found[0]["report_id"] is not None
    assert rows(site, "/unbalanced.json", year="2024") == []


def test_on_time_rate_by_county_and_year(site: str) -> None:
    found = {(r["county"], r["year"]): r for r in rows(site, "/on_time_rate.json")}
    assert found[("陕西省安康市汉阴县", 2024)]["on_time_rate"] == 50.0
    assert found[("河南省开封市尉氏县", 2024)]["on_time_rate"] == 75.0
    assert found[("河南省开封市尉氏县", 2024)]["missing"] == 1
    assert found[("河南省开封市尉氏县", 2022)]["on_time_rate"] == 100.0


def test_an_agencys_reports_side_by_side(site: str) -> None:
    found = rows(site, "/agency_years.json", agency="410223-wjw")
    assert [r["year"] for r in found] == list(world.YEARS)
    by_year = {r["year"]: r for r in found}
    expected = world.applications(2022 + len("尉氏县卫生健康委员会"))
    assert by_year[2022]["new_applications"] == expected["new"]["total"]
    assert by_year[2022]["processed_total"] == expected["processed_total"]["total"]
    assert "unbalanced" in by_year[2023]["open_flags"]
    assert by_year[2024]["open_flags"] is None
    assert [r["agency_name"] for r in rows(site, "/agency_years.json", agency="卫生健康局")] == ["汉阴县卫生健康局"] * 3


def test_applications_and_outcomes_by_year(site: str) -> None:
    found = {r["year"]: r for r in rows(site, "/applications_by_year.json", region="尉氏")}
    assert {y: r["reports"] for y, r in found.items()} == {2022: 4, 2023: 4, 2024: 3}
    names = {a: n for a, n, *_ in world.AGENCIES if a.startswith("410223")}
    expected = sum(world.applications(2022 + len(n))["new"]["total"] for n in names.values())
    assert found[2022]["new_applications"] == expected
    assert found[2022]["refused"] == sum(world.applications(2022 + len(n))["refused.third_party"]["total"]
                                         for n in names.values())
    everywhere = rows(site, "/applications_by_year.json", region="")
    assert [r["reports"] for r in everywhere] == [6, 6, 5]


def test_flags_link_to_their_report_and_reports_to_their_files(site: str, world_db: Path) -> None:
    agency, year = world.UNBALANCED
    html = httpx.get(f"{site}/{DATABASE}/flags").text
    assert f"/{DATABASE}/reports?agency_id={agency}&amp;year={year}" in html
    assert f'href="http://127.0.0.1/{agency}/{year}.html"' in html
    report = rows(site, "/reports.json", agency_id=world.FTS_TERM_AT[0], year=str(world.FTS_TERM_AT[1]))[0]
    html = httpx.get(f"{site}/{DATABASE}/reports/{report['id']}").text
    assert f'href="/-/files/{report["sha256"]}"' in html
    stored = httpx.get(f"{site}/-/files/{report['sha256']}")
    assert stored.status_code == 200
    assert world.FTS_TERM in stored.content.decode()
    assert stored.headers["content-security-policy"] == "sandbox"
    assert httpx.get(f"{site}/-/files/{'0' * 64}").status_code == 404
    html = httpx.get(f"{site}/{DATABASE}/flag_list").text
    assert re.search(rf'href="/{DATABASE}/reports/\d+">年报 #\d+</a>', html)


def test_the_web_cannot_write(site: str, world_db: Path) -> None:
    for sql in ("insert into flags (kind) values ('forged')", "delete from flags", "drop table reports"):
        response = httpx.get(f"{site}/{DATABASE}.json", params={"sql": sql})
        assert response.status_code == 400
        assert response.json()["ok"] is False
    # No canned query is declared `write: true`; Datasette 0.65 answers a POST to a read-only
    # one with an error page (500, an upstream quirk) and runs nothing.
    response = httpx.post(f"{site}/{DATABASE}/missing_late", data={"year": "2024"})
    assert response.status_code >= 400
    with sqlite3.connect(world_db) as db:
        assert db.execute("select count(*) from flags").fetchone()[0] == 4
        assert db.execute("select count(*) from reports").fetchone()[0] == 17


def test_prepare_is_repeatable_and_the_index_follows_new_reports(tmp_path: Path) -> None:
    path = tmp_path / "reports.db"
    world.build(path, tmp_path / "files")
    db = connect(path)
    prepare(db)
    prepare(db)
    report = world.report("410223-jyj", "尉氏县教育局", 2024)
    report.text += "新增了营商环境专栏。"
    save_report(db, agency_id="410223-jyj", report=report, url="http://127.0.0.1/x", file_url="http://127.0.0.1/x",
                digest="f" * 64, file_path=None, published_at="2025-01-20", published_at_source="page")
    hits = db.execute("select rowid from reports_fts where reports_fts match '\"营商环境\"'").fetchall()
    assert len(hits) == 1


def test_serve_without_a_database_is_a_one_line_error(tmp_path: Path) -> None:
    result = subprocess.run([*NIANBAO, "serve", "--db", str(tmp_path / "none.db"), "--port", str(free_port())],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "database not found" in result.stderr


def test_a_taken_port_is_a_one_line_error(site: str, world_db: Path) -> None:
    port = int(site.rsplit(":", 1)[1])
    result = subprocess.run([*NIANBAO, "serve", "--db", str(world_db), "--port", str(port)],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_stops_serve_cleanly(world_db: Path) -> None:
    port = free_port()
    process = start_serve(world_db, port)
    wait_for(f"http://127.0.0.1:{port}/-/versions.json", process, timeout=60)
    status, err = stop(process)
    assert status == 0, err
    assert "Traceback" not in err


@pytest.mark.parametrize("path", ["/-/dashboards/overview", f"/{DATABASE}/on_time_rate"])
def test_chart_pages_load_their_scripts_from_this_server(site: str, path: str) -> None:
    html = httpx.get(site + path).text
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert scripts and all(s.startswith("/") for s in scripts), scripts
    for script in scripts:
        assert httpx.get(site + script).status_code == 200, script


def test_what_the_crawler_writes_while_serving_shows_up(tmp_path: Path) -> None:
    path = tmp_path / "reports.db"
    world.build(path, tmp_path / "files")
    port = free_port()
    process = start_serve(path, port)
    site = f"http://127.0.0.1:{port}"
    try:
        wait_for(site + "/-/versions.json", process, timeout=60)
        assert rows(site, "/reports.json", _search="营商环境专栏") == []
        db = connect(path)
        report = world.report("410223-jyj", "尉氏县教育局", 2024)
        report.text += "新增了营商环境专栏。"
        save_report(db, agency_id="410223-jyj", report=report, url="http://127.0.0.1/y", file_url="http://127.0.0.1/y",
                    digest="e" * 64, file_path=None, published_at="2025-01-20", published_at_source="page")
        found = rows(site, "/reports.json", _search="营商环境专栏")
        assert [(r["agency_id"], r["year"]) for r in found] == [("410223-jyj", 2024)]
    finally:
        stop(process)


def test_only_web_addresses_are_links(tmp_path: Path) -> None:
    """A registry or crawled address is clickable only when it is http(s), wherever it shows."""
    db = connect(tmp_path / "r.db")
    db["agencies"].insert({"agency_id": "x-1", "agency_name": "某县某局", "region_code": "410223",
                           "region_name": "河南省开封市尉氏县", "agency_type": "department",
                           "start_url": "javascript:alert(1)"})
    db["reports"].insert({"agency_id": "x-1", "year": 2023, "url": "javascript:alert(2)", "file_url": "file:///etc/passwd"})
    db["flags"].insert_all([
        {"agency_id": "x-1", "year": 2023, "kind": "review", "rule": "r1", "report_url": "javascript:alert(3)"},
        {"agency_id": "x-1", "year": 2022, "kind": "review", "rule": "r2", "report_url": "http://www.example.gov.cn/a"}])
    prepare(db)
    datasette = build(tmp_path / "r.db")

    async def pages() -> str:
        await datasette.invoke_startup()
        paths = ("/reports/flag_list", "/reports/flags", "/reports/reports", "/reports/agencies", "/reports/report_list")
        return "".join([(await datasette.client.get(path)).text for path in paths])

    with ThreadPoolExecutor(1) as thread:   # its own event loop, whatever loop a browser test left running here
        html = thread.submit(asyncio.run, pages()).result()
    assert "javascript:alert(3)" in html and 'href="http://www.example.gov.cn/a"' in html
    assert not re.search(r'href="\s*(javascript|file):', html, re.I)
