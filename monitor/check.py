"""``nianbao monitor``: walk the rules over the registry and the stored reports, store
the flags, return the ones that hold.

Reports stream through once, by agency and year, each with its tables read from one
JSON column (``reports.tables``, not the millions of rows of ``cells``) and linked to
the agency's report of the year before, so memory stays flat however many reports
there are. On a large database this process and a forked worker each stream half of
the agencies (``_scan_all``): the rules and the fingerprints are Python, so threads
would only take turns.
Flags are keyed by (agency_id, year, kind, rule): a flag found again is kept (re-opened
if it had been resolved), one no longer found gets ``resolved_at``; portal flags use
year 0. ``year`` limits both the checking and the resolving to that year.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import re
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterator

import orjson
import sqlite_utils

from monitor.deadlines import watched_since
from monitor.rules import REVIEW_TWINS, RULES, Author, Context, Finding, ReportFacts, Rule, credible_year, doubted
from monitor.similarity import Corpus
from nianbao import config
from nianbao.store import now

log = logging.getLogger(__name__)

REPORT_COLUMNS = ("id", "agency_id", "year", "format", "url", "published_at", "first_seen_at", "changed_at",
                  "removed_at", "versions", "text", "agency_found", "tables", "doubts")
FLAG_KEYS = ("agency_id", "agency_name", "year", "kind", "rule", "message", "report_url", "detected_at",
             "audience", "region_code")
_REGION_PARTS = re.compile(r".+?(?:自治区|自治州|特别行政区|省|市|县|区|州|盟|旗)")


def _year_filter(year: int | None) -> tuple[str, list[Any]]:
    return ("where year = ?", [year]) if year is not None else ("", [])


# (low, high): the agency ids from low (inclusive) to high (exclusive); None leaves that end
# open, and an open low end also takes the reports that have no agency id.
Part = tuple[str | None, str | None]


def _part_filter(year: int | None, part: Part) -> tuple[str, list[Any]]:
    """A condition (``and …``) on reports: the year checked and the year before it
    (read for the carry-over rules), and the agencies of ``part``."""
    where, params = "", []
    if year is not None:
        where, params = "and year in (?, ?)", [year - 1, year]
    low, high = part
    if low is not None:
        where, params = f"{where} and agency_id >= ?", [*params, low]
    if high is not None:
        where, params = f"{where} and (agency_id < ? or agency_id is null)", [*params, high]
    return where, params


def _names(agency: dict[str, Any], found: str | None) -> list[str]:
    """Words to remove before comparing texts: the agency's names and its region's."""
    names = [agency.get("agency_name") or "", found or ""]
    for part in _REGION_PARTS.findall(agency.get("region_name") or ""):
        names += [part, part[:-1]] if len(part) > 2 else [part]
    return sorted({n for n in names if n}, key=len, reverse=True)


def _load_context(db: sqlite_utils.Database, settings: dict[str, Any], as_of: date, year: int | None) -> Context:
    agencies = {row["agency_id"]: row for row in db["agencies"].rows}
    years = config.parse_years(str(settings["years"]))
    if year is not None:
        years = range(year, year + 1)
    runs: dict[str, list[dict]] = defaultdict(list)
    for run in db.query("select * from portal_runs order by started_at, id"):
        runs[run["start_url"]].append(run)
    where, params = _year_filter(year)
    reported = {(a, y) for a, y in db.execute(f"select agency_id, year from reports {where}", params)}
    unresolved: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for doc in db.query("select url, start_url, year, title, reason, candidates from documents "
                        "where status in ('unmatched', 'unread', 'error') and candidates is not null and year is not null "
                        "order by url"):
        unresolved[(doc["start_url"] or "", doc["year"])].append(doc)
    return Context(settings=settings, as_of=as_of, years=years, agencies=agencies, reported=reported,
                   watched=watched_since(db), portal_runs=dict(runs), unresolved=dict(unresolved))


def _text_changed(db: sqlite_utils.Database) -> set[int]:
    """Reports whose current text differs from an earlier version's (not just the bytes)."""
    return {row[0] for row in db.execute(
        "select distinct v.report_id from report_versions v join reports r on r.id = v.report_id "
        "where coalesce(v.text, '') != coalesce(r.text, '')")}


