"""``nianbao monitor``: walk the rules over the registry and the stored reports, store
the flags, return the ones that hold.

Reports stream through once, in id order, merged with their tables pivoted in SQL
(``nianbao.views.pivot_sql``), so memory stays flat however many reports there are. On a
large database two forked processes each stream half of the ids (``_scan_all``): the
rules and the fingerprints are Python, so threads would only take turns.
Flags are keyed by (agency_id, year, kind, rule): a flag found again is kept (re-opened
if it had been resolved), one no longer found gets ``resolved_at``; portal flags use
year 0. ``year`` limits both the checking and the resolving to that year.
"""

from __future__ import annotations

import logging
import multiprocessing
import re
import sqlite3
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat
from typing import Any, Iterator

import sqlite_utils

from monitor.deadlines import watched_since
from monitor.rules import RULES, Author, Carry, Context, Finding, ReportFacts, Rule, credible_year
from monitor.similarity import Corpus
from nianbao import config
from nianbao.store import now
from nianbao.views import COLUMNS, pivot_sql

log = logging.getLogger(__name__)

REPORT_COLUMNS = ("id", "agency_id", "year", "format", "url", "published_at", "first_seen_at", "changed_at",
                  "removed_at", "versions", "text", "agency_found")
FLAG_KEYS = ("agency_id", "agency_name", "year", "kind", "rule", "message", "report_url", "detected_at",
             "audience", "region_code")
_REGION_PARTS = re.compile(r".+?(?:自治区|自治州|特别行政区|省|市|县|区|州|盟|旗)")


def _year_filter(year: int | None) -> tuple[str, list[Any]]:
    return ("where year = ?", [year]) if year is not None else ("", [])


def _range_filter(column: str, year: int | None, id_range: tuple[int, int] | None) -> tuple[str, list[Any]]:
    """A condition (``and …``) on the report id ``column`` for the year and the id range."""
    where, params = "", []
    if year is not None:
        where, params = f"and {column} in (select id from reports where year = ?)", [year]
    if id_range is not None:
        where, params = f"{where} and {column} between ? and ?", [*params, *id_range]
    return where, params


def _pivots(path: str, table: str, year: int | None, id_range: tuple[int, int] | None
            ) -> Iterator[tuple[int, dict[str, dict]]]:
    """(report id, {row key: {column key: value}}) for every report having cells in ``table``."""
    keys = [key for key, _ in COLUMNS[table]]
    where, params = _range_filter("report_id", year, id_range)
    current, rows = None, {}
    conn = sqlite3.connect(path)
    for record in conn.execute(pivot_sql(table, where), params):
        report_id, row_key, values = record[0], record[1], record[2:2 + len(keys)]
        if report_id != current:
            if current is not None:
                yield current, rows
            current, rows = report_id, {}
        rows[row_key] = dict(zip(keys, values))
    if current is not None:
        yield current, rows
    conn.close()


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
    return Context(settings=settings, as_of=as_of, years=years, agencies=agencies, reported=reported,
                   watched=watched_since(db), portal_runs=dict(runs))


def _text_changed(db: sqlite_utils.Database) -> set[int]:
    """Reports whose current text differs from an earlier version's (not just the bytes)."""
    return {row[0] for row in db.execute(
        "select distinct v.report_id from report_versions v join reports r on r.id = v.report_id "
        "where coalesce(v.text, '') != coalesce(r.text, '')")}


def _reports(db: sqlite_utils.Database, ctx: Context, year: int | None, id_range: tuple[int, int] | None
             ) -> Iterator[tuple[ReportFacts, list[str]]]:
    where, params = _range_filter("id", year, id_range)
    path = db.execute("pragma database_list").fetchone()[2]
    streams = {table: _pivots(path, table, year, id_range) for table in COLUMNS}
    heads = {table: next(stream, None) for table, stream in streams.items()}
    sql = f"select {', '.join(REPORT_COLUMNS)} from reports where true {where} order by id"
    for row in db.execute(sql, params):
        record = dict(zip(REPORT_COLUMNS, row))
        tables = {}
        for table, stream in streams.items():
            while heads[table] is not None and heads[table][0] < record["id"]:
                heads[table] = next(stream, None)
            if heads[table] is not None and heads[table][0] == record["id"]:
                tables[table] = heads[table][1]
        agency = ctx.agencies.get(record["agency_id"], {})
        year_value = record["year"] if isinstance(record["year"], int) else None
        yield ReportFacts(
            id=record["id"], agency_id=record["agency_id"] or "",
            agency_name=agency.get("agency_name") or record["agency_found"] or record["agency_id"] or "",
            agency_type=agency.get("agency_type"), start_url=agency.get("start_url"), year=year_value,
            format=record["format"], url=record["url"], published_at=record["published_at"],
            first_seen_at=record["first_seen_at"], changed_at=record["changed_at"],
            removed_at=record["removed_at"], versions=record["versions"],
            text=record["text"] if isinstance(record["text"], str) else None, tables=tables,
        ), _names(agency, record["agency_found"])


