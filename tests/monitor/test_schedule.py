"""`nianbao schedule` as a real process: a trigger every few seconds, the fixture portal,
the real crawler in a child process, the monitor, and a real SMTP server."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import pytest

from monitor.schedule import build_trigger
from nianbao import store
from nianbao.config import ConfigError
from nianbao.demo.counties import generated_world
from nianbao.demo.server import PortalServer
from tests.monitor.test_alerts import NIANBAO, Smtp

STEPS = ["crawl", "monitor", "alert"]


def runs(db_path: Path, where: str = "1") -> list[sqlite3.Row]:
    """Rows of ``runs`` read-only, so polling never takes a lock the scheduler needs."""
    if not db_path.exists():
        return []
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)) as db:
        db.row_factory = sqlite3.Row
        if not db.execute("select 1 from sqlite_master where name = 'runs'").fetchone():
            return []
        return db.execute(f"select * from runs where {where} order by id").fetchall()


def finished_cycles(db_path: Path) -> dict[str, list[tuple[str, str]]]:
    """cycle → [(step, outcome)] for the cycles whose alert step has ended."""
    cycles: dict[str, list[tuple[str, str]]] = {}
    for row in runs(db_path):
        cycles.setdefault(row["cycle"], []).append((row["step"], row["outcome"]))
    return {c: steps for c, steps in cycles.items() if ("alert", "running") not in steps and steps[-1][0] == "alert"}


def failed_steps(db_path: Path) -> list[tuple[str, str]]:
    return [(r["step"], r["detail"]) for r in runs(db_path, "outcome = 'failed'")]


def start(tmp_path: Path, config: Path) -> subprocess.Popen:
    environ = {**os.environ, "NIANBAO_CONFIG": str(config)}
    return subprocess.Popen([NIANBAO, "schedule", "--db", str(tmp_path / "reports.db")], env=environ, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def terminate(process: subprocess.Popen) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        pytest.fail(f"nianbao schedule did not stop on SIGTERM:\n{err}")
    return process.returncode, err


@pytest.mark.timeout(240)
def test_two_cycles_one_mail_then_clean_stop(tmp_path: Path) -> None:
    world = generated_world(portals=1, reports=1)
    smtp = Smtp().start()
    with PortalServer(world) as portal:
        registry = tmp_path / "agencies.csv"
        world.registry(portal.base_url, registry)
        config = tmp_path / "nianbao.toml"
        config.write_text(f"""
registry = "{registry}"
files = "{tmp_path / 'files'}"
years = "2024-2025"

[smtp]
host = "127.0.0.1"
port = {smtp.port}
from = "nianbao@test.local"
to = ["watch@test.local"]

[schedule.test]
second = "*/4"
""", encoding="utf-8")
        db_path = tmp_path / "reports.db"
        process = start(tmp_path, config)
        deadline = time.monotonic() + 150
        while (len(finished_cycles(db_path)) < 2 and time.monotonic() < deadline and process.poll() is None
               and not failed_steps(db_path)):
            time.sleep(0.5)
        code, err = terminate(process)
        try:
            assert failed_steps(db_path) == [], err
            cycles = finished_cycles(db_path)
            assert len(cycles) >= 2, err
            for steps in list(cycles.values())[:2]:
                assert steps == [(step, "ok") for step in STEPS], err
            assert code == 0, err
            assert "Traceback" not in err
            assert "scheduler stopped" in err
            db = store.connect(db_path)
            assert db["reports"].count >= 1  # the crawl stored the portal's report
            assert db.execute("select count(*) from flags where sent_at is not null").fetchone()[0] >= 1
            assert db.execute("select count(*) from flags where sent_at is null").fetchone()[0] == 0
            assert len(smtp.handler.envelopes) == 1  # the second cycle had nothing new to send
            assert smtp.handler.envelopes[0].rcpt_tos == ["watch@test.local"]
            assert [r["id"] for r in db.query("select id from apscheduler_jobs")] == ["cycle"]

            # A restart keeps one job, and SIGTERM during a crawl stops the child cleanly.
            process = start(tmp_path, config)
            crawl_started = time.monotonic() + 30
            while time.monotonic() < crawl_started and not runs(db_path, "step = 'crawl' and outcome = 'running'"):
                time.sleep(0.2)
            assert [r["id"] for r in db.query("select id from apscheduler_jobs")] == ["cycle"]
            code, err = terminate(process)
            assert code == 0 and "Traceback" not in err, err
            assert db.execute("select count(*) from runs where outcome = 'running'").fetchone()[0] == 0
            assert db.execute("select outcome from runs order by id desc limit 1").fetchone()[0] == "stopped"
            assert len(smtp.handler.envelopes) == 1
        finally:
            smtp.stop()


def test_weekday_numbers_are_refused() -> None:
    with pytest.raises(ConfigError, match="write days by name"):
        build_trigger({"weekly": {"day_of_week": "1", "hour": "6"}})
    trigger = build_trigger({"weekly": {"day_of_week": "mon", "hour": "6"}, "february": {"month": "2", "hour": "6"}})
    assert "mon" in str(trigger) and "month='2'" in str(trigger)
