"""The rules, as a table the engine (``monitor.check``) walks: id, kind, scope, check, message.

A check yields ``Finding``s: the agency and year it concerns and the fields that fill
the rule's id (``applications.balance.{column}``) and its message, a sentence in
Chinese a clerk recognises, with the template's own labels and the expected and found
numbers. ``report`` rules see one report at a time (with its tables, and the agency's
report of the year before); ``corpus`` rules see what the engine gathered over all of
them (``Context``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from monitor.deadlines import as_date, deadline
from monitor.similarity import narrative
from nianbao.views import COLUMNS, ROWS, TABLE_LABELS
from parsers.report import WHOLE_TABLE
from parsers.template import active_items, application_rows

FIRST_YEAR, LAST_YEAR = 2008, 2100   # 条例 took effect 2008; anything outside is bad data
TEMPLATE_FROM = {"2019": 2019, "2021": 2021}
TEMPLATE_DOCS = {"2019": "国办公开办函〔2019〕60号", "2021": "国办公开办函〔2021〕30号"}
APPLICATIONS_TOTAL = [key for key, _ in COLUMNS["applications"]].index("total")   # where 总计 sits in a row
REVIEW_TOTAL = [key for key, _ in COLUMNS["review_litigation"]].index("total")
COL_LABEL = {table: dict(cols) for table, cols in COLUMNS.items()}
ROW_LABEL = {table: dict(rows) for table, rows in ROWS.items()}
IN_FORCE_ITEMS = tuple(item.key for item in active_items("2021") if "in_force" in {c.key for c in item.columns})
IN_FORCE_LABELS = {item.key: item.label for item in active_items("2021")}

# Numbers a report states in its text about applications, and which table 三 totals may
# legitimately match them (一 alone, or 一 + 二). A count is in digits or in Chinese
# numerals (五件, 十二件).
_COUNT = r"(\d+|[零〇一二两三四五六七八九十百千]+)"
NARRATIVE_PATTERNS: tuple[str, ...] = (
    r"共?受理(?:政府信息)?依申请公开(?:政府信息)?(?:申请)?" + _COUNT + "件",
    r"(?:共|累计)?收到(?:政府信息公开|依申请公开)?申请(?:共|累计)?" + _COUNT + "件",
    r"新收(?:政府信息公开|依申请公开)?申请" + _COUNT + "件",
    # who applied, in a few words between: 收到公民、法人和其他组织提出的政府信息公开申请5件
    r"(?:收到|受理|办理)[^。，；：\d]{0,20}?(?:政府信息公开|依申请公开)(?:申请|事项)?(?:共|累计)?" + _COUNT + "件",
    r"(?:未|没有)收到(?:任何)?(?:政府信息公开|依申请公开)?申请()",
)
_NARRATIVE = re.compile("|".join(f"(?:{p})" for p in NARRATIVE_PATTERNS))
# Words every pattern above contains, at most two characters after its start (共, 累计,
# 未, 没有): the patterns are tried only there (``_stated_numbers``), and a statement ends
# within ``_STATEMENT_TAIL`` characters after its anchor.
NARRATIVE_ANCHORS = ("受理", "收到", "新收", "办理")
_ANCHORS = re.compile("|".join(NARRATIVE_ANCHORS))
_STATEMENT_TAIL = 48
_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                   "八": 8, "九": 9}
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}


def stated_count(text: str) -> int:
    """A count as the text writes it: ``12``, ``１２``, ``十二``, ``一百零五``; empty is 0
    (a statement that none was received)."""
    if not text or text.isdigit():
        return int(text or 0)
    total = digit = 0
    for char in text:
        if char in _CHINESE_DIGITS:
            digit = _CHINESE_DIGITS[char]
        else:
            total += (digit or 1) * _CHINESE_UNITS[char]
            digit = 0
    return total + digit

Table = dict[str, dict[str, Any]]


@dataclass
class ReportFacts:
    """One stored report with its tables (table → row key → column key → value)."""

    id: int
    agency_id: str
    agency_name: str
    agency_type: str | None
    start_url: str | None
    year: int | None
    format: str | None
    url: str | None
    published_at: str | None
    first_seen_at: str | None
    changed_at: str | None
    removed_at: str | None
    versions: int | None
    text: str | None
    tables: dict[str, Table] = field(default_factory=dict)
    doubts: dict[str, list[str]] = field(default_factory=dict)   # table → rows whose reading is in doubt
    last_year: ReportFacts | None = None   # the agency's report for the year before, if stored

    @property
    def template(self) -> str:
        """The template the tables are read against: the parsed one, else the year's."""
        if self.format in TEMPLATE_FROM:
            return self.format
        return "2021" if (self.year or 0) >= 2021 else "2019"

    @cached_property
    def grids(self) -> dict[str, dict[str, tuple[Any, ...]]]:
        """Each table as its template prints it: every row (in printed order) as the
        tuple of its values in printed column order, None where blank or absent. Read
        once per report; the table rules then only compare tuples."""
        grids = {}
        for table, layout in expected_cells(self.template).items():
            row = self.tables.get(table, {}).get
            grids[table] = {row_key: tuple(map(row(row_key, {}).get, columns)) for row_key, columns in layout}
        return grids