def _tables(stored: Any, report_id: int) -> dict[str, dict[str, dict[str, Any]]]:
    """``reports.tables`` as table → row → column → value; anything else stored there
    (bad data) reads as far as it has that shape, and as no tables at worst, which the
    ``tables`` rule flags."""
    try:
        tables = orjson.loads(stored) if isinstance(stored, str) else {}
    except orjson.JSONDecodeError:
        tables = {}
    if not isinstance(tables, dict):
        tables = {}
    if all(type(rows) is dict and all(type(row) is dict for row in rows.values()) for rows in tables.values()):
        return tables
    log.warning("report %s: stored tables are not table → row → column objects; read as far as they are", report_id)
    return {table: {key: row for key, row in rows.items() if isinstance(row, dict)}
            for table, rows in tables.items() if isinstance(rows, dict)}


def _doubts(stored: Any) -> dict[str, list[str]]:
    """``reports.doubts`` (table → row keys); anything else stored there reads as none."""
    try:
        doubts = orjson.loads(stored) if isinstance(stored, str) else {}
    except orjson.JSONDecodeError:
        return {}
    return {t: rows for t, rows in doubts.items() if isinstance(rows, list)} if isinstance(doubts, dict) else {}


def _reports(db: sqlite_utils.Database, ctx: Context, year: int | None, part: Part
             ) -> Iterator[tuple[ReportFacts, list[str]]]:
    """The reports of ``part`` by agency and year, each linked to the agency's report
    of the year before (only one year back is kept, so memory stays flat)."""
    where, params = _part_filter(year, part)
    sql = f"select {', '.join(REPORT_COLUMNS)} from reports where true {where} order by agency_id, year"
    previous: ReportFacts | None = None
    for row in db.execute(sql, params):
        record = dict(zip(REPORT_COLUMNS, row))
        agency = ctx.agencies.get(record["agency_id"], {})
        year_value = record["year"] if isinstance(record["year"], int) else None
        report = ReportFacts(
            id=record["id"], agency_id=record["agency_id"] or "",
            agency_name=agency.get("agency_name") or record["agency_found"] or record["agency_id"] or "",
            agency_type=agency.get("agency_type"), start_url=agency.get("start_url"), year=year_value,
            format=record["format"], url=record["url"], published_at=record["published_at"],
            first_seen_at=record["first_seen_at"], changed_at=record["changed_at"],
            removed_at=record["removed_at"], versions=record["versions"],
            text=record["text"] if isinstance(record["text"], str) else None,
            tables=_tables(record["tables"], record["id"]), doubts=_doubts(record["doubts"]),
        )
        if (previous is not None and report.agency_id and previous.agency_id == report.agency_id
                and previous.year is not None and previous.year + 1 == report.year):
            previous.last_year = None
            report.last_year = previous
        previous = report
        yield report, _names(agency, record["agency_found"])


PARALLEL_FROM = 20_000   # reports; below this, forking a second process costs more than it saves
WORKERS = 2


@dataclass
class Scan:
    """What one pass over some agencies' reports found: the report rules' findings, and
    the fingerprints the copy rule compares."""

    findings: list[tuple[int, Finding]] = field(default_factory=list)   # (index in RULES, finding)
    corpus: Corpus = field(default_factory=Corpus)


