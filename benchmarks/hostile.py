"""Hostile and damaged documents, each parsed in its own process under ``/usr/bin/time -v``.

    .venv/bin/python benchmarks/hostile.py [--per-original 100] [--jobs 2] [--keep DIR]
    .venv/bin/python benchmarks/hostile.py --crawl

Mutates generated reports (``nianbao.demo.documents``: HTML, DOCX, PDF, DOC, text) the
ways files arrive damaged — truncated, bytes flipped, table cells and rows deleted, saved
under another type's extension, re-encoded — adds the hostile files of issue 12 item 2
(``nianbao.demo.hostile``), parses every one with ``parsers.parse_file`` in a fresh
process and prints: tracebacks (a non-zero exit or a traceback on stderr), hangs (over
30 s, killed), peak memory over 500 MB, and parses whose table cells differ from the
original's with no warning and no doubt said. Targets: 0, 0, 0, 0. Then the silent
differences by mutation, to read. With ``--crawl`` it instead times a crawl of the demo
portals alone and one beside a portal serving the hostile files (target: under twice
the time). Asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nianbao.demo import documents as D  # noqa: E402
from nianbao.demo import hostile as H  # noqa: E402
from nianbao.demo.counties import demo_world  # noqa: E402
from nianbao.demo.server import PortalServer  # noqa: E402
from nianbao.demo.world import write_registry  # noqa: E402
from parsers.encoding import decode  # noqa: E402

HANG_SECONDS = 30
PEAK_LIMIT_MB = 500
AGENCIES = ("汉阴县卫生健康局", "尉氏县人民政府", "城关镇人民政府", "许昌市卫生健康委员会")
TABLES = ("active", "applications", "review_litigation")
ENCODINGS = ("gb18030", "gbk", "utf-16", "utf-8-sig", "big5")
# One parse, in the process /usr/bin/time measures: the report's tables, warnings and error as JSON.
PARSE_ONE = """
import dataclasses, json, sys
from parsers import parse_file
report = dataclasses.asdict(parse_file(sys.argv[1]))
print(json.dumps({k: report[k] for k in ("error", "warnings", "doubts", "active", "applications",
                  "review_litigation")}, ensure_ascii=False, default=str))
"""
_PEAK = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")


@dataclass
class Case:
    name: str
    kind: str  # the mutation (or "hostile", "original")
    original: str | None  # the name of the file it was made from


def originals(count: int) -> dict[str, bytes]:
    """``count`` reports in every type; PDF and DOC exported by LibreOffice (cached)."""
    reports = [D.sample_report(i, agency=AGENCIES[i % len(AGENCIES)], year=2021 + i % 4,
                               template="2019" if i % 3 == 0 else "2021", blanks=i % 2 == 0) for i in range(count)]
    files: dict[str, bytes] = {}
    for i, report in enumerate(reports):
        files[f"r{i}.html"] = D.render_html(report, pub_date=f"{report['year'] + 1}-01-20",
                                            **({"encoding": "gbk"} if i % 2 else {}))
        files[f"r{i}.docx"] = D.render_docx(report)
        files[f"r{i}.txt"] = D.render_txt(report, ("tabs", "cells", "markdown")[i % 3])
    for fmt in ("pdf", "doc"):
        for i, data in enumerate(D.export_many(reports, fmt)):
            files[f"r{i}.{fmt}"] = data
    return files


# --- mutations: (name, data, rng) -> bytes or None when it does not apply ----------------

def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(1, len(data))]


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 4, 32))):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _delete_one(markup: bytes, pattern: re.Pattern[bytes], rng: random.Random) -> bytes | None:
    found = list(pattern.finditer(markup))
    if not found:
        return None
    match = rng.choice(found)
    return markup[:match.start()] + markup[match.end():]


_HTML_CELL = re.compile(rb"<td\b.*?</td>", re.S)
_HTML_ROW = re.compile(rb"<tr\b.*?</tr>", re.S)
_DOCX_CELL = re.compile(rb"<w:tc>.*?</w:tc>", re.S)
_DOCX_ROW = re.compile(rb"<w:tr\b.*?</w:tr>", re.S)


def _in_docx(data: bytes, change: Callable[[bytes], bytes | None]) -> bytes | None:
    """A DOCX with its main part changed, everything else as it was."""
    source = zipfile.ZipFile(io.BytesIO(data))
    changed = change(source.read("word/document.xml"))
    if changed is None:
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member, changed if member.filename == "word/document.xml" else source.read(member))
    return buffer.getvalue()


def _text_lines(data: bytes, rng: random.Random, cells: bool) -> bytes | None:
    lines = data.split(b"\n")
    numbered = [i for i, line in enumerate(lines) if re.search(rb"\d", line) and (b"\t" in line or b"|" in line)]
    if not numbered:
        return None
    i = rng.choice(numbered)
    if cells:
        parts = re.split(rb"(\t|\|)", lines[i])
        values = [j for j in range(0, len(parts), 2) if parts[j].strip()]
        j = rng.choice(values)
        lines[i] = b"".join(parts[:j] + parts[j + 2:])
    else:
        del lines[i]
    return b"\n".join(lines)


def _deleting(html: re.Pattern, docx: re.Pattern, cells: bool) -> Callable[[str, bytes, random.Random], bytes | None]:
    """A mutation that deletes one cell (or one row) of a table, as the file type writes it."""
    def delete(name: str, data: bytes, rng: random.Random) -> bytes | None:
        suffix = Path(name).suffix
        if suffix == ".html":
            return _delete_one(data, html, rng)
        if suffix == ".docx":
            return _in_docx(data, lambda xml: _delete_one(xml, docx, rng))
        return _text_lines(data, rng, cells=cells) if suffix == ".txt" else None
    return delete


delete_cell = _deleting(_HTML_CELL, _DOCX_CELL, cells=True)
delete_row = _deleting(_HTML_ROW, _DOCX_ROW, cells=False)


def reencode(name: str, data: bytes, rng: random.Random) -> bytes | None:
    """HTML and text saved in another encoding; HTML's declared charset left as it was."""
    if Path(name).suffix not in (".html", ".txt"):
        return None
    return decode(data, None).encode(rng.choice(ENCODINGS), errors="replace")