@dataclass(frozen=True)
class Finding:
    agency_id: str
    year: int
    fields: dict[str, Any]
    report_url: str | None = None


class Author(NamedTuple):
    """Who wrote a report, to name the copier and the original of a copied pair."""

    id: int
    agency_id: str
    agency_name: str
    year: int
    url: str | None
    order: tuple[int, str, int]   # (year, published or first seen, id): the later one copied


@dataclass
class Context:
    """Everything corpus rules need, gathered once per run."""

    settings: dict[str, Any]
    as_of: date
    years: range
    agencies: dict[str, dict[str, Any]]
    reported: set[tuple[str, int]]
    watched: dict[str, date]
    portal_runs: dict[str, list[dict[str, Any]]]
    copies: list[tuple[Author, Author, float]] = field(default_factory=list)  # (copier, original, similarity)
    versions_text_changed: set[int] = field(default_factory=set)
    undetermined: set[tuple[str, str]] = field(default_factory=set)  # (agency_id, kind) we cannot judge now
    # Documents on each portal, by (start_url, year), that may be an agency's report but were
    # not taken (``documents.candidates``): the evidence a report is not absent.
    unresolved: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)

    def failing_portal(self, start_url: str | None) -> bool:
        """Whether we cannot vouch for what the portal holds: never crawled, or last run failed."""
        runs = self.portal_runs.get(start_url or "")
        return not runs or runs[-1]["status"] == "failed"

    def listing_incomplete(self, start_url: str | None) -> bool:
        """Whether the last crawl could not read every list page of the portal (older runs
        did not record it, and count as complete, as they were judged then)."""
        runs = self.portal_runs.get(start_url or "")
        return bool(runs) and runs[-1].get("listing_complete") == 0

    def candidates_for(self, agency_id: str, start_url: str | None, year: int) -> list[dict[str, Any]]:
        """Unresolved documents on the agency's portal that could be its report for ``year``."""
        return [doc for doc in self.unresolved.get((start_url or "", year), ())
                if doc["candidates"] == "*" or agency_id in doc["candidates"].split(",")]

    @cached_property
    def unreported(self) -> list[Unreported]:
        """Every agency and year past its deadline without a stored report, with what the
        crawl saw: nothing that could be it (``absent``, the evidence ``missing`` needs), a
        document that could be it (``candidate``), or a listing it could not read in full
        (``incomplete``). A portal we could not crawl says nothing."""
        found = []
        for agency_id, agency in self.agencies.items():
            start_url = agency.get("start_url")
            if self.failing_portal(start_url):
                self.undetermined.add((agency_id, "missing"))
                continue
            incomplete = self.listing_incomplete(start_url)
            for year in self.years:
                due = deadline(self.settings, agency.get("agency_type"), year)
                if due >= self.as_of or (agency_id, year) in self.reported:
                    continue
                documents = self.candidates_for(agency_id, start_url, year)
                evidence = "candidate" if documents else "incomplete" if incomplete else "absent"
                if evidence == "incomplete":
                    self.undetermined.add((agency_id, "missing"))
                found.append(Unreported(agency_id, agency, year, due, evidence, documents))
        return found


