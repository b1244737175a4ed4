"""Crafted reports for the monitor: a balanced report on the right template, which each
test breaks in exactly one way, stored with the real nianbao.store into a tmp database."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from nianbao import config, store
from parsers.report import Report
from parsers.template import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, application_rows

AGENCIES = [
    {"agency_id": "410223-wjw", "agency_name": "尉氏县卫生健康委员会", "region_code": "410223",
     "region_name": "河南省开封市尉氏县", "agency_type": "department", "start_url": "http://127.0.0.1/weishi/"},
    {"agency_id": "410223-gov", "agency_name": "尉氏县人民政府", "region_code": "410223",
     "region_name": "河南省开封市尉氏县", "agency_type": "government", "start_url": "http://127.0.0.1/weishi/"},
    {"agency_id": "610921-wjj", "agency_name": "汉阴县卫生健康局", "region_code": "610921",
     "region_name": "陕西省安康市汉阴县", "agency_type": "department", "start_url": "http://127.0.0.1/hanyin/"},
]
NAMES = {a["agency_id"]: a["agency_name"] for a in AGENCIES}
AS_OF = date(2024, 6, 1)

# Narrative paragraphs, distinct per agency so that no two crafted reports look copied.
STORIES = {
    "410223-wjw": ("为确保卫健系统政务公开工作落到实处，安排专人具体负责。定期发布行政权力类信息，不断加强回应关切信息发布。"
                   "充分利用微信公众号等媒体平台，定期推送最新工作动态，坚持事事必报的原则。在云上开设健康专题栏目，"
                   "定期制作并播出健康常识。对发布的信息内容进行把关，严格发布审核，按照公开为常态的原则开展工作。"
                   "持续加强政务新媒体阵地建设和内容管理，优化微信公众号整体运营模式。将政务公开列入重点工作，责任分工细化到各股室。"),
    "410223-gov": ("县政府坚持以人民为中心的发展思想，深化政务公开标准化规范化建设。围绕优化营商环境，公开惠企政策清单。"
                   "完善政策解读机制，主要负责同志带头解读重大政策。畅通政民互动渠道，办理网民留言并按时答复。"
                   "加强政府网站集约化平台建设，整合栏目，提升检索服务。组织全县业务培训，提升工作人员能力。"
                   "健全考核评估制度，把政务公开纳入绩效考核，开展第三方评估。"),
    "610921-wjj": ("我局以信息公开为常态、不公开为例外，着力提升政务公开规范化水平。成立信息公开工作领导小组，共同负责联络协调工作。"
                   "进一步完善了信息公开制度、信息公开指南及依申请公开办理流程。严格执行审批流程，确保信息发布及时准确。"
                   "结合人员变动情况，及时更新政务公开人员信息，组织专题业务培训。主动接受社会监督，配合开展考核工作。"
                   "围绕中心工作和社会热点问题，加强重要信息发布，积极回应社会关切，提升政府公信力。"),
}


def applications(template: str = "2021", new: int = 3, carried: int = 1) -> dict[str, dict[str, int]]:
    """Balanced table 三: natural persons file ``new``, ``carried`` came over; one
    granted, the rest not held, one carried forward."""
    table = {row.key: {c.key: 0 for c in APPLICANT_COLUMNS} for row in application_rows(template)}
    person = table["new"]["natural_person"] = new
    table["carried_over"]["natural_person"] = carried
    table["granted"]["natural_person"] = 1
    table["unavailable.not_held"]["natural_person"] = person + carried - 2
    table["processed_total"]["natural_person"] = person + carried - 1
    table["carried_forward"]["natural_person"] = 1
    for row in table.values():
        row["total"] = sum(v for k, v in row.items() if k != "total")
    return table


def review() -> dict[str, dict[str, int]]:
    table = {g.key: {c.key: 0 for c in REVIEW_COLUMNS} for g in REVIEW_GROUPS}
    table["review"].update(upheld=1, pending=1, total=2)
    return table


def active(template: str = "2021", in_force: int = 5, issued: int = 1, repealed: int = 0) -> dict[str, Any]:
    """Table 二; the 2021 ``in_force`` is passed so that consecutive years carry over."""
    if template == "2019":
        docs = {"new_made": 0, "new_published": 0, "total_published": 0}
        items = {"prev_items": 0, "change": 0, "decisions": 0}
        return {"rules": dict(docs), "normative_documents": dict(docs), "licensing": dict(items),
                "other_services": dict(items), "punishment": dict(items), "coercion": dict(items),
                "fees": {"prev_items": 0, "change": 0}, "procurement": {"items": 0, "amount": 0}}
    return {"rules": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative_documents": {"issued": issued, "repealed": repealed, "in_force": in_force},
            "licensing": 637, "punishment": 17, "coercion": 0, "fees": 0.0}


def make_report(agency_id: str, year: int, *, template: str | None = None, story: str | None = None,
                extra_text: str = "") -> Report:
    template = template or ("2021" if year >= 2021 else "2019")
    name = NAMES[agency_id]
    sentences = STORIES[agency_id].split("。")
    number = list(NAMES).index(agency_id)
    own = "。".join(f"重点推进{chr(0x4e00 + year * 11 + j)}{chr(0x5e00 + number * 13 + j)}类事项" for j in range(6))
    story = story or "。".join(sentences[:5] if year % 2 else sentences[5:]) + "。" + own
    text = (f"{name}{year}年政府信息公开工作年度报告\n一、总体情况\n{year}年，{story}{extra_text}\n"
            "二、主动公开政府信息情况\n（表格）\n五、存在的主要问题及改进情况\n"
            f"{name}将继续加强{year + 1}年度工作。\n六、其他需要报告的事项\n无。")
    return Report(source=f"http://127.0.0.1/{agency_id}/{year}.html", file_type="html", agency=name, year=year,
                  title=f"{name}{year}年政府信息公开工作年度报告", format=template,
                  active=active(template, in_force=5 + year - 2022), applications=applications(template), review_litigation=review(),
                  text=text)


class World:
    """A tmp database with the registry, the portal watched since 2020, and helpers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = store.connect(path)
        store.save_agencies(self.db, AGENCIES)
        self.settings = config.load(path.parent / "none.toml", environ={})
        self.settings["years"] = "2022-2023"
        self.runs = 0
        for url in {a["start_url"] for a in AGENCIES}:
            self.run(url, "ok", 3, started="2020-06-01T00:00:00+00:00")

    def save(self, report: Report, agency_id: str, published_at: str | None = "default",
             fetched_at: str | None = None, digest: str | None = None) -> int:
        if published_at == "default":
            published_at = f"{report.year + 1}-01-15"
        report_id, _ = store.save_report(
            self.db, agency_id=agency_id, report=report, url=report.source, file_url=report.source,
            digest=digest or store.sha256(report.text.encode()), file_path=None, published_at=published_at,
            published_at_source="page" if published_at else None,
            fetched_at=fetched_at or f"{report.year + 1}-01-20T00:00:00+00:00")
        return report_id

    def run(self, start_url: str, status: str, found: int, started: str = "2024-05-01T00:00:00+00:00",
            listing_complete: bool = True) -> None:
        self.runs += 1
        ids = ",".join(a["agency_id"] for a in AGENCIES if a["start_url"] == start_url)
        self.db["portal_runs"].insert({
            "run_id": f"run{self.runs}", "start_url": start_url, "agency_ids": ids, "started_at": started,
            "finished_at": started, "pages_fetched": 0 if status == "failed" else 5, "documents_fetched": found,
            "reports_found": found, "reports_previous": None, "errors": 1 if status == "failed" else 0,
            "status": status, "listing_complete": int(listing_complete)})

    def unresolved(self, url: str, start_url: str, year: int, candidates: str, status: str = "unmatched",
                   reason: str = "names no agency") -> None:
        """A document the crawler could not take, that may be ``candidates``' report."""
        store.save_document(self.db, {"url": url, "start_url": start_url, "year": year, "status": status,
                                      "title": f"{year}年政府信息公开工作年度报告", "reason": reason,
                                      "candidates": candidates})

    def full(self) -> None:
        """Every agency's 2022 and 2023 reports, balanced and on time."""
        for agency_id in NAMES:
            for year in (2022, 2023):
                self.save(make_report(agency_id, year), agency_id)

    def check(self, as_of: date = AS_OF, year: int | None = None) -> list[dict]:
        from monitor.check import check

        return check(self.db, self.settings, as_of=as_of, year=year)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path / "reports.db")


def stored(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("select * from flags order by id"))
