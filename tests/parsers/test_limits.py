"""Small hostile files (issue 12, item 2) fail fast with one line, in bounded memory:
each is parsed in a fresh process whose time and peak memory are measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nianbao.demo import hostile as H
from parsers import limits

PARSE_AND_MEASURE = """
import json, sys, time
from pathlib import Path
from parsers import parse_file
started = time.perf_counter()
report = parse_file(sys.argv[1])
peak = next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:"))
print(json.dumps({"error": report.error, "seconds": time.perf_counter() - started, "peak_mb": peak / 1024}))
"""
PEAK_MB = 500
SECONDS = 10  # the shared, loaded test machine: a bounded parse takes well under one


def parse_apart(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", PARSE_AND_MEASURE, str(path)], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize(("make", "name", "words"), [
    (lambda: H.docx_wide_spans(1.0), "spans.docx", "markup tags"),
    (lambda: H.docx_wide_spans(0.05), "spans-small.docx", "table cells"),
    (lambda: H.docx_paragraphs(1.0), "paragraphs.docx", "markup tags"),
    (lambda: H.docx_paragraphs(0.05), "paragraphs-small.docx", "rows"),
    (lambda: H.html_wide_colspans(1.0), "colspans.html", "table cells"),
    (lambda: H.pdf_ruled_grid(3, 150), "grid.pdf", "rules cross"),
    (lambda: H.pdf_inflating_stream(256), "inflating.pdf", "inflates to more than"),
])
def test_hostile_file_fails_fast_in_bounded_memory(make, name: str, words: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(make())
    parsed = parse_apart(path)
    assert parsed["error"] is not None and words in parsed["error"] and "\n" not in parsed["error"]
    assert parsed["seconds"] < SECONDS
    assert parsed["peak_mb"] < PEAK_MB


def test_budget_stops_at_the_first_cell_over_the_limit() -> None:
    budget = limits.Budget()
    budget.spend(limits.MAX_CELLS, 0)
    with pytest.raises(limits.LimitError, match="table cells"):
        budget.spend(1, 0)