class Unreported(NamedTuple):
    agency_id: str
    agency: dict[str, Any]
    year: int
    due: date
    evidence: str   # absent, candidate, incomplete
    documents: list[dict[str, Any]]


def number(value: Any) -> str:
    """A cell value as a clerk writes it: 3, not 3.0."""
    if value is None:
        return "空"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _finding(report: ReportFacts, **fields: Any) -> Finding:
    return Finding(report.agency_id, report.year if report.year is not None else 0, fields, report.url)


# --- report rules -------------------------------------------------------------------------

Layout = tuple[tuple[str, tuple[str, ...]], ...]   # (row key, its column keys), in printed order


@lru_cache(maxsize=None)
def expected_cells(template: str) -> dict[str, Layout]:
    """The rows a template prints and the columns of each, per table."""
    applicant_columns = tuple(col for col, _ in COLUMNS["applications"])
    review_columns = tuple(col for col, _ in COLUMNS["review_litigation"])
    return {
        "active": tuple((item.key, tuple(c.key for c in item.columns) if len(item.columns) > 1 else ("value",))
                        for item in active_items(template)),
        "applications": tuple((row.key, applicant_columns) for row in application_rows(template)),
        "review_litigation": tuple((group, review_columns) for group, _ in ROWS["review_litigation"]),
    }


@lru_cache(maxsize=None)
def result_rows(template: str) -> tuple[str, ...]:
    """The rows 三（一）…（六）whose sum is 三（七）总计."""
    return tuple(r.key for r in application_rows(template)
                 if r.key.startswith(("granted", "partly_granted", "refused", "unavailable", "not_processed", "other")))


def credible_year(year: int | None, as_of: date) -> bool:
    """A report year that can be judged: not before the 条例, not after today."""
    return year is not None and FIRST_YEAR <= year <= min(LAST_YEAR, as_of.year)


