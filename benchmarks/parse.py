"""Parsing speed and memory per document type, on a generated corpus.

    .venv/bin/python benchmarks/parse.py [--count 100] [--doc-count 50] [--scan-count 20] [--only TYPE] [--corpus DIR]

Builds ``--count`` reports of each type with ``nianbao.demo.documents`` (both templates,
varied encodings and text layouts; PDF and DOC by one batched, cached LibreOffice run),
then parses each type in a fresh subprocess, single-threaded, and prints reports per
second per core (CPU time of the parsing process and its children), wall time and peak
resident memory. Beside PDF it prints what ``pdftotext`` takes on the same files: the
floor for reading a PDF at all. DOC parsing converts through one LibreOffice kept
running (started by the warm-up parse); its CPU time is read from /proc, since it is not
a child the parsing process waits for. The OCR row reads ``--scan-count`` scanned reports and
counts their cells read right, left null and read wrong. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

AGENCIES = ("汉阴县卫生健康局", "尉氏县卫生健康委员会", "许昌市卫生健康委员会", "尉氏县人民政府", "城关镇人民政府")
HTML_VARIANTS = ({"encoding": "utf-8"}, {"encoding": "gbk", "declare_charset": False}, {"encoding": "gb2312"})
TXT_LAYOUTS = ("tabs", "cells", "markdown")
TYPES = ("html", "docx", "pdf", "doc", "txt")
TARGETS = {"html": 50, "docx": 50, "txt": 50, "pdf": 5, "doc": 10}
PEAK_TARGET_MB = 300
OCR_TABLES = ("active", "applications", "review_litigation")
OCR_PAGE_SECONDS = 5
SCAN_DPI = (200, 150)  # scans alternate between these resolutions
# Prose added to every sample so its PDF runs to ~5 pages, the length of a typical report.
EXTRA_PROSE = ("（{n}）深化重点领域信息公开。围绕财政预决算、重大建设项目、公共资源配置、社会公益事业等重点领域，"
               "及时准确发布相关信息，全年累计发布重点领域信息若干条，并通过政务新媒体同步推送，方便群众查阅。"
               "同时加强政策解读，采用图文、视频等多种形式解读重要政策文件，回应社会关切。")
EXTRA_PARAGRAPHS = 14


def reports(count: int) -> list[dict]:
    from nianbao.demo import documents as D

    out = []
    for i in range(count):
        template = "2021" if i % 3 else "2019"
        year = 2019 + i % 2 if template == "2019" else 2021 + i % 4
        report = D.sample_report(i, agency=AGENCIES[i % len(AGENCIES)], year=year, template=template,
                                 balanced=i % 5 != 0, blanks=i % 4 == 0)
        report["sections"]["overview"] += [EXTRA_PROSE.format(n=n) for n in range(4, 4 + EXTRA_PARAGRAPHS)]
        out.append(report)
    return out


def build_corpus(root: Path, count: int, doc_count: int) -> dict[str, list[Path]]:
    """The corpus on disk, one folder per type; LibreOffice exports come from the cache."""
    from nianbao.demo import documents as D

    samples = reports(count)
    render = {
        "html": lambda i, r: D.render_html(r, pub_date=f"{r['year'] + 1}-01-20", **HTML_VARIANTS[i % 3]),
        "docx": lambda i, r: D.render_docx(r),
        "txt": lambda i, r: D.render_txt(r, TXT_LAYOUTS[i % 3]),
    }
    corpus: dict[str, list[Path]] = {}
    for kind, make in render.items():
        folder = root / kind
        folder.mkdir(parents=True, exist_ok=True)
        corpus[kind] = []
        for i, report in enumerate(samples):
            path = folder / f"r{i:04d}.{kind}"
            path.write_bytes(make(i, report))
            corpus[kind].append(path)
    for kind, n in (("pdf", count), ("doc", doc_count)):
        start = time.perf_counter()
        corpus[kind] = D.convert_many(corpus["docx"][:n], "pdf" if kind == "pdf" else "doc:MS Word 97", root / kind)
        print(f"corpus: {n} {kind} files ready in {time.perf_counter() - start:.1f} s (LibreOffice, cached)",
              file=sys.stderr)
    return corpus


def converter_cpu() -> float:
    """CPU seconds so far of the running LibreOffice and its bridge (0 when none runs)."""
    from parsers.doc import converter

    pids = (converter.office_pid, converter.bridge.pid if converter.bridge else 0)
    ticks = 0
    for pid in filter(None, pids):
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def worker(files: list[str]) -> dict:
    """Runs in its own process: parse every file once, after one warm-up parse."""
    from parsers import parse_bytes

    blobs = [(f, Path(f).read_bytes()) for f in files]
    parse_bytes(blobs[0][1], blobs[0][0])  # imports, caches, LibreOffice started
    office = converter_cpu()
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    failed = 0
    for name, data in blobs:
        failed += parse_bytes(data, name).error is not None
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))
    cpu += converter_cpu() - office
    return {"n": len(blobs), "failed": failed, "cpu": cpu, "wall": wall, "peak_mb": peak_mb()}


def scan_corpus(root: Path, count: int) -> list[Path]:
    """``count`` reports printed and scanned (``nianbao.demo.scans``: 150–200 dpi,
    leaning, dusty; image-only PDFs), each beside a ``.json`` of its tables' values."""
    from nianbao.demo import documents as D
    from nianbao.demo import scans

    folder = root / "ocr"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(count):
        template = "2021" if i % 3 else "2019"
        year = 2020 if template == "2019" else 2021 + i % 4
        report = D.sample_report(i, agency=AGENCIES[i % len(AGENCIES)], year=year, template=template,
                                 balanced=i % 5 != 0, blanks=i % 4 == 0)
        path = folder / f"s{i:03d}-{SCAN_DPI[i % 2]}dpi.pdf"
        if not path.exists():  # a scan made before is kept: making one takes seconds
            path.write_bytes(scans.scanned_pdf(report, seed=i, dpi=SCAN_DPI[i % 2]))
        path.with_suffix(".json").write_text(json.dumps({t: report[t] for t in OCR_TABLES}))
        files.append(path)
    return files


