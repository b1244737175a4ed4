"""The crawler's parsing workers: a document over the time or memory limit costs its
worker (killed with what it started, replaced) and becomes a failed report; the documents
after it are parsed as before."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from crawler.parsing import Limits, ParsePool
from crawler.settings import from_config
from nianbao import config
from nianbao.demo import documents as D
from nianbao.demo import hostile as H
from parsers import parse_bytes

AGENCY = "汉阴县卫生健康局"


@pytest.fixture(scope="module")
def page() -> bytes:
    return D.render_html(D.sample_report(7, agency=AGENCY, year=2023), pub_date="2024-01-20")


@pytest.fixture
def pool() -> Iterator[ParsePool]:
    pool = ParsePool(Limits(seconds=30, memory_mb=1024, workers=1))
    yield pool
    pool.close()


def alive(pid: int) -> bool:
    try:
        return "(zombie)" not in open(f"/proc/{pid}/status").read()
    except FileNotFoundError:
        return False


def test_documents_are_parsed_in_a_worker(pool: ParsePool, page: bytes) -> None:
    report = pool.parse(page, "report.html", "text/html")
    assert report.error is None and report.agency == AGENCY
    assert report == parse_bytes(page, "report.html", "text/html")  # what came back as JSON is the report
    assert pool.workers[0].process.pid != os.getpid()


def test_a_document_over_the_time_limit_is_an_error_and_its_worker_replaced(pool: ParsePool, page: bytes) -> None:
    """Under every parser's own bounds, yet seconds of work: thousands of rows in a table."""
    slow = H.docx_paragraphs(0.012)
    assert pool.parse(page, "warm.html").error is None
    first = pool.workers[0].process.pid
    pool.limits = Limits(seconds=0.3, memory_mb=1024, workers=1)
    started = time.monotonic()
    report = pool.parse(slow, "slow.docx")
    assert time.monotonic() - started < 5
    assert report.error == "parsing took longer than 0.3 s: stopped" and report.file_type == "docx"
    assert not alive(first) and pool.workers[0].process.pid != first
    pool.limits = Limits(seconds=30, memory_mb=1024, workers=1)
    assert pool.parse(page, "next.html").agency == AGENCY


def test_a_document_over_the_memory_limit_is_an_error_and_its_worker_replaced(pool: ParsePool, page: bytes) -> None:
    assert pool.parse(page, "warm.html").error is None
    first = pool.workers[0].process.pid
    pool.limits = Limits(seconds=30, memory_mb=1, workers=1)
    report = pool.parse(page, "large.html")
    assert report.error == "parsing used more than 1 MB of memory: stopped"
    assert not alive(first)
    pool.limits = Limits(seconds=30, memory_mb=1024, workers=1)
    assert pool.parse(page, "next.html").agency == AGENCY


def test_limits_are_settings(tmp_path) -> None:
    assert Limits.from_settings(config.load(tmp_path / "none.toml", environ={})["crawl"]) == Limits(180, 1024, 2)
    (tmp_path / "nianbao.toml").write_text("[crawl]\nparse_seconds = 5\nparse_workers = 1\n", encoding="utf-8")
    crawl = from_config(config.load(tmp_path / "nianbao.toml", environ={})["crawl"])
    assert Limits.from_settings(crawl["NIANBAO_PARSE_LIMITS"]) == Limits(5, 1024, 1)
