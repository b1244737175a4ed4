"""Peak memory of a command and every process it starts, sampled from /proc.

``ru_maxrss`` will not do for the benchmarks: it is one process's figure (the monitor
forks workers, the crawler starts Chromium), and Linux carries it over from the parent
across fork and exec, so a child started by a benchmark that built a large corpus first
reports the builder's peak. Instead a thread sums the proportional set size (PSS: pages
shared between the processes are split among them, not counted twice) of the process
tree twenty times a second and keeps the largest sum.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import Any


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants that are alive now."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def _pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), 0)


class PeakTreeMemory:
    """Samples a running process tree until ``stop``; ``peak_mb`` is the largest sum."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak_kb = max(self.peak_kb, sum(map(_pss_kb, _tree(self.pid))))
            time.sleep(self.interval)

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak_mb

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


def run_measured(command: list[str], **kwargs: Any) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run ``command`` to its end: (the completed process, wall seconds, peak MB of its tree)."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    memory = PeakTreeMemory(process.pid)
    stdout, stderr = process.communicate()
    seconds = time.monotonic() - started
    peak = memory.stop()
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr), seconds, peak