def cell_values(table: dict, prefix: str = "") -> dict:
    out: dict = {}
    for key, value in table.items():
        out.update(cell_values(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key: value})
    return out


def ocr_worker(files: list[str]) -> dict:
    """Runs in its own process: parse every scan once, and count its cells read right,
    left null and read wrong against the values it was printed from."""
    import pypdfium2 as pdfium

    from parsers import parse_bytes

    tally = {"right": 0, "null": 0, "wrong": 0}
    pages = failed = 0
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    for name in files:
        data = Path(name).read_bytes()
        pages += len(pdfium.PdfDocument(data))
        parsed = parse_bytes(data, name)
        failed += parsed.error is not None
        expected = json.loads(Path(name).with_suffix(".json").read_text())
        for table in OCR_TABLES:
            got = cell_values(getattr(parsed, table))
            for key, value in cell_values(expected[table]).items():
                tally["right" if got.get(key) == value else "null" if got.get(key) is None else "wrong"] += 1
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))
    return {"n": len(files), "pages": pages, "failed": failed, "cpu": cpu, "wall": wall, "peak_mb": peak_mb(), **tally}


def ocr_row(files: list[Path]) -> None:
    done = subprocess.run([sys.executable, __file__, "--ocr-worker", *map(str, files)], capture_output=True,
                          text=True, check=True)
    r = json.loads(done.stdout.splitlines()[-1])
    cells = r["right"] + r["null"] + r["wrong"]
    print(f"ocr   {r['n']:>5} {r['failed']:>6} {r['pages']} pages: {r['cpu'] / r['pages']:.1f} s CPU/page "
          f"({r['wall'] / r['pages']:.1f} s wall), {r['cpu'] / r['n']:.1f} s CPU/report, peak {r['peak_mb']:.0f} MB "
          f"(tesseract runs in its own process); cells {r['right'] / cells:.1%} right, {r['null'] / cells:.1%} null, "
          f"{r['wrong'] / cells:.1%} wrong of {cells}  target: >= 98% right, <= 0.5% wrong, < {OCR_PAGE_SECONDS} s/page")


def peak_mb() -> float:
    """This process's peak resident memory. Not ``ru_maxrss``: Linux carries it over
    from the parent across exec, so every worker would report the corpus builder's peak."""
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024


def measure(files: list[Path]) -> dict:
    done = subprocess.run([sys.executable, __file__, "--worker", *map(str, files)], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.splitlines()[-1])


def pdftotext_time(files: list[Path]) -> dict | None:
    """``pdftotext`` on every file (one process each, as a pipeline would run it)."""
    binary = shutil.which("pdftotext")
    if binary is None:
        return None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    for path in files:
        subprocess.run([binary, "-layout", str(path), "-"], capture_output=True, check=False)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"n": len(files), "wall": wall, "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime}


def pages(files: list[Path]) -> float:
    import pypdfium2 as pdfium

    return sum(len(pdfium.PdfDocument(f.read_bytes())) for f in files) / len(files)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("--worker", "--ocr-worker"):
        print(json.dumps((worker if sys.argv[1] == "--worker" else ocr_worker)(sys.argv[2:])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100, help="reports of each type (default 100)")
    parser.add_argument("--doc-count", type=int, default=50, help="reports for .doc (default 50)")
    parser.add_argument("--scan-count", type=int, default=20, help="scanned reports read by OCR (0: none)")
    parser.add_argument("--only", choices=(*TYPES, "ocr"), help="measure this row only")
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/nianbao-bench-corpus"))
    args = parser.parse_args()
    kinds = [k for k in TYPES if args.only in (None, k)]
    corpus = build_corpus(args.corpus, args.count, args.doc_count) if kinds else {}
    print(f"{'type':<5} {'files':>5} {'failed':>6} {'reports/s/core':>15} {'wall s':>8} {'peak MB':>8}  target")
    if args.scan_count and args.only in (None, "ocr"):
        ocr_row(scan_corpus(args.corpus, args.scan_count))
    for kind in kinds:
        result = measure(corpus[kind])
        rate = result["n"] / result["cpu"] if result["cpu"] else float("inf")
        target = f">= {TARGETS[kind]}/s" if kind in TARGETS else "(none)"
        print(f"{kind:<5} {result['n']:>5} {result['failed']:>6} {rate:>15.1f} {result['wall']:>8.2f} "
              f"{result['peak_mb']:>8.0f}  {target}, < {PEAK_TARGET_MB} MB")
        if kind == "pdf":
            floor = pdftotext_time(corpus[kind])
            if floor:
                print(f"      pdftotext -layout on the same {floor['n']} PDFs ({pages(corpus[kind]):.1f} pages each): "
                      f"{floor['wall'] / floor['n'] * 1000:.1f} ms/file wall, {floor['cpu'] / floor['n'] * 1000:.1f} ms/file "
                      f"CPU; our parser: {result['cpu'] / result['n'] * 1000:.1f} ms/file CPU")


if __name__ == "__main__":
    main()
