"""DOC (Word 97): the generated reports saved as .doc by LibreOffice read back cell for cell
through LibreOffice again; garbage, a missing LibreOffice and a hung conversion give a
one-line error."""

from __future__ import annotations

import os
import time

import pytest

from nianbao.demo import documents as D
from parsers import doc as X
from parsers import parse_bytes, sniff
from tests.parsers.generated import assert_same_report, cases, sample

AGENCY = "许昌市卫生健康委员会"
CASES = cases((21, True, False), (22, False, True))


@pytest.fixture(scope="session")
def word97() -> list[tuple[dict, bytes]]:
    """The samples exported to .doc in one LibreOffice run (cached across runs)."""
    reports = [sample(seed, template, balanced, blanks, agency=AGENCY, year=2021 if template == "2021" else 2019)
               for seed, template, balanced, blanks in CASES]
    return list(zip(reports, D.export_many(reports, "doc")))


def test_doc_reports_read_back_every_cell(word97: list[tuple[dict, bytes]]) -> None:
    for report, data in word97:
        assert data.startswith(X.OLE_MAGIC) and sniff(data, "report.doc") == "doc"
        parsed = parse_bytes(data, "report.doc")
        assert_same_report(parsed, report, "doc")
        assert bool(parsed.warnings) == bool(report["blank_cells"])


def test_temporary_files_are_removed(word97: list[tuple[dict, bytes]], tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    parsed = parse_bytes(word97[0][1], "report.doc")
    assert parsed.error is None
    assert list(tmp_path.iterdir()) == []


def assert_one_line_error(parsed, words: str) -> None:
    assert parsed.error is not None and "\n" not in parsed.error
    assert words in parsed.error
    assert parsed.file_type == "doc" and parsed.applications == {}


def test_garbage_with_the_ole_magic_is_an_error() -> None:
    data = X.OLE_MAGIC + os.urandom(4096)
    assert_one_line_error(parse_bytes(data, "report.doc"), "not a Word 97 document")


def test_password_protected_document_is_an_error() -> None:
    data = X.OLE_MAGIC + bytes(504) + X.ENCRYPTED_STREAM + os.urandom(2048)
    assert_one_line_error(parse_bytes(data, "report.docx"), "encrypted")


def test_garbage_that_looks_like_word_is_an_error() -> None:
    """Passes the cheap check, so LibreOffice itself has to give up on it."""
    data = X.OLE_MAGIC + bytes(504) + X.WORD_STREAM + os.urandom(8192)
    parsed = parse_bytes(data, "report.doc")
    assert parsed.error is not None and "\n" not in parsed.error
    assert parsed.applications == {}


def test_one_libreoffice_converts_every_document(word97: list[tuple[dict, bytes]]) -> None:
    """Starting LibreOffice costs a second; converting with it running, tens of milliseconds."""
    assert parse_bytes(word97[0][1], "first.doc").error is None
    office = X.converter.office_pid
    for index, (_, data) in enumerate(word97 * 2):
        assert parse_bytes(data, f"again{index}.doc").error is None
    assert X.converter.office_pid == office != 0


def test_missing_libreoffice_is_an_error(word97: list[tuple[dict, bytes]], tmp_path, monkeypatch) -> None:
    X.converter.close()
    monkeypatch.setenv("PATH", str(tmp_path))
    assert_one_line_error(parse_bytes(word97[0][1], "report.doc"), "LibreOffice (soffice) is not installed")


def gone(pid: int, wait: float = 5) -> bool:
    """Whether a process has ended (a killed one takes a moment to go) within ``wait`` s."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if "(zombie)" in open(f"/proc/{pid}/status").read():
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_conversion_over_its_time_limit_is_killed(word97: list[tuple[dict, bytes]], monkeypatch) -> None:
    """The late LibreOffice is gone, and the next document gets a fresh one."""
    assert parse_bytes(word97[0][1], "warm.doc").error is None
    late = X.converter.office_pid
    monkeypatch.setattr(X, "CONVERT_TIMEOUT", 0.001)
    started = time.perf_counter()
    assert_one_line_error(parse_bytes(word97[0][1], "report.doc"), "did not finish within")
    assert time.perf_counter() - started < 5
    assert gone(late)
    monkeypatch.setattr(X, "CONVERT_TIMEOUT", 60)
    assert parse_bytes(word97[0][1], "next.doc").error is None
    assert X.converter.office_pid not in (0, late)


def test_libreoffice_over_its_memory_limit_is_killed(word97: list[tuple[dict, bytes]], monkeypatch) -> None:
    monkeypatch.setattr(X, "CONVERT_MEMORY_MB", 1)
    X.converter.close()
    assert_one_line_error(parse_bytes(word97[0][1], "report.doc"), "LibreOffice used more than 1 MB")