def check_year(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    if not credible_year(report.year, ctx.as_of):
        yield _finding(report, found=report.year)


def check_no_tables(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    if not any(report.tables.values()):
        yield _finding(report)


def check_blank_cells(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    if not any(report.tables.values()):
        return
    for table, layout in expected_cells(report.template).items():
        grid = report.grids[table]
        blank = [(row_key, col) for row_key, columns in layout if None in grid[row_key]
                 for col, value in zip(columns, grid[row_key]) if value is None]
        if not report.tables.get(table):
            yield _finding(report, table=table, label=TABLE_LABELS[table], detail="未能读取该表")
        elif blank:
            row, col = blank[0]
            where = f"{ROW_LABEL[table].get(row, row)} {COL_LABEL[table].get(col, col)}列"
            yield _finding(report, table=table, label=TABLE_LABELS[table],
                           detail=f"{len(blank)}个单元格为空或未读出（如{where}），空白不按0计算")


def check_balance(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    """一 + 二 = 三（七）总计 + 四, per column (printed in the table itself)."""
    grid = report.grids["applications"]
    for (col, label), new, carried, processed, forward in zip(
            COLUMNS["applications"], grid["new"], grid["carried_over"], grid["processed_total"],
            grid["carried_forward"]):
        if None not in (new, carried, processed, forward) and new + carried != processed + forward:
            yield _finding(report, column=col, column_label=label, lhs=number(new + carried),
                           rhs=number(processed + forward))


def check_results(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    """三（七）总计 = the sum of every result row 三（一）…（六）of the report's template."""
    grid = report.grids["applications"]
    columns = zip(*(grid[row] for row in result_rows(report.template)))
    for (col, label), parts, total in zip(COLUMNS["applications"], columns, grid["processed_total"]):
        if total is not None and None not in parts and sum(parts) != total:
            yield _finding(report, column=col, column_label=label, expected=number(sum(parts)), found=number(total))


def check_row_totals(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    """Each row's 总计 = the six applicant columns."""
    grid = report.grids["applications"]
    for row in application_rows(report.template):
        values = grid[row.key]
        total, parts = values[APPLICATIONS_TOTAL], values[:APPLICATIONS_TOTAL] + values[APPLICATIONS_TOTAL + 1:]
        if total is not None and None not in parts and sum(parts) != total:
            yield _finding(report, row=row.key, row_label=row.label, expected=number(sum(parts)), found=number(total))


def check_review_totals(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    """Table 四: each group's 总计 = 维持 + 纠正 + 其他 + 尚未审结."""
    grid = report.grids["review_litigation"]
    for group, label in ROWS["review_litigation"]:
        values = grid[group]
        total, parts = values[REVIEW_TOTAL], values[:REVIEW_TOTAL] + values[REVIEW_TOTAL + 1:]
        if total is not None and None not in parts and sum(parts) != total:
            yield _finding(report, group=group, group_label=label, expected=number(sum(parts)), found=number(total))


# --- which rows a table rule's finding rests on: a doubt there makes it a review ----------

Involved = tuple[str, tuple[str, ...]]   # (table, row keys)


def rows_of_balance(report: ReportFacts, finding: Finding) -> Involved:
    return "applications", ("new", "carried_over", "processed_total", "carried_forward")


def rows_of_results(report: ReportFacts, finding: Finding) -> Involved:
    return "applications", (*result_rows(report.template), "processed_total")


def rows_of_row_total(report: ReportFacts, finding: Finding) -> Involved:
    return "applications", (finding.fields["row"],)


def rows_of_review_total(report: ReportFacts, finding: Finding) -> Involved:
    return "review_litigation", (finding.fields["group"],)


def doubted(report: ReportFacts, involved: Involved) -> bool:
    """Whether our reading of any row a finding rests on raised a doubt (``*``: the whole table)."""
    table, rows = involved
    doubts = report.doubts.get(table) or ()
    return WHOLE_TABLE in doubts or any(row in doubts for row in rows)


def check_template(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    """Reports for 2019–2020 follow the 2019 template, 2021 on the 2021 one; 2019 only a warning."""
    if report.format not in TEMPLATE_FROM or report.year is None or report.year == 2019:
        return
    expected = "2021" if report.year >= 2021 else "2019"
    if report.format != expected:
        yield _finding(report, expected=expected, found=report.format, doc=TEMPLATE_DOCS[expected])


def check_template_2019(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    if report.year == 2019 and report.format == "2021":
        yield _finding(report, doc=TEMPLATE_DOCS["2019"])


def check_early(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    published = as_date(report.published_at)
    if published and report.year and published < date(report.year + 1, 1, 1):
        yield _finding(report, published=published.isoformat())


# "本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止": the year the figures cover.
_PERIOD = re.compile(r"统计(?:期限|期间|时限|时间)[^。；]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")


def check_period(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    """The statistics period the text states must be the year the report is for (its
    title's): a report copied forward often keeps last year's period."""
    if not report.text or "统计" not in report.text:
        return
    match = _PERIOD.search(report.text)
    if match and int(match.group(1)) != report.year:
        yield _finding(report, year=report.year, period=int(match.group(1)), quote=match.group(0))


def check_late(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    """After the deadline by the document's own date; else by when we first saw it, but
    only if we were already watching the portal before the deadline."""
    due = deadline(ctx.settings, report.agency_type, report.year)
    published = as_date(report.published_at)
    if published:
        if published > due:
            yield _finding(report, due=due.isoformat(),
                           how=f"报告发布于{published.isoformat()}，晚于截止日期{due.isoformat()}")
        return
    seen, watched = as_date(report.first_seen_at), ctx.watched.get(report.start_url or "")
    if seen and watched and watched < due < seen:
        yield _finding(report, due=due.isoformat(),
                       how=(f"报告未注明发布日期；本系统自{watched.isoformat()}起监测该门户，"
                            f"{seen.isoformat()}首次发现该报告，晚于截止日期{due.isoformat()}"))


def _stated_numbers(text: str) -> Iterator[tuple[str, int]]:
    """(quote, number) for each statement of a count of applications in the narrative.

    The patterns are tried only next to an anchor word (every statement starts at most
    two characters before one), not at every position of the text: that is what made
    this rule the monitor's slowest."""
    body = narrative(text)
    if "申请" not in body:
        return
    end = 0
    for anchor in _ANCHORS.finditer(body):
        if anchor.start() < end:
            continue
        match = _NARRATIVE.search(body, max(anchor.start() - 2, end), anchor.end() + _STATEMENT_TAIL)
        if match:
            end = match.end()
            yield match.group(0), stated_count(next((g for g in match.groups() if g), ""))


def check_narrative(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    """A number of applications stated in the text must be 一 or 一 + 二 of table 三's 总计 column."""
    rows = report.tables.get("applications", {})
    new, carried = rows.get("new", {}).get("total"), rows.get("carried_over", {}).get("total")
    if not report.text or new is None:
        return
    allowed = {new, new + (carried or 0)}
    for quote, stated in _stated_numbers(report.text):
        if stated not in allowed:
            yield _finding(report, quote=quote, stated=stated, new=number(new), carried=number(carried))
            return


def check_changed(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    if report.changed_at and report.id in ctx.versions_text_changed:
        yield _finding(report, changed=report.changed_at[:10], versions=report.versions or 2)


def check_removed(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    if report.removed_at:
        yield _finding(report, removed=report.removed_at[:10], url=report.url or "")


# --- corpus rules -------------------------------------------------------------------------

def check_missing(ctx: Context) -> Iterator[Finding]:
    """No report once the deadline has passed, and evidence of absence: the last crawl read
    the portal's whole listing and left nothing on it that could be the report."""
    for gap in ctx.unreported:
        if gap.evidence == "absent":
            yield Finding(gap.agency_id, gap.year, {"due": gap.due.isoformat(), "as_of": ctx.as_of.isoformat()})


def check_missing_candidate(ctx: Context) -> Iterator[Finding]:
    """No report stored, but a document on the portal may be it: a person should look."""
    for gap in ctx.unreported:
        if gap.evidence == "candidate":
            doc = gap.documents[0]
            yield Finding(gap.agency_id, gap.year, {
                "due": gap.due.isoformat(), "title": doc.get("title") or doc["url"], "reason": doc.get("reason") or "",
                "count": len(gap.documents)}, doc["url"])


def check_listing_incomplete(ctx: Context) -> Iterator[Finding]:
    """A portal whose listing the last crawl could not read in full, while some of its
    agencies have no report: their absence is not judged until it can be."""
    portals: dict[str, list[str]] = {}
    for gap in ctx.unreported:
        if gap.evidence == "incomplete":
            names = portals.setdefault(gap.agency.get("start_url") or "", [])
            name = gap.agency.get("agency_name") or gap.agency_id
            if name not in names:
                names.append(name)
    for start_url, names in portals.items():
        yield Finding(start_url, 0, {"start_url": start_url, "agencies": "、".join(names)}, start_url)


def check_carryover_applications(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    """This year's 二、上年结转 = last year's 四、结转下年度继续办理, per column."""
    last = report.last_year
    if last is None:
        return
    now_row = report.tables.get("applications", {}).get("carried_over", {})
    before_row = last.tables.get("applications", {}).get("carried_forward", {})
    for col, label in COLUMNS["applications"]:
        now, before = now_row.get(col), before_row.get(col)
        if now is not None and before is not None and now != before:
            yield _finding(report, column=col, column_label=label, found=number(now), expected=number(before),
                           last_year=last.year)


def check_carryover_in_force(report: ReportFacts, ctx: Context) -> Iterator[Finding]:
    """现行有效件数 = last year's + 本年制发 − 本年废止 (both years on the 2021 template)."""
    last = report.last_year
    if last is None or report.format != "2021" or last.format != "2021":
        return
    active, before_active = report.tables.get("active", {}), last.tables.get("active", {})
    for item in IN_FORCE_ITEMS:
        now, before = active.get(item, {}), before_active.get(item, {})
        values = [before.get("in_force"), now.get("issued"), now.get("repealed"), now.get("in_force")]
        if None not in values:
            expected = values[0] + values[1] - values[2]
            if expected != values[3]:
                yield _finding(report, item=item, item_label=IN_FORCE_LABELS[item], found=number(values[3]),
                               before=number(values[0]), issued=number(values[1]), repealed=number(values[2]),
                               expected=number(expected), last_year=last.year)


def check_copied(ctx: Context) -> Iterator[Finding]:
    for copier, original, similarity in ctx.copies:
        rule = "previous_year" if copier.agency_id == original.agency_id else "other_agency"
        yield Finding(copier.agency_id, copier.year, {
            "source": rule, "other_name": original.agency_name, "other_year": original.year,
            "other_url": original.url or f"年报编号{original.id}", "percent": int(similarity * 100)},
            copier.url)


def _portal_name(ctx: Context, run: dict[str, Any]) -> str:
    ids = [a for a in (run.get("agency_ids") or "").split(",") if a]
    return "、".join(ctx.agencies.get(a, {}).get("agency_name", a) for a in ids) or run["start_url"]


def check_unreachable(ctx: Context) -> Iterator[Finding]:
    """A portal whose last N runs all failed (N = monitor.unreachable_runs)."""
    needed = int(ctx.settings["monitor"]["unreachable_runs"])
    for start_url, runs in ctx.portal_runs.items():
        failed = 0
        for run in reversed(runs):
            if run["status"] != "failed":
                break
            failed += 1
        if failed >= needed:
            yield Finding(start_url, 0, {"start_url": start_url, "runs": failed, "agencies": _portal_name(ctx, runs[-1]),
                                         "at": (runs[-1]["started_at"] or "")[:10]}, start_url)


def check_discovery_dropped(ctx: Context) -> Iterator[Finding]:
    """A reachable portal that yielded reports last time and fewer now."""
    for start_url, runs in ctx.portal_runs.items():
        if len(runs) < 2 or runs[-1]["status"] == "failed":
            continue
        before, now = runs[-2]["reports_found"] or 0, runs[-1]["reports_found"] or 0
        if now < before:
            yield Finding(start_url, 0, {"start_url": start_url, "before": before, "now": now,
                                         "agencies": _portal_name(ctx, runs[-1]),
                                         "at": (runs[-1]["started_at"] or "")[:10]}, start_url)


@dataclass(frozen=True)
class Rule:
    id: str                  # the flag's rule; {fields} come from each finding
    kind: str
    scope: str               # "report" (one report at a time), "corpus" (the whole run) or "doubt" (a review twin)
    check: Callable[..., Iterable[Finding]]
    message: str             # str.format template over the finding's fields
    audience: str = "agency"
    portal: bool = False     # about a portal, not a report year (year 0)
    needs_year: bool = False  # judged only for a credible report year (see ``credible_year``)
    # For a rule that accuses on table values: the rows a finding rests on. Where our reading
    # of them is in doubt, the finding is the rule's ``review`` twin instead (``doubted``).
    involves: Callable[[ReportFacts, Finding], Involved] | None = None


# Each kind of flag as a clerk calls it (terminal summaries, e-mail headlines).
KIND_NAMES = {
    "missing": "未发布", "late": "逾期发布", "unbalanced": "表格数据不平衡", "incomplete": "表格不完整",
    "carryover": "与上年数据不衔接", "template": "未按统一格式", "early": "提前发布", "narrative": "正文与表格不符",
    "inconsistent": "年度与统计期限不符", "copied": "内容雷同", "changed": "发布后被修改", "removed": "被撤下",
    "unreachable": "门户无法访问", "discovery_dropped": "门户抓取结果骤减", "review": "待人工核对",
}

_T3 = TABLE_LABELS["applications"]
_T4 = TABLE_LABELS["review_litigation"]
_T2 = TABLE_LABELS["active"]

_RULES: tuple[Rule, ...] = (
    Rule("year", "incomplete", "report", check_year, "报告年度{found}超出合理范围，请核对标题与统计期间"),
    Rule("tables", "incomplete", "report", check_no_tables,
         "未能读取年报中的任何表格（二、三、四），可能只有图片或表格缺失，无法核对数据"),
    Rule("{table}.blank", "incomplete", "report", check_blank_cells, "{label}：{detail}"),
    Rule("applications.balance.{column}", "unbalanced", "report", check_balance,
         _T3 + " {column_label}列：第一项+第二项={lhs}，第三项总计+第四项={rhs}", involves=rows_of_balance),
    Rule("applications.results.{column}", "unbalanced", "report", check_results,
         _T3 + " {column_label}列：三（七）总计={found}，三（一）至三（六）各项之和={expected}", involves=rows_of_results),
    Rule("applications.row_total.{row}", "unbalanced", "report", check_row_totals,
         _T3 + " {row_label}行：总计={found}，自然人与法人或其他组织各列之和={expected}", involves=rows_of_row_total),
    Rule("review_litigation.total.{group}", "unbalanced", "report", check_review_totals,
         _T4 + " {group_label}：总计={found}，结果维持+结果纠正+其他结果+尚未审结={expected}",
         involves=rows_of_review_total),
    Rule("template", "template", "report", check_template,
         "表格应使用{expected}年版统一格式（{doc}），实际为{found}年版格式", needs_year=True),
    Rule("template.2019", "template", "report", check_template_2019,
         "提示：2019年度报告使用了2021年版表格（当年可参照{doc}统一格式，不作为问题）", needs_year=True),
    Rule("early", "early", "report", check_early, "报告发布日期{published}早于所述年度结束，请核对年度与发布日期", needs_year=True),
    Rule("period", "inconsistent", "report", check_period,
         "报告为{year}年度，正文所述统计期限却是{period}年（“{quote}”），请核对年度与数据期间", needs_year=True),
    Rule("late", "late", "report", check_late, "逾期发布：{how}", needs_year=True),
    Rule("narrative.applications", "narrative", "report", check_narrative,
         "正文称“{quote}”（{stated}件），与" + _T3 + "总计列不符：一、本年新收={new}，二、上年结转={carried}"),
    Rule("changed", "changed", "report", check_changed,
         "年报发布后被修改：{changed}发现内容不同的新版本（共{versions}个版本，旧版本已保存）"),
    Rule("removed", "removed", "report", check_removed, "年报已从网站撤下：{removed}起原网址{url}不再提供该报告"),
    Rule("missing", "missing", "corpus", check_missing, "截至{as_of}未发现该年度政府信息公开工作年度报告（截止日期{due}）"),
    Rule("review.missing.candidate", "review", "corpus", check_missing_candidate,
         "未能确认该年度报告：门户上有{count}份文件可能是该报告但未能读取或匹配（“{title}”：{reason}），"
         "请人工核对，核实前不判定未发布", audience="operator"),
    Rule("review.listing_incomplete", "review", "corpus", check_listing_incomplete,
         "门户{start_url}上次抓取未能读完全部列表页，以下机构暂无报告但不判定未发布：{agencies}",
         audience="operator", portal=True),
    Rule("carryover.applications.{column}", "carryover", "report", check_carryover_applications,
         _T3 + " {column_label}列：二、上年结转={found}，{last_year}年度报告四、结转下年度继续办理={expected}",
         needs_year=True),
    Rule("carryover.active.{item}", "carryover", "report", check_carryover_in_force,
         _T2 + " {item_label}：现行有效件数={found}，{last_year}年度{before}+本年制发{issued}−本年废止{repealed}={expected}",
         needs_year=True),
    Rule("copied.{source}", "copied", "corpus", check_copied,
         "正文与{other_name}{other_year}年度报告雷同（相似度{percent}%，已去除机构名称、年份和数字）：{other_url}"),
    Rule("unreachable", "unreachable", "corpus", check_unreachable,
         "门户{start_url}连续{runs}次抓取失败（最近一次{at}），涉及：{agencies}；恢复前不判定这些机构未发布",
         audience="operator", portal=True),
    Rule("discovery_dropped", "discovery_dropped", "corpus", check_discovery_dropped,
         "门户{start_url}上次抓取发现{before}份年报，{at}仅发现{now}份，可能网站改版使抓取失效；涉及：{agencies}",
         audience="operator", portal=True),
)


def review_twin(rule: Rule) -> Rule:
    """The operator's version of a rule that accuses on table values, for a finding whose
    rows we may have misread: the same finding, said to whoever runs nianbao."""
    return Rule(f"review.{rule.id}", "review", "doubt", rule.check,
                "表格读取存疑（行列错位、无法识别或经OCR读取），以下不平衡暂不公布，请人工核对：" + rule.message,
                audience="operator", needs_year=rule.needs_year)


# Index in RULES of each accusing rule's review twin (appended after the rules themselves).
REVIEW_TWINS = {number: len(_RULES) + offset
                for offset, number in enumerate(n for n, rule in enumerate(_RULES) if rule.involves)}
RULES: tuple[Rule, ...] = (*_RULES, *(review_twin(_RULES[number]) for number in REVIEW_TWINS))
