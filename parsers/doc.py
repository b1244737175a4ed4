"""Legacy Word 97 documents (.doc): converted to DOCX by LibreOffice headless, then read
by ``parsers.docx``.

LibreOffice is a large program run on untrusted input, so every run has a time limit
(its whole process group is killed when it is over), a private profile directory (two
runs sharing one block each other) and temporary files that are always removed.
``soffice_convert`` is also how the demo exports its generated Word files to PDF and DOC.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
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


def parse(data: bytes, source: str) -> Report:
    if ENCRYPTED_STREAM in data:
        return Report.failed(source, "doc", "encrypted (password-protected) Word document")
    if not data.startswith(OLE_MAGIC) or WORD_STREAM not in data:
        return Report.failed(source, "doc", "not a Word 97 document (no WordDocument stream)")
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as work:
        original = Path(work) / "document.doc"
        original.write_bytes(data)
        try:
            soffice_convert([original], "docx:MS Word 2007 XML", Path(work), CONVERT_TIMEOUT)
        except ConversionError as exc:
            return Report.failed(source, "doc", f"cannot convert .doc: {exc}")
        converted = original.with_suffix(".docx")
        if not converted.exists():
            return Report.failed(source, "doc", "LibreOffice could not read the .doc file")
        return docx.parse(converted.read_bytes(), source, file_type="doc")
