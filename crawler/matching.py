"""Which registry agency and which year a found report belongs to.

Several agencies may share one start URL (a county column listing every department), so
a report is matched by what it says — its title first, then its opening lines — never by
the page it was found on. An agency is known by its full name, its name without the
county (卫生健康委员会), and common short forms (卫健委, 卫健局), always together with its
county: 通许县卫生健康委员会 is not 尉氏县卫生健康委员会.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.discovery.core import DECOY_WORDS, REPORT_WORDS, title_years
from parsers.meta import find_agency, find_year, title_agency

# Short forms portals use for a body's name; each full suffix may be written as any of these.
ALIASES: dict[str, tuple[str, ...]] = {
    "卫生健康委员会": ("卫健委", "卫生健康委", "卫生和计划生育委员会", "卫计委"),
    "卫生健康局": ("卫健局", "卫生局"),
    "人力资源和社会保障局": ("人社局", "人力资源社会保障局"),
    "住房和城乡建设局": ("住建局",),
    "市场监督管理局": ("市场监管局",),
    "文化广电和旅游局": ("文广旅局", "文旅局"),
    "教育体育局": ("教体局",),
    "农业农村局": ("农业局",),
    "交通运输局": ("交通局",),
    "发展和改革委员会": ("发改委",),
    "人民政府": ("政府",),
}
# What a county government's own report calls itself once the county name is taken off.
GOVERNMENT_FORMS = ("", "人民政府", "政府", "人民政府办公室", "政府办公室", "政务公开办公室")
# Text that makes a page something other than a report, even when its title has report words.
REPORT_BODY = ("政府信息公开申请", "主动公开")


@dataclass(frozen=True)
class Agency:
    agency_id: str
    name: str
    county: str  # 尉氏县
    kind: str

    @property
    def body(self) -> str:
        """The name without the county: 卫生健康委员会, 张市镇人民政府, 人民政府."""
        return self.name[len(self.county):] if self.name.startswith(self.county) else self.name

    def forms(self) -> set[str]:
        forms = {self.body}
        for full, shorts in ALIASES.items():
            if self.body.endswith(full):
                forms |= {self.body[: -len(full)] + s for s in shorts}
        if self.kind == "government":
            forms |= set(GOVERNMENT_FORMS)
        return forms


def county_of(region_name: str, agency_name: str) -> str:
    """The county part of ``河南省开封市尉氏县`` that the agency's name starts with."""
    parts = re.findall(r".+?(?:自治县|自治州|省|市|县|区|旗|盟)", region_name)
    for part in reversed(parts):
        if agency_name.startswith(part):
            return part
    return parts[-1] if parts else ""


def agencies_from(rows: list[dict[str, str]]) -> list[Agency]:
    return [Agency(r["agency_id"], r["agency_name"], county_of(r["region_name"], r["agency_name"]), r["agency_type"])
            for r in rows]


def _short(county: str) -> str:
    return county[:-1] if len(county) > 2 and county.endswith(("县", "区", "市", "旗")) else county


def is_decoy(title: str) -> bool:
    return any(w in title for w in DECOY_WORDS)


def looks_like_report(title: str, text: str) -> bool:
    """A report names itself one and talks about disclosure applications; a 解读, a budget
    or a notice about compiling reports does not."""
    return (any(w in title for w in REPORT_WORDS) and not is_decoy(title)
            and all(w in text for w in REPORT_BODY))


def _named(title: str, text: str) -> str | None:
    return title_agency(title) or find_agency(text[:400])


def match_agency(agencies: list[Agency], title: str, text: str) -> Agency | None:
    """The registry agency a report is by, or None when it is another body's."""
    named = _named(title, text) or ""
    head = title + text[:400]
    best: tuple[int, Agency] | None = None
    for agency in agencies:
        county = agency.county
        short = _short(county)
        if named:
            if not named.startswith((county, short)):
                continue  # another county's body
            rest = named[len(county):] if named.startswith(county) else named[len(short):]
            if rest not in agency.forms():
                continue
            score = len(rest) + 10
        else:
            if county not in head and short not in head:
                continue
            found = [f for f in agency.forms() if f and f in head]
            if not found and agency.kind != "government":
                continue
            score = max(map(len, found), default=0)
        if best is None or score > best[0]:
            best = (score, agency)
    return best[1] if best else None


def report_year(title: str, text: str, parsed_year: int | None) -> int | None:
    """The year reported on: the parser's, else the title's, else the text's."""
    if parsed_year:
        return parsed_year
    years = sorted(title_years(title))
    return years[0] if years else find_year(text)
