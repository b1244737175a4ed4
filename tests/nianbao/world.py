"""A small database built with nianbao.store, for the Datasette tests.

Two counties, three years, every agency type; one report late, one agency missing,
one table unbalanced, one report changed after publication. Texts carry the terms
the search tests look for, each in exactly one report.
"""

from __future__ import annotations

from pathlib import Path

from nianbao import store
from parsers.report import Report

AGENCIES = [
    ("410223-gov", "尉氏县人民政府", "410223", "河南省开封市尉氏县", "government"),
    ("410223-wjw", "尉氏县卫生健康委员会", "410223", "河南省开封市尉氏县", "department"),
    ("410223-jyj", "尉氏县教育局", "410223", "河南省开封市尉氏县", "department"),
    ("410223-zsz", "尉氏县张市镇人民政府", "410223", "河南省开封市尉氏县", "township"),
    ("610921-gov", "汉阴县人民政府", "610921", "陕西省安康市汉阴县", "government"),
    ("610921-wjj", "汉阴县卫生健康局", "610921", "陕西省安康市汉阴县", "department"),
]
YEARS = (2022, 2023, 2024)
MISSING = {("410223-jyj", 2024)}
LATE = {("610921-wjj", 2024): "2025-03-02"}
UNBALANCED = ("410223-wjw", 2023)
CHANGED = ("610921-gov", 2023)
# Each term is in one report only: a 6-character term inside running text for FTS, a
# 2-character term for the LIKE fallback.
FTS_TERM, FTS_TERM_AT = "城乡居民医保", ("410223-wjw", 2024)
SHORT_TERM, SHORT_TERM_AT = "雷同", ("610921-gov", 2024)
COLUMNS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other")


def applications(seed: int) -> dict[str, dict[str, int]]:
    """A balanced table 三: 一 + 二 = 三（七）总计 + 四 in every column."""
    rows: dict[str, dict[str, int]] = {}
    for number, column in enumerate(COLUMNS):
        new = (seed + number) % 4 + (3 if column == "natural_person" else 0)
        carried = 1 if column == "natural_person" else 0
        granted = new // 2
        partly = new - granted - (1 if new else 0)
        refused = 1 if new else 0
        forward = carried
        values = {"new": new, "carried_over": carried, "granted": granted, "partly_granted": partly,
                  "refused.third_party": refused, "processed_total": granted + partly + refused,
                  "carried_forward": forward}
        for row, value in values.items():
            rows.setdefault(row, {})[column] = value
    for row in rows.values():
        row["total"] = sum(row.values())
    return rows


def report(agency_id: str, name: str, year: int) -> Report:
    text = (f"{name}{year}年政府信息公开工作年度报告\n一、总体情况\n本年度，{name}认真贯彻《中华人民共和国政府信息公开条例》，"
            f"主动公开政府信息，依申请公开工作平稳有序。")
    if (agency_id, year) == FTS_TERM_AT:
        text += f"重点公开了{FTS_TERM}参保缴费标准。"
    if (agency_id, year) == SHORT_TERM_AT:
        text += f"对内容{SHORT_TERM}的问题进行了整改。"
    apps = applications(year + len(name))
    if (agency_id, year) == UNBALANCED:
        apps["new"]["natural_person"] += 2
        apps["new"]["total"] += 2
    return Report(
        source=f"http://127.0.0.1/{agency_id}/{year}.html", file_type="html", agency=name, year=year,
        title=f"{name}{year}年政府信息公开工作年度报告", format="2021", text=text,
        applications=apps,
        review_litigation={g: {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
                           for g in ("review", "litigation_direct", "litigation_after_review")},
    )


def build(path: Path, files: Path) -> None:
    db = store.connect(path)
    store.save_agencies(db, [
        {"agency_id": a, "agency_name": n, "region_code": c, "region_name": r, "agency_type": t,
         "start_url": f"http://127.0.0.1/{a}/"}
        for a, n, c, r, t in AGENCIES
    ])
    names = {a: n for a, n, *_ in AGENCIES}
    regions = {a: c for a, _, c, *_ in AGENCIES}
    for agency_id, name, *_ in AGENCIES:
        for year in YEARS:
            if (agency_id, year) in MISSING:
                continue
            rep = report(agency_id, name, year)
            data = rep.text.encode()
            digest, stored = store.store_file(files, data, "txt")
            published = LATE.get((agency_id, year), f"{year + 1}-01-15")
            store.save_report(db, agency_id=agency_id, report=rep, url=rep.source, file_url=rep.source,
                              digest=digest, file_path=str(stored), published_at=published,
                              published_at_source="page", fetched_at=f"{year + 1}-02-01T00:00:00+00:00")
            if (agency_id, year) == CHANGED:
                rep.text += "（已更正）"
                digest, stored = store.store_file(files, rep.text.encode(), "txt")
                store.save_report(db, agency_id=agency_id, report=rep, url=rep.source, file_url=rep.source,
                                  digest=digest, file_path=str(stored), published_at=published,
                                  published_at_source="page")

    def flag(agency_id: str, year: int, kind: str, rule: str, message: str, report_url: str | None) -> dict:
        return {"agency_id": agency_id, "agency_name": names[agency_id], "year": year, "kind": kind,
                "rule": rule, "message": message, "report_url": report_url,
                "detected_at": "2025-04-01T00:00:00+00:00", "audience": "agency",
                "region_code": regions[agency_id]}

    db["flags"].insert_all([
        *(flag(a, y, "missing", "missing", f"{names[a]}未发布{y}年度报告", None) for a, y in MISSING),
        *(flag(a, y, "late", "late", f"{names[a]}{y}年度报告发布于{d}，晚于截止日期", f"http://127.0.0.1/{a}/{y}.html")
          for (a, y), d in LATE.items()),
        flag(*UNBALANCED, "unbalanced", "applications.balance.natural_person",
             "三、收到和处理申请情况 自然人列：第一项+第二项=10，第三项总计+第四项=8",
             f"http://127.0.0.1/{UNBALANCED[0]}/{UNBALANCED[1]}.html"),
        flag(*CHANGED, "changed", "changed", "报告发布后被修改", f"http://127.0.0.1/{CHANGED[0]}/{CHANGED[1]}.html"),
    ])
    store.record_crawl_error(db, "http://127.0.0.1/broken/", None, "HTTP 500")
