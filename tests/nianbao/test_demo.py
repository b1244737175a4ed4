"""`nianbao demo` end to end, as the README's first command runs it: the demo portal on
loopback, the real crawl, the monitor, then Datasette browsed in real Chromium.
Screenshots land in tests/screenshots/demo-*.png."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from nianbao.serve import DATABASE
from tests.nianbao import browse
from tests.nianbao.conftest import NIANBAO, REPO, free_port, wait_for

DEMO_TIMEOUT = 600  # a fresh machine converts the demo's DOC and PDF files with LibreOffice once


class Demo:
    def __init__(self, process: subprocess.Popen, url: str, output: str, log: Path) -> None:
        self.process, self.url, self.output, self.log = process, url, output, log

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a person would; returns (exit status, standard error)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            status = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail("nianbao demo did not stop on Ctrl-C within 20s")
        return status, self.log.read_text(encoding="utf-8", errors="replace")


def _lines(stream: object, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    db = tmp_path_factory.mktemp("demo") / "reports.db"
    log = db.parent / "stderr.log"
    port = free_port()
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [*NIANBAO, "demo", "--db", str(db), "--port", str(port)], cwd=REPO, text=True,
            stdout=subprocess.PIPE, stderr=stderr,
            env={**os.environ, "NIANBAO_CONFIG": str(db.parent / "none.toml")},
        )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
    output, url, deadline = "", None, time.monotonic() + DEMO_TIMEOUT
    while url is None and time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            pytest.fail(f"nianbao demo exited {process.wait()} before serving:\n{output}\n{log.read_text()}")
        output += line
        found = re.match(r"Datasette: (http://\S+?)/?$", line.strip())
        url = found.group(1) if found else None
    if url is None:
        process.kill()
        pytest.fail(f"nianbao demo printed no Datasette address within {DEMO_TIMEOUT}s:\n{output}\n{log.read_text()}")
    wait_for(url + "/-/versions.json", process, timeout=20)
    running = Demo(process, url, output, log)
    yield running
    running.stop()


def test_summary_names_what_was_found(demo: Demo) -> None:
    assert re.search(r"Agencies 机构: [1-9]\d* in [1-9]\d* counties", demo.output)
    for file_type in ("html", "pdf", "docx", "doc"):
        assert re.search(rf"\b{file_type} [1-9]", demo.output.split("Reports found", 1)[1].splitlines()[0]), file_type
    flags_line = demo.output.split("Open flags", 1)[1].splitlines()[0]
    for kind in ("missing", "late", "unbalanced"):
        assert re.search(rf"\b{kind} [1-9]", flags_line), (kind, flags_line)
    assert f"Datasette: {demo.url}/" in demo.output


def test_demo_serves_the_flags_it_printed(demo: Demo) -> None:
    rows = httpx.get(f"{demo.url}/{DATABASE}/flags.json", params={"_shape": "array", "resolved_at__isnull": "1",
                                                                   "_size": "max"}).json()
    printed = dict(re.findall(r"(\w+) (\d+)", demo.output.split("Open flags", 1)[1].splitlines()[0].split("—")[1]))
    kinds: dict[str, int] = {}
    for row in rows:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    assert {k: str(v) for k, v in kinds.items()} == printed


def test_home(page: object, demo: Demo) -> None:
    browse.home(page, demo.url, "demo")


def test_flag_list_with_facets(page: object, demo: Demo) -> None:
    kinds = browse.flag_list(page, demo.url, "demo")
    assert {"missing", "late", "unbalanced"} <= set(kinds)


def test_canned_query(page: object, demo: Demo) -> None:
    assert browse.canned_query(page, demo.url, "demo")


def test_chart_drawn(page: object, demo: Demo) -> None:
    browse.chart(page, demo.url, "demo")


def test_ctrl_c_ends_the_demo_cleanly(demo: Demo) -> None:
    status, err = demo.stop()
    assert status == 0, err
    assert "Traceback" not in err