MUTATIONS: dict[str, Callable[[str, bytes, random.Random], bytes | None]] = {
    "truncated": lambda name, data, rng: truncate(data, rng),
    "flipped": lambda name, data, rng: flip_bytes(data, rng),
    "cell deleted": delete_cell,
    "row deleted": delete_row,
    "re-encoded": reencode,
}
WRONG_EXTENSIONS = (".pdf", ".docx", ".doc", ".html", ".txt")


def build(folder: Path, per_original: int, count: int) -> list[Case]:
    """Every case on disk under ``folder``: originals, mutations, wrong names, hostile files."""
    rng = random.Random(12)
    cases: list[Case] = []
    for name, data in originals(count).items():
        (folder / name).write_bytes(data)
        cases.append(Case(name, "original", name))
        made = 0
        for attempt in range(per_original * 3):
            if made == per_original:
                break
            kind = list(MUTATIONS)[attempt % len(MUTATIONS)]
            mutated = MUTATIONS[kind](name, data, rng)
            if mutated is None or mutated == data:
                continue
            stem = f"{Path(name).stem}-{made:03d}"
            wrong = attempt % 7 == 0  # now and then also under another type's extension
            suffix = rng.choice(WRONG_EXTENSIONS) if wrong else Path(name).suffix
            (folder / f"{stem}{Path(name).suffix}{suffix}").write_bytes(mutated)
            cases.append(Case(f"{stem}{Path(name).suffix}{suffix}", kind + (", misnamed" if wrong else ""), name))
            made += 1
    for name, make in (("spans.docx", H.docx_wide_spans), ("paragraphs.docx", H.docx_paragraphs),
                       ("colspans.html", H.html_wide_colspans), ("grid.pdf", H.pdf_ruled_grid),
                       ("inflating.pdf", H.pdf_inflating_stream)):
        (folder / name).write_bytes(make())
        cases.append(Case(name, "hostile", None))
    return cases


def measure(path: Path) -> dict:
    """One parse under /usr/bin/time -v: its answer, exit, stderr, peak MB, seconds."""
    started = time.monotonic()
    try:
        done = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", PARSE_ONE, str(path)], cwd=REPO,
                              capture_output=True, text=True, timeout=HANG_SECONDS)
    except subprocess.TimeoutExpired:
        return {"hang": True, "seconds": HANG_SECONDS}
    peak = _PEAK.search(done.stderr)
    answer = json.loads(done.stdout) if done.returncode == 0 and done.stdout.strip() else None
    return {"hang": False, "exit": done.returncode, "traceback": "Traceback" in done.stderr or answer is None,
            "peak_mb": int(peak.group(1)) / 1024 if peak else 0.0, "answer": answer,
            "seconds": time.monotonic() - started, "stderr": done.stderr.partition("\tCommand being timed")[0][-600:]}


def silent_difference(result: dict, original: dict | None) -> int:
    """Table cells that differ from the original's in a parse that said nothing of it."""
    answer = result.get("answer")
    if not answer or answer["error"] or answer["warnings"] or answer["doubts"] or not original:
        return 0
    differ = 0
    for table in TABLES:
        mine, theirs = _flat(answer[table]), _flat(original[table])
        differ += sum(mine.get(key) != value for key, value in theirs.items())
        differ += sum(key not in theirs for key in mine)
    return differ


