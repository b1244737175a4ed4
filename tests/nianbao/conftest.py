"""Shared fixtures: a database built with nianbao.store, a real `nianbao serve` on it,
and a real Chromium. Everything stays on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from nianbao.serve import prepare
from nianbao.store import connect
from tests.nianbao import world

REPO = Path(__file__).resolve().parents[2]
NIANBAO = [str(Path(sys.executable).with_name("nianbao"))]  # the console script pyproject installs
SCREENSHOTS = REPO / "tests" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float) -> None:
    """Until ``url`` answers 200; fail with the process's output if it died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"process exited {process.returncode} before {url} answered:\n{out}\n{err}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {timeout}s")


def stop(process: subprocess.Popen, timeout: float = 20) -> tuple[int, str]:
    """Ctrl-C, as a person would; returns (exit status, standard error)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        pytest.fail(f"process did not stop on Ctrl-C within {timeout}s:\n{err}")
    return process.returncode, err


def start_serve(db: Path, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [*NIANBAO, "serve", "--db", str(db), "--port", str(port)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NIANBAO_CONFIG": str(db.parent / "none.toml")},
    )


@pytest.fixture(scope="session")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("world")
    path = root / "reports.db"
    world.build(path, root / "files")
    prepare(connect(path))
    return path


@pytest.fixture(scope="session")
def site(world_db: Path) -> Iterator[str]:
    """`nianbao serve` on the world database, as a subprocess; its base URL."""
    port = free_port()
    process = start_serve(world_db, port)
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/-/versions.json", process, timeout=60)
    yield url
    stop(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()
