"""Parsing in worker processes, so that no document can stall or kill a crawl.

A hostile or broken file can take minutes or gigabytes in a parser (every parser bounds
its own work, but a bound can be missed). Here each document is parsed by one of a few
worker processes (``python -m crawler.parsing``), each in a process group of its own with
whatever it starts (LibreOffice for .doc). A worker over the time or memory limit of the
document it parses is killed with its group and replaced, and the document becomes a
failed report (a ``crawl_errors`` row). Parsing also runs on another core while Scrapy
waits on the network: ``ParsePool.parse`` blocks, so the pipeline calls it from a thread.

Frames on the workers' pipes: an 8-byte big-endian length, then the payload. A worker
first says ``READY`` once it has imported every parser (the limits are for parsing, not
for starting up), then answers each pickled ``(data, source, content_type, images)`` with a
``Report`` as JSON: a worker runs parsers on untrusted bytes, so what comes back from it
is data, never a pickle that could run code in the crawler.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from parsers import PARSER_MODULES, parse_bytes, sniff
from parsers.report import Report

_LENGTH = struct.Struct(">Q")
POLL = 0.05  # seconds between looks at a worker's clock and memory
START_TIMEOUT = 120  # seconds for a worker to import the parsers
READY = b"ready"
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Limits:
    """Per-document limits and how many documents are parsed at once (``[crawl]``
    ``parse_seconds``, ``parse_memory_mb``, ``parse_workers``)."""

    seconds: float
    memory_mb: int
    workers: int

    @classmethod
    def from_settings(cls, crawl: dict[str, Any]) -> "Limits":
        return cls(seconds=float(crawl["parse_seconds"]), memory_mb=int(crawl["parse_memory_mb"]),
                   workers=max(1, int(crawl["parse_workers"])))


def write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def read_frame(stream: IO[bytes]) -> bytes:
    """The next payload, or ``EOFError`` when the other side has gone."""
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        raise EOFError
    size = _LENGTH.unpack(header)[0]
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError
    return payload


def _group(pid: int) -> list[int]:
    """A process and all its descendants (LibreOffice included)."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        try:
            stack += map(int, Path(f"/proc/{current}/task/{current}/children").read_text().split())
        except OSError:
            continue
        found.append(current)
    return found


def group_peak_mb(pid: int) -> float:
    """The peak resident memory of a process and its descendants, summed (each since its
    last ``reset_peaks``): a burst between two looks is seen all the same."""
    total = 0
    for member in _group(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return total / 1024


def reset_peaks(pid: int) -> None:
    """Start the peaks of a process and its descendants afresh (``clear_refs`` 5)."""
    for member in _group(pid):
        try:
            Path(f"/proc/{member}/clear_refs").write_text("5")
        except OSError:
            pass


class Worker:
    """One parsing process, its own process group leader."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "crawler.parsing"], cwd=REPO, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, start_new_session=True)
        self.started = False

    def send(self, request: tuple[bytes, str, str | None, dict[str, bytes] | None]) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        if not self.started:
            if not select.select([self.process.stdout], [], [], START_TIMEOUT)[0] or \
                    read_frame(self.process.stdout) != READY:
                raise OSError("the parsing process did not start")
            self.started = True
        reset_peaks(self.process.pid)
        write_frame(self.process.stdin, pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL))

    def answer(self, limits: Limits) -> Report | str:
        """The worker's report, or why it was stopped (it is then dead)."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + limits.seconds
        while True:
            ready = select.select([self.process.stdout], [], [], max(0.0, min(POLL, deadline - time.monotonic())))[0]
            if group_peak_mb(self.process.pid) > limits.memory_mb:
                self.kill()
                return f"parsing used more than {limits.memory_mb} MB of memory: stopped"
            if ready:
                break
            if time.monotonic() >= deadline:
                self.kill()
                return f"parsing took longer than {limits.seconds:g} s: stopped"
        try:
            return Report(**json.loads(read_frame(self.process.stdout)))
        except (EOFError, ValueError, TypeError):
            self.kill()
            return f"the parsing process died (exit status {self.process.returncode})"

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class ParsePool:
    """Up to ``limits.workers`` workers, each started when first needed (a crawl that finds
    nothing new parses nothing); ``parse`` may be called from that many threads at once."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.workers: list[Worker] = []
        self.idle: queue.SimpleQueue[Worker | None] = queue.SimpleQueue()
        for _ in range(limits.workers):
            self.idle.put(None)  # a worker not started yet

    def parse(self, data: bytes, source: str, content_type: str | None = None,
              images: dict[str, bytes] | None = None) -> Report:
        worker = self.idle.get()
        if worker is None:
            worker = Worker()
            self.workers.append(worker)
        try:
            try:
                worker.send((data, source, content_type, images))
                answer = worker.answer(self.limits)
            except (OSError, EOFError):
                worker.kill()
                answer = f"the parsing process died (exit status {worker.process.returncode})"
            if isinstance(answer, str):
                worker = self._replace(worker)
                return Report.failed(source, sniff(data, source, content_type), answer)
            return answer
        finally:
            self.idle.put(worker)

    def _replace(self, dead: Worker) -> Worker:
        fresh = Worker()
        self.workers[self.workers.index(dead)] = fresh
        return fresh

    def close(self) -> None:
        """Workers end when their input closes; any still busy after a moment are killed."""
        for worker in self.workers:
            if worker.process.stdin is not None and not worker.process.stdin.closed:
                worker.process.stdin.close()
        deadline = time.monotonic() + 5
        for worker in self.workers:
            try:
                worker.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            worker.kill()


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The worker's loop: one report for each document, until the input closes."""
    for module in PARSER_MODULES.values():
        importlib.import_module(module)
    write_frame(answers, READY)
    while True:
        try:
            data, source, content_type, images = pickle.loads(read_frame(requests))
        except EOFError:
            return
        report = parse_bytes(data, source, content_type, images)
        write_frame(answers, json.dumps(dataclasses.asdict(report), ensure_ascii=False).encode())


if __name__ == "__main__":
    # Answers go out on a private copy of stdout; anything a library prints goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, answers)