def _flat(table: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


# Loopback: no politeness delay (as in benchmarks/crawl.py).
FAST = ("[crawl]\ndownload_delay = 0\nautothrottle_start_delay = 0.01\nautothrottle_target_concurrency = 2\n"
        "autothrottle_max_delay = 0.5\nretry_backoff = 0.1\n")


def crawl_time(with_hostile: bool) -> tuple[float, str]:
    """Seconds of one ``nianbao crawl`` of the demo portals (and the hostile one), and its summary line."""
    world = demo_world()
    if with_hostile:
        site, agency = H.hostile_site()
        world.sites.append(site)
        world.agencies.append(agency)
    with tempfile.TemporaryDirectory(prefix="nianbao-hostile-crawl-") as tmp, PortalServer(world) as server:
        folder = Path(tmp)
        (folder / "nianbao.toml").write_text(FAST, encoding="utf-8")
        write_registry(folder / "agencies.csv", world.registry(server.base_url))
        started = time.monotonic()
        done = subprocess.run([str(Path(sys.executable).with_name("nianbao")), "crawl", "--registry",
                               str(folder / "agencies.csv"), "--db", str(folder / "r.db"), "--files",
                               str(folder / "files"), "--years", world.years], cwd=REPO, capture_output=True,
                              text=True, env={**os.environ, "NIANBAO_CONFIG": str(folder / "nianbao.toml")})
        seconds = time.monotonic() - started
    return seconds, (done.stderr.strip().splitlines() or ["no output"])[-1]


def compare_crawls() -> None:
    alone, summary = crawl_time(False)
    print(f"demo portals alone: {alone:.1f} s ({summary})")
    beside, summary = crawl_time(True)
    print(f"beside the hostile portal: {beside:.1f} s ({summary})")
    print(f"ratio {beside / alone:.2f} (target under 2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--originals", type=int, default=4, help="generated reports per type (default 4)")
    parser.add_argument("--per-original", type=int, default=100, help="mutations of each (default 100)")
    parser.add_argument("--jobs", type=int, default=2, help="parses at once (default 2)")
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--crawl", action="store_true", help="time the demo crawl beside the hostile portal instead")
    args = parser.parse_args()
    if args.crawl:
        compare_crawls()
        return
    with tempfile.TemporaryDirectory(prefix="nianbao-hostile-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        cases = build(folder, args.per_original, args.originals)
        print(f"{len(cases)} documents ({sum(c.kind not in ('original', 'hostile') for c in cases)} mutated) "
              f"made in {time.monotonic() - started:.0f} s; parsing with {args.jobs} at once", flush=True)
        started = time.monotonic()
        with ThreadPoolExecutor(args.jobs) as pool:
            results = {}
            for case, result in zip(cases, pool.map(lambda c: measure(folder / c.name), cases)):
                results[case.name] = result
                if len(results) % 200 == 0:
                    print(f"  {len(results)} parsed, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        wall = time.monotonic() - started
    base = {c.name: results[c.name].get("answer") for c in cases if c.kind == "original"}
    tracebacks = [c for c in cases if not results[c.name]["hang"] and results[c.name]["traceback"]]
    hangs = [c for c in cases if results[c.name]["hang"]]
    heavy = [c for c in cases if results[c.name].get("peak_mb", 0) > PEAK_LIMIT_MB]
    silent = Counter()
    for case in cases:
        if case.kind not in ("original", "hostile"):
            if differ := silent_difference(results[case.name], base.get(case.original)):
                silent[case.kind] += differ
    worst = max(cases, key=lambda c: results[c.name].get("peak_mb", 0))
    slowest = max(cases, key=lambda c: results[c.name]["seconds"])
    print(f"parsed in {wall:.0f} s wall; peak memory at most {results[worst.name].get('peak_mb', 0):.0f} MB "
          f"({worst.name}), slowest {results[slowest.name]['seconds']:.1f} s ({slowest.name})")
    print(f"tracebacks: {len(tracebacks)}  hangs (> {HANG_SECONDS} s): {len(hangs)}  "
          f"peak memory > {PEAK_LIMIT_MB} MB: {len(heavy)}  cells differing without a warning: "
          f"{sum(silent.values())}   (targets 0, 0, 0, 0)")
    for case in cases:
        if case.kind == "hostile":
            result = results[case.name]
            error = (result.get("answer") or {}).get("error")
            print(f"  hostile {case.name}: {result['seconds']:.1f} s, {result.get('peak_mb', 0):.0f} MB, {error}")
    for kind, cells in silent.most_common():
        print(f"  silent differences after {kind}: {cells} cells")
    for case in (tracebacks + hangs + heavy)[:10]:
        print(f"  {case.name} ({case.kind}): {results[case.name].get('stderr', 'hang')!r}")


if __name__ == "__main__":
    main()
