"""Legacy Word 97 documents (.doc): converted to DOCX by LibreOffice headless, then read
by ``parsers.docx``.

LibreOffice takes about a second to start, so one instance is kept running for the life
of the process (``Converter``, driven over UNO by ``parsers.uno_bridge`` under the system
Python) and converts each .doc in tens of milliseconds. It is a large program run on
untrusted input: every conversion has a time limit and a memory limit (over either, it
is killed and the next .doc starts a fresh one), its profile directory is private (two
instances sharing one block each other) and temporary files are always removed.
``soffice_convert`` (one LibreOffice run for a batch of files) is how the demo exports
its generated Word files to PDF and DOC.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from parsers import docx
from parsers.report import Report

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream every Word 97 file has, as its name is stored in the OLE directory (UTF-16).
WORD_STREAM = "WordDocument".encode("utf-16-le")
# What a password-protected DOCX or DOC carries instead: nothing readable without the password.
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
CONVERT_TIMEOUT = 60  # seconds for one .doc
START_TIMEOUT = 60  # seconds for LibreOffice to start
CONVERT_MEMORY_MB = 1024  # resident memory of the running LibreOffice
# The Python that has LibreOffice's ``uno`` module (Debian python3-uno): the system one.
UNO_PYTHON = "/usr/bin/python3"
BRIDGE = Path(__file__).with_name("uno_bridge.py")
DOCX_FILTER = "MS Word 2007 XML"
POLL = 0.05  # seconds between looks at LibreOffice's memory


class ConversionError(Exception):
    """LibreOffice is missing, failed or ran out of time; the message is one line."""


def soffice_convert(files: Sequence[Path], fmt: str, outdir: Path, timeout: float) -> None:
    """Convert ``files`` into ``outdir`` (``<stem>.<ext>``) with one LibreOffice run.

    ``fmt`` is LibreOffice's --convert-to argument, e.g. ``pdf`` or ``doc:MS Word 97``."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ConversionError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-profile-") as profile:
        command = [soffice, "--headless", "--norestore", "--nolockcheck", "--nodefault",
                   f"-env:UserInstallation={Path(profile).as_uri()}",
                   "--convert-to", fmt, "--outdir", str(outdir), *map(str, files)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ConversionError(f"LibreOffice did not finish within {timeout:.0f} s") from None
    if process.returncode:
        last = (stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
        raise ConversionError(f"LibreOffice failed (exit {process.returncode}): {last}")


def _soffice_binary() -> Path:
    """The program itself: ``soffice`` is a script that starts it through a launcher,
    which would leave it running when the launcher is killed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ConversionError("LibreOffice (soffice) is not installed")
    script = Path(soffice).resolve()
    binary = script.with_name("soffice.bin")
    return binary if binary.exists() else script


def _resident_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0.0)


class Converter:
    """One LibreOffice kept running, converting one file at a time within ``CONVERT_TIMEOUT``
    and ``CONVERT_MEMORY_MB``; over either, it is killed and the next call starts another."""

    def __init__(self) -> None:
        self.bridge: subprocess.Popen | None = None
        self.office_pid = 0
        self.profile: Path | None = None

    def convert(self, source: Path, target: Path, filter_name: str) -> None:
        if self.bridge is None or self.bridge.poll() is not None:
            self._start()
        self._send({"in": str(source), "out": str(target), "filter": filter_name})
        answer = self._receive(CONVERT_TIMEOUT, f"LibreOffice did not finish within {CONVERT_TIMEOUT:g} s")
        if "error" in answer:
            raise ConversionError(answer["error"])

    def _start(self) -> None:
        self.close()
        binary = _soffice_binary()
        self.profile = Path(tempfile.mkdtemp(prefix="nianbao-lo-profile-"))
        pipe = f"nianbao-{os.getpid()}-{time.monotonic_ns()}"
        try:
            self.bridge = subprocess.Popen(
                [UNO_PYTHON, str(BRIDGE), str(binary), self.profile.as_uri(), pipe],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            raise ConversionError(f"cannot start {UNO_PYTHON}: {exc.strerror}") from None
        answer = self._receive(START_TIMEOUT, f"LibreOffice did not start within {START_TIMEOUT:g} s")
        if "ready" not in answer:
            self.close()
            raise ConversionError(answer.get("error", "LibreOffice did not start"))
        self.office_pid = answer["ready"]

    def _send(self, job: dict) -> None:
        assert self.bridge is not None and self.bridge.stdin is not None
        try:
            self.bridge.stdin.write((json.dumps(job) + "\n").encode())
            self.bridge.stdin.flush()
        except OSError:
            self.close()
            raise ConversionError("LibreOffice stopped") from None

    def _receive(self, timeout: float, late: str) -> dict:
        """The bridge's next answer; LibreOffice is killed when it is late or too large."""
        assert self.bridge is not None and self.bridge.stdout is not None
        deadline = time.monotonic() + timeout
        while not select.select([self.bridge.stdout], [], [], max(0.0, min(POLL, deadline - time.monotonic())))[0]:
            if time.monotonic() >= deadline:
                self.close()
                raise ConversionError(late)
            if self.office_pid and _resident_mb(self.office_pid) > CONVERT_MEMORY_MB:
                self.close()
                raise ConversionError(f"LibreOffice used more than {CONVERT_MEMORY_MB} MB")
        line = self.bridge.stdout.readline()
        if not line:
            why = self._stopped()
            raise ConversionError(why)
        return json.loads(line)

    def _stopped(self) -> str:
        """Why the bridge ended, in one line (its last line of stderr)."""
        assert self.bridge is not None and self.bridge.stderr is not None
        self.bridge.wait()
        last = (self.bridge.stderr.read().decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
        self.close()
        if "No module named 'uno'" in last:
            return f"LibreOffice's Python bridge is missing ({UNO_PYTHON} cannot import uno: install python3-uno)"
        return f"LibreOffice stopped: {last}"

    def close(self) -> None:
        """Kill LibreOffice and the bridge; the profile directory goes once LibreOffice
        has (a dying one may still write in it)."""
        for pid in (self.office_pid, self.bridge.pid if self.bridge else 0):
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 5
        while self.office_pid and _resident_mb(self.office_pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.bridge is not None:
            self.bridge.wait()
            for stream in (self.bridge.stdin, self.bridge.stdout, self.bridge.stderr):
                if stream is not None:
                    stream.close()
        if self.profile is not None:
            shutil.rmtree(self.profile, ignore_errors=True)
        self.bridge, self.office_pid, self.profile = None, 0, None


# One LibreOffice per process, for its whole life.
converter = Converter()
atexit.register(converter.close)


def parse(data: bytes, source: str) -> Report:
    if ENCRYPTED_STREAM in data:
        return Report.failed(source, "doc", "encrypted (password-protected) Word document")
    if not data.startswith(OLE_MAGIC) or WORD_STREAM not in data:
        return Report.failed(source, "doc", "not a Word 97 document (no WordDocument stream)")
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as work:
        original, converted = Path(work) / "document.doc", Path(work) / "document.docx"
        original.write_bytes(data)
        try:
            converter.convert(original, converted, DOCX_FILTER)
        except ConversionError as exc:
            return Report.failed(source, "doc", f"cannot convert .doc: {exc}")
        if not converted.exists():
            return Report.failed(source, "doc", "LibreOffice could not read the .doc file")
        return docx.parse(converted.read_bytes(), source, file_type="doc")
