"""``reports.tables`` is where a report's values are stored; ``cells`` follows it by
triggers, whoever writes, and a database from before the column gets it from its cells."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from nianbao import store
from nianbao.views import VIEW_NAMES
from tests.monitor.conftest import make_report
from tests.nianbao.conftest import NIANBAO

AGENCY = "410223-wjw"


def cells(db: object, report_id: int) -> dict[tuple[str, str, str], float | None]:
    return {(t, r, c): v for t, r, c, v in db.execute(  # type: ignore[attr-defined]
        "select tbl, row_key, col_key, value from cells where report_id = ?", [report_id])}


def save(db: object, year: int = 2023) -> int:
    report = make_report(AGENCY, year)
    report_id, _ = store.save_report(db, agency_id=AGENCY, report=report, url=report.source,  # type: ignore[arg-type]
                                     file_url=report.source, digest=store.sha256(report.text.encode()),
                                     file_path=None, published_at=None, published_at_source=None)
    return report_id


def test_cells_are_every_value_of_the_stored_tables(tmp_path: Path) -> None:
    db = store.connect(tmp_path / "r.db")
    report_id = save(db)
    tables = json.loads(db["reports"].get(report_id)["tables"])
    expected = {(t, r, c): v for t, rows in tables.items() for r, cols in rows.items() for c, v in cols.items()}
    assert cells(db, report_id) == expected
    assert len(expected) == 10 + 25 * 7 + 3 * 5       # tables 二, 三 and 四 of the 2021 template
    assert tables["active"]["licensing"] == {"value": 637}          # a bare number gets the column key "value"
    assert tables["applications"]["new"]["natural_person"] == 3


def test_cells_follow_every_write_to_the_tables(tmp_path: Path) -> None:
    db = store.connect(tmp_path / "r.db")
    report_id, other = save(db), save(db, 2022)
    with db.conn:
        db.execute("update reports set tables = json_set(tables, '$.applications.new.total', null) where id = ?",
                   [report_id])
    assert cells(db, report_id)[("applications", "new", "total")] is None
    with db.conn:
        db.execute("update reports set tables = 'garbage' where id = ?", [report_id])
    assert cells(db, report_id) == {}
    with db.conn:
        db.execute("delete from reports where id = ?", [other])
    assert cells(db, other) == {}


def test_a_database_from_before_the_tables_column_gets_it_from_its_cells(tmp_path: Path) -> None:
    """The first schema: no ``reports.tables``, ``cells`` a rowid table with a separate
    primary-key index and a covering index for the monitor."""
    path = tmp_path / "old.db"
    db = store.connect(path)
    report_id = save(db)
    before = cells(db, report_id)
    db.close()
    conn = sqlite3.connect(path)
    for name in store.CELLS_TRIGGERS:
        conn.execute(f"drop trigger {name}")
    for name in VIEW_NAMES.values():
        conn.execute(f"drop view {name}")
    conn.execute("alter table cells rename to cells_new")
    conn.execute('create table cells ("report_id" integer references "reports"("id"), "tbl" text, "row_key" text, '
                 '"col_key" text, "value" float, primary key ("report_id", "tbl", "row_key", "col_key"))')
    conn.execute("insert into cells select * from cells_new")
    conn.execute("drop table cells_new")
    conn.execute("alter table reports drop column tables")
    conn.execute("create index idx_cells_tbl_report_id_row_key_col_key_value on cells (tbl, report_id, row_key, "
                 "col_key, value)")
    conn.commit()
    conn.close()

    db = store.connect(path)
    tables = json.loads(db["reports"].get(report_id)["tables"])
    assert {(t, r, c): v for t, rows in tables.items() for r, cols in rows.items() for c, v in cols.items()} == before
    assert cells(db, report_id) == before
    assert "without rowid" in db.execute("select sql from sqlite_master where name = 'cells'").fetchone()[0]
    assert [i.name for i in db["cells"].indexes if i.origin != "pk"] == []   # the covering index is gone
    wide = db.execute("select 项目, 自然人 from applications_wide where report_id = ? and row_key = 'new'",
                      [report_id]).fetchone()
    assert wide == ("一、本年新收政府信息公开申请数量", 3)
    with db.conn:
        db.execute("update reports set tables = json_set(tables, '$.applications.new.natural_person', 5) where id = ?",
                   [report_id])
    assert cells(db, report_id)[("applications", "new", "natural_person")] == 5


def test_a_database_from_before_unmatched_documents_looks_at_its_rejected_ones_again(tmp_path: Path) -> None:
    """Before ``documents.matched_against``, a report of no registered agency was rejected
    for good: such a database has every rejected document looked at once more."""
    path = tmp_path / "old.db"
    db = store.connect(path)
    store.save_document(db, {"url": "http://x.gov.cn/a.pdf", "status": "rejected"})
    store.save_document(db, {"url": "http://x.gov.cn/b.pdf", "status": "stored"})
    db.close()
    conn = sqlite3.connect(path)
    conn.execute("alter table documents drop column matched_against")
    conn.commit()
    conn.close()

    db = store.connect(path)
    assert dict(db.execute("select url, status from documents").fetchall()) == {
        "http://x.gov.cn/a.pdf": "unmatched", "http://x.gov.cn/b.pdf": "stored"}
    assert "matched_against" in db["documents"].columns_dict


def test_stored_text_has_one_kind_of_line_break_and_urls_none(tmp_path: Path) -> None:
    db = store.connect(tmp_path / "r.db")
    report = make_report(AGENCY, 2023)
    report.text = "第一行\u2028第二行\x85第三行\r\n第四行\r第五行\u2029第六行"
    store.save_report(db, agency_id=AGENCY, report=report, url="http://x.gov.cn/a\r\n/b.html",
                      file_url="http://x.gov.cn/\nb.pdf", digest="ab" * 32, file_path=None, published_at=None,
                      published_at_source=None)
    store.record_crawl_error(db, "http://x.gov.cn/c\r\n.html", None, "  ")
    assert db.execute("select text, url, file_url from reports").fetchone() == (
        "第一行\n第二行\n第三行\n第四行\n第五行\n第六行", "http://x.gov.cn/a/b.html", "http://x.gov.cn/b.pdf")
    assert db.execute("select url, error from crawl_errors").fetchone() == (
        "http://x.gov.cn/c.html", store.UNEXPLAINED_ERROR)


def test_registry_start_urls_lose_line_breaks_a_cell_held(tmp_path: Path) -> None:
    path = tmp_path / "agencies.csv"
    path.write_text("agency_id,agency_name,region_code,region_name,agency_type,start_url\r\n"
                    'a-1,某县某局,410223,河南省开封市尉氏县,department,"http://x.gov.cn/\r\nxxgk/"\r\n', encoding="utf-8")
    assert store.read_registry(path)[0]["start_url"] == "http://x.gov.cn/xxgk/"


@pytest.mark.parametrize("command", [["monitor", "--as-of", "2025-06-01"], ["crawl", "--years", "2023"]])
def test_a_writing_command_leaves_nothing_in_the_wal_file(command: list[str], tmp_path: Path) -> None:
    """While a reader (Datasette) keeps the database open, the command's writes still end
    up in the database file itself: a copy of that file alone misses nothing."""
    path = tmp_path / "r.db"
    db = store.connect(path)
    db["reports"].insert({"agency_id": AGENCY, "year": 2023})   # a report whose agency is not registered: a flag
    (tmp_path / "agencies.csv").write_text(
        "agency_id,agency_name,region_code,region_name,agency_type,start_url\n"
        f"{AGENCY},尉氏县卫生健康委员会,410223,河南省开封市尉氏县,department,javascript:void(0)\n", encoding="utf-8")
    store.checkpoint(path)
    reader = sqlite3.connect(path)
    reader.execute("select count(*) from reports").fetchone()   # idle, as a server between requests
    result = subprocess.run([*NIANBAO, *command, "--db", str(path), *(["--registry", str(tmp_path / "agencies.csv"),
                             "--files", str(tmp_path / "files")] if command[0] == "crawl" else [])],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env={**os.environ, "NIANBAO_CONFIG": str(tmp_path / "absent.toml")})
    assert result.returncode == 0, result.stderr[-2000:]
    wal = Path(f"{path}-wal")
    assert wal.stat().st_size == 0
    shutil.copy(path, tmp_path / "copy.db")
    written = "flags" if command[0] == "monitor" else "crawl_errors"
    assert sqlite3.connect(tmp_path / "copy.db").execute(f"select count(*) from {written}").fetchone()[0] > 0
    reader.close()
