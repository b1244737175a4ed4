"""A response cut short of its Content-Length (a portal that drops the connection part-way)
is a crawl error with a message, never a report and never the replacement of one: whether
Scrapy fails such a download (``nianbao crawl``) or hands it over marked ``dataloss``
(``scrapy crawl`` with DOWNLOAD_FAIL_ON_DATALOSS off)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao.demo.counties import demo_world
from nianbao.demo.server import PortalServer
from nianbao.demo.world import write_registry
from nianbao.store import connect
from tests.crawler.conftest import FAST, REPO, REVALIDATE, crawl_in

SITE, REGION = "hanyin", "610921"
CUT = "ResponseDataLossError: the response was cut short (fewer bytes than its Content-Length)"
SCRAPY = str(Path(sys.executable).with_name("scrapy"))


def scrapy_crawl(folder: Path, years: str, config: str) -> subprocess.CompletedProcess:
    """The same crawl through ``scrapy crawl reports``, told to hand over cut-short bodies."""
    command = [SCRAPY, "crawl", "reports", "-a", f"registry={folder / 'agencies.csv'}", "-a", f"years={years}",
               "-s", f"NIANBAO_DB={folder / 'r.db'}", "-s", f"NIANBAO_FILES={folder / 'files'}",
               "-s", "DOWNLOAD_FAIL_ON_DATALOSS=False"]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=240,
                          env={**os.environ, "NIANBAO_CONFIG": str(folder / config)})


RUNNERS = {"nianbao": crawl_in, "scrapy": scrapy_crawl}


@pytest.mark.parametrize("runner", list(RUNNERS))
def test_a_cut_short_body_is_an_error_not_a_report(runner: str, tmp_path: Path) -> None:
    crawl = RUNNERS[runner]
    world = demo_world()
    site = next(s for s in world.sites if s.name == SITE)
    (tmp_path / "nianbao.toml").write_text(FAST, encoding="utf-8")
    (tmp_path / "revalidate.toml").write_text(REVALIDATE, encoding="utf-8")
    expected = {key for key in world.expected if key[0].startswith(REGION)}
    with PortalServer(world) as server:
        rows = [row for row in world.registry(server.base_url) if row["agency_id"].startswith(REGION)]
        write_registry(tmp_path / "agencies.csv", rows)
        pdf = next(path for path in site.pages if path.endswith(".pdf"))   # one report, never seen whole
        site.pages[pdf].cut = 0.6
        first = crawl(tmp_path, world.years, "nianbao.toml")
        assert first.returncode == 0, first.stderr[-3000:]
        db = connect(tmp_path / "r.db")
        stored = dict(((a, y), sha) for a, y, sha in db.execute("select agency_id, year, sha256 from reports"))
        assert len(stored) == len(expected) - 1 and set(stored) < expected
        assert [(url.endswith(pdf), error) for url, error in db.execute("select url, error from crawl_errors")] == [
            (True, CUT)]

        # A stored report corrected, whose new version arrives cut short.
        before = {path: page.body for path, page in site.pages.items() if page.document}
        world.republish(*sorted(stored)[0])
        changed = [path for path, page in site.pages.items() if page.document and before.get(path) != page.body]
        for path in changed:
            site.pages[path].cut = 0.6
        again = crawl(tmp_path, world.years, "revalidate.toml")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Traceback" not in again.stderr
    assert dict(((a, y), sha) for a, y, sha in db.execute("select agency_id, year, sha256 from reports")) == stored
    assert db.execute("select count(*) from report_versions").fetchone()[0] == 0
    errors = db.execute("select url, error from crawl_errors").fetchall()
    assert errors and {error for _, error in errors} == {CUT}
    assert {"/" + url.split("/", 3)[3] for url, _ in errors} <= {pdf, *changed}
