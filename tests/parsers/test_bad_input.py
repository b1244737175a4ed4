"""Bad input through the real command line: each bad file a one-line error, the good
files beside it still parsed, exit status 1, never a traceback."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from nianbao.demo import documents as D
from tests.parsers.conftest import NIANBAO

AGENCY = "汉阴县卫生健康局"


def run_parse(*files: Path) -> tuple[int, list[dict], str]:
    done = subprocess.run([str(NIANBAO), "parse", *map(str, files), "--json"], capture_output=True, text=True,
                          timeout=180, cwd=files[0].parent)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def damaged_page(pdf: bytes) -> bytes:
    """The PDF with its second page object no longer saying it is a page: the file opens,
    that page does not load."""
    second = list(re.finditer(rb"/Type\s*/Page\b", pdf))[1]
    return pdf[:second.start()] + b"/Type/Xage" + pdf[second.end():]


@pytest.fixture(scope="module")
def good() -> tuple[dict, bytes, bytes]:
    report = D.sample_report(51, agency=AGENCY, year=2023)
    return report, D.render_html(report, pub_date="2024-01-20"), D.render_pdf(report)


def test_bad_files_among_good_ones(tmp_path: Path, good: tuple[dict, bytes, bytes]) -> None:
    report, page, pdf = good
    files = {
        "good.html": page,
        "empty.pdf": b"",
        "blank.txt": b"  \n\n",
        "cut.pdf": pdf[: len(pdf) // 3],
        "lying.docx": pdf,  # a PDF saved under a Word name is read as the PDF it is
        "garbage.pdf": b"%PDF-1.5\n" + b"\x00\xff" * 3000,
        "damaged-page.pdf": damaged_page(pdf),
        "zip.docx": b"PK\x03\x04" + b"\x00" * 200,
        "good.pdf": pdf,
    }
    paths = []
    for name, data in files.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    status, out, stderr = run_parse(*paths)
    assert status == 1
    assert "Traceback" not in stderr
    assert [Path(o["source"]).name for o in out] == list(files)
    by_name = {Path(o["source"]).name: o for o in out}
    for name in ("good.html", "lying.docx", "good.pdf"):
        parsed = by_name[name]
        assert parsed["error"] is None, name
        assert (parsed["agency"], parsed["year"], parsed["format"]) == (AGENCY, 2023, "2021")
        assert parsed["applications"] == report["applications"]
        assert parsed["review_litigation"] == report["review_litigation"]
        assert parsed["active"] == report["active"]
    assert by_name["lying.docx"]["file_type"] == "pdf"
    assert by_name["empty.pdf"]["error"] == "empty document"
    assert by_name["blank.txt"]["error"] == "empty document"
    assert by_name["cut.pdf"]["error"].startswith("not a readable PDF (truncated?")
    assert by_name["garbage.pdf"]["error"].startswith("not a readable PDF")
    assert by_name["damaged-page.pdf"]["error"] == "damaged PDF: page 2 of 3 cannot be read"
    assert by_name["zip.docx"]["error"].startswith("not a readable DOCX")
    bad = [name for name, parsed in by_name.items() if parsed["error"]]
    assert sorted(bad) == sorted(["empty.pdf", "blank.txt", "cut.pdf", "garbage.pdf", "damaged-page.pdf", "zip.docx"])
    for name in bad:
        assert "\n" not in by_name[name]["error"]
        assert f"{name}: {by_name[name]['error']}" in stderr
    assert len(stderr.strip().splitlines()) == len(bad)  # one line per bad file, nothing else


def test_all_good_files_exit_zero(tmp_path: Path, good: tuple[dict, bytes, bytes]) -> None:
    _, page, _ = good
    path = tmp_path / "report.htm"
    path.write_bytes(page.decode("utf-8").encode("gb18030").replace(b"charset=utf-8", b"charset=gb2312"))
    status, out, stderr = run_parse(path)
    assert (status, stderr) == (0, "")
    assert out[0]["error"] is None and out[0]["published_at"] == "2024-01-20"


def test_missing_file(tmp_path: Path) -> None:
    present = tmp_path / "present.txt"
    present.write_text("not a report at all", encoding="utf-8")
    status, out, stderr = run_parse(present, tmp_path / "absent.pdf")
    assert status == 1 and "Traceback" not in stderr
    assert out[1]["error"].startswith("cannot read file")
    assert out[0]["error"].startswith("not an annual report")