def _scan(path: str, ctx: Context, year: int | None, part: Part) -> Scan:
    """Walk the report rules over the reports of the agencies in ``part``."""
    scan = Scan()
    report_rules = [(number, rule) for number, rule in enumerate(RULES) if rule.scope == "report"]
    db = sqlite_utils.Database(path)
    for report, names in _reports(db, ctx, year, part):
        scan.corpus.add(report.id, report.text, names)
        if year is not None and report.year != year:
            continue    # the year before the one checked: read for carry-over and copies only
        credible = credible_year(report.year, ctx.as_of)
        for number, rule in report_rules:
            if credible or not rule.needs_year:
                try:
                    scan.findings.extend((_as_said(number, rule, report, finding), finding)
                                         for finding in rule.check(report, ctx))
                except (TypeError, ValueError) as exc:   # a value that is not a number, say
                    log.warning("report %s (%s %s): rule %s not applied, bad data: %s", report.id, report.agency_id,
                                report.year, rule.id, exc)
        if report.text is None:
            log.warning("report %s (%s %s) has no text; text rules skipped", report.id, report.agency_id, report.year)
    db.close()
    return scan


def _as_said(number: int, rule: Rule, report: ReportFacts, finding: Finding) -> int:
    """The rule a finding is raised under: an accusing rule's review twin when our reading
    of the rows it rests on is in doubt."""
    if rule.involves is not None and doubted(report, rule.involves(report, finding)):
        return REVIEW_TWINS[number]
    return number