PARALLEL_FROM = 20_000   # reports; below this, forking a second process costs more than it saves
WORKERS = 2


@dataclass
class Scan:
    """What one pass over a range of reports found: report-rule findings, and what the
    corpus rules need (carry-over facts, fingerprints, who wrote what)."""

    findings: list[tuple[int, Finding]] = field(default_factory=list)   # (index in RULES, finding)
    carry: dict[tuple[str, int], Carry] = field(default_factory=dict)
    corpus: Corpus = field(default_factory=Corpus)
    authors: dict[int, Author] = field(default_factory=dict)


def _scan(path: str, ctx: Context, year: int | None, id_range: tuple[int, int] | None) -> Scan:
    """Walk the report rules over the reports in ``id_range`` (all when None)."""
    scan = Scan()
    report_rules = [(number, rule) for number, rule in enumerate(RULES) if rule.scope == "report"]
    db = sqlite_utils.Database(path)
    for report, names in _reports(db, ctx, year, id_range):
        credible = credible_year(report.year, ctx.as_of)
        for number, rule in report_rules:
            if credible or not rule.needs_year:
                scan.findings.extend((number, finding) for finding in rule.check(report, ctx))
        if credible:
            scan.carry[(report.agency_id, report.year)] = Carry.of(report)
        if report.text is None:
            log.warning("report %s (%s %s) has no text; text rules skipped", report.id, report.agency_id, report.year)
        scan.corpus.add(report.id, report.text, names)
        scan.authors[report.id] = Author.of(report)
    db.close()
    return scan


def _id_ranges(db: sqlite_utils.Database, year: int | None, parts: int) -> list[tuple[int, int]]:
    """``parts`` ranges of report ids holding about as many reports each."""
    where, params = _year_filter(year)
    count = db.execute(f"select count(*) from reports {where}", params).fetchone()[0]
    bounds = [db.execute(f"select id from reports {where} order by id limit 1 offset ?",
                         [*params, count * part // parts]).fetchone()[0] for part in range(1, parts)]
    edges = [-(1 << 62), *bounds, 1 << 62]
    return [(edges[i], edges[i + 1] - 1) for i in range(parts)]


def _scan_all(db: sqlite_utils.Database, ctx: Context, year: int | None) -> Scan:
    """One scan, or on a large database one per core over id ranges, merged. Workers are
    forked, not spawned: fingerprints use ``hash()``, whose seed a fork shares."""
    path = db.execute("pragma database_list").fetchone()[2]
    where, params = _year_filter(year)
    if db.execute(f"select count(*) from reports {where}", params).fetchone()[0] < PARALLEL_FROM:
        return _scan(path, ctx, year, None)
    ranges = _id_ranges(db, year, WORKERS)
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("fork")) as pool:
        scans = list(pool.map(_scan, repeat(path), repeat(ctx), repeat(year), ranges))
    merged = scans[0]
    for scan in scans[1:]:
        merged.findings += scan.findings
        merged.carry.update(scan.carry)
        merged.corpus.merge(scan.corpus)
        merged.authors.update(scan.authors)
    return merged


def _find(db: sqlite_utils.Database, ctx: Context, year: int | None) -> Iterator[tuple[Rule, Finding]]:
    ctx.versions_text_changed = _text_changed(db)
    scan = _scan_all(db, ctx, year)
    yield from ((RULES[number], finding) for number, finding in scan.findings)
    ctx.carry = scan.carry
    threshold = float(ctx.settings["monitor"]["copied_similarity"])
    best: dict[int, tuple[Author, Author, float]] = {}
    for match in scan.corpus.matches(threshold):
        a, b = scan.authors[match.a], scan.authors[match.b]
        copier, original = (a, b) if a.order > b.order else (b, a)
        if copier.id not in best or best[copier.id][2] < match.similarity:
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