def _parts(db: sqlite_utils.Database, count: int, parts: int) -> list[Part]:
    """``parts`` ranges of agency ids holding about as many reports each."""
    bounds = [db.execute("select agency_id from reports where agency_id is not null order by agency_id "
                         "limit 1 offset ?", [count * part // parts]).fetchone()[0] for part in range(1, parts)]
    edges = [None, *bounds, None]
    return [(edges[i], edges[i + 1]) for i in range(parts)]


def _scan_all(db: sqlite_utils.Database, ctx: Context, year: int | None) -> Scan:
    """One scan, or on a large database one per core over as many ranges of agencies
    (an agency's years stay together for the carry-over rules), merged: this process
    scans the first range while forked workers scan the others. Forked, not spawned:
    they inherit the context without copying it through a pipe, and fingerprints use
    ``hash()``, whose seed a fork shares."""
    path = db.execute("pragma database_list").fetchone()[2]
    count = db.execute("select count(*) from reports where agency_id is not null").fetchone()[0]
    if count < PARALLEL_FROM:
        return _scan(path, ctx, year, (None, None))
    first, *others = _parts(db, count, WORKERS)
    with ProcessPoolExecutor(len(others), mp_context=multiprocessing.get_context("fork"),
                             initializer=_adopt_context, initargs=(ctx,)) as pool:
        futures = [pool.submit(_scan_in_worker, path, year, part) for part in others]
        scan = _scan(path, ctx, year, first)
        for future in futures:
            other = future.result()
            scan.findings += other.findings
            scan.corpus.merge(other.corpus)
    return scan


_worker_context: Context | None = None


def _adopt_context(ctx: Context) -> None:
    """A worker's initializer: keep the context its fork inherited."""
    global _worker_context
    _worker_context = ctx


def _scan_in_worker(path: str, year: int | None, part: Part) -> Scan:
    assert _worker_context is not None, "started without _adopt_context"
    return _scan(path, _worker_context, year, part)


def _authors(db: sqlite_utils.Database, ctx: Context, ids: set[int]) -> dict[int, Author]:
    """Who wrote each of these reports, to name the copier and the original of a pair."""
    authors = {}
    for report_id, agency_id, year, url, published_at, first_seen_at, found in db.execute(
            "select id, agency_id, year, url, published_at, first_seen_at, agency_found from reports "
            "where id in (select value from json_each(?))", [json.dumps(sorted(ids))]):
        name = ctx.agencies.get(agency_id, {}).get("agency_name") or found or agency_id or ""
        year = year if isinstance(year, int) else 0
        authors[report_id] = Author(report_id, agency_id or "", name, year, url,
                                    (year, published_at or first_seen_at or "", report_id))
    return authors


def _find(db: sqlite_utils.Database, ctx: Context, year: int | None) -> Iterator[tuple[Rule, Finding]]:
    ctx.versions_text_changed = _text_changed(db)
    scan = _scan_all(db, ctx, year)
    yield from ((RULES[number], finding) for number, finding in scan.findings)
    threshold = float(ctx.settings["monitor"]["copied_similarity"])
    matches = list(scan.corpus.matches(threshold))
    authors = _authors(db, ctx, {m.a for m in matches} | {m.b for m in matches})
    best: dict[int, tuple[Author, Author, float]] = {}
    for match in matches:
        a, b = authors[match.a], authors[match.b]
        copier, original = (a, b) if a.order > b.order else (b, a)
        if (year is None or copier.year == year) and (copier.id not in best or best[copier.id][2] < match.similarity):
            best[copier.id] = (copier, original, match.similarity)
    ctx.copies = list(best.values())
    for rule in RULES:
        if rule.scope == "corpus" and not (rule.portal and year is not None):
            for finding in rule.check(ctx):
                yield rule, finding


def _flag(rule: Rule, finding: Finding, ctx: Context, detected_at: str) -> dict[str, Any]:
    agency = ctx.agencies.get(finding.agency_id, {})
    name = agency.get("agency_name") or finding.fields.get("agencies") or finding.agency_id
    return {"agency_id": finding.agency_id, "agency_name": name, "year": finding.year, "kind": rule.kind,
            "rule": rule.id.format(**finding.fields), "message": rule.message.format(**finding.fields),
            "report_url": finding.report_url, "detected_at": detected_at, "audience": rule.audience,
            "region_code": agency.get("region_code")}


def _store(db: sqlite_utils.Database, flags: list[dict[str, Any]], ctx: Context, year: int | None,
           stamp: str) -> list[dict[str, Any]]:
    """Insert new flags, re-open returning ones, resolve vanished ones — one transaction.
    Returns the stored rows of the flags that hold."""
    key = lambda f: (f["agency_id"], f["year"], f["kind"], f["rule"])  # noqa: E731
    where, params = _year_filter(year)
    existing = {key(row): row for row in db.query(f"select * from flags {where}", params)}
    current = {key(f): f for f in flags}
    inserts, updates, resolved = [], [], []
    for k, flag in current.items():
        old = existing.get(k)
        if old is None:
            inserts.append(flag)
        elif old["resolved_at"] is not None:
            updates.append({**flag, "id": old["id"], "resolved_at": None, "sent_at": None})
        elif (old["message"], old["report_url"]) != (flag["message"], flag["report_url"]):
            updates.append({**flag, "id": old["id"], "detected_at": old["detected_at"]})
        else:
            flag["detected_at"] = old["detected_at"]
    for k, old in existing.items():
        if k in current or old["resolved_at"] is not None or (old["agency_id"], old["kind"]) in ctx.undetermined:
            continue
        resolved.append(old["id"])
    with db.conn:
        db["flags"].insert_all(inserts)
        db["flags"].upsert_all(updates, pk="id")
        db.conn.executemany("update flags set resolved_at = ? where id = ?", [(stamp, i) for i in resolved])
    for flag in updates:
        current[key(flag)]["detected_at"] = flag["detected_at"]
    return sorted(current.values(), key=lambda f: (f["audience"], f["region_code"] or "", f["agency_id"],
                                                   f["year"], f["kind"], f["rule"]))


def check(db: sqlite_utils.Database, settings: dict[str, Any], *, as_of: date, year: int | None = None
          ) -> list[dict[str, Any]]:
    """Compute, store and return the flags that hold as of ``as_of`` (INTERFACE section 5)."""
    ctx = _load_context(db, settings, as_of, year)
    stamp = now()
    flags = [_flag(rule, finding, ctx, stamp) for rule, finding in _find(db, ctx, year)]
    held = _store(db, flags, ctx, year, stamp)
    return [{k: flag[k] for k in FLAG_KEYS} for flag in held]
