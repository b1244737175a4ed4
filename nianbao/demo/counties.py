"""The worlds: the demo's counties, one per CMS family and one that is down, and the
benchmark's generated ones.

API
---
``demo_world(seed=0) -> World``
    A few counties, one per CMS family (Hanweb, TRS, VSB, JavaScript-only, legacy GBK),
    plus one portal that refuses connections. Reports in HTML, PDF, DOCX and DOC; some
    agencies miss a year, one report is late, one is unbalanced; decoys (工作要点, 公开指南,
    编制通知, 预算, 解读/图解, another county's same-named department, a non-registry agency);
    robots.txt forbidding ``/private/`` (which holds a report the crawler must not see);
    a list page that answers 500 once and then works; a report whose attachment is empty.
``generated_world(portals, reports, seed=0) -> World``
    For the benchmark: ``portals`` sites cycling through the families, ``reports``
    reports spread over their agencies (HTML and DOCX, a few PDF).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from nianbao.demo.builder import Builder, County, Planned
from nianbao.demo.site import Site
from nianbao.demo.world import World

DEMO_COUNTIES = (
    County("weishi", "hanweb", "尉氏县", "410223", "河南省开封市尉氏县",
           [("gov", "尉氏县人民政府", "government"), ("wjw", "尉氏县卫生健康委员会", "department"),
            ("jyj", "尉氏县教育局", "department"), ("zsz", "尉氏县张市镇人民政府", "township")]),
    County("hanyin", "trs", "汉阴县", "610921", "陕西省安康市汉阴县",
           [("gov", "汉阴县人民政府", "government"), ("wjj", "汉阴县卫生健康局", "department")]),
    County("xiangcheng", "vsb", "襄城县", "411025", "河南省许昌市襄城县",
           [("gov", "襄城县人民政府", "government"), ("jyj", "襄城县教育局", "department")]),
    County("lankao", "spa", "兰考县", "410225", "河南省开封市兰考县",
           [("gov", "兰考县人民政府", "government"), ("czj", "兰考县财政局", "department")]),
    County("qixian", "legacy", "杞县", "410221", "河南省开封市杞县",
           [("gov", "杞县人民政府", "government"), ("mzj", "杞县民政局", "department")]),
)
DOWN = County("tongxu", "hanweb", "通许县", "410222", "河南省开封市通许县", [("gov", "通许县人民政府", "government")])


def demo_world(seed: int = 0) -> World:
    """The demo's counties; what the crawler must find is ``World.expected``."""
    b = Builder(seed)
    weishi, hanyin, xiangcheng, lankao, qixian = DEMO_COUNTIES
    P = Planned
    b.county(weishi, [
        P("410223-gov", "尉氏县人民政府", 2023, "html", "2024-03-20", "url"),
        P("410223-gov", "尉氏县人民政府", 2024, "pdf", "2025-03-25", "meta"),
        P("410223-wjw", "尉氏县卫生健康委员会", 2023, "html", "2024-01-22", "url", balanced=False),
        P("410223-wjw", "尉氏县卫生健康委员会", 2024, "html", "2025-01-20", "meta"),
        P("410223-jyj", "尉氏县教育局", 2023, "docx", "2024-01-25", "page"),
        P("410223-zsz", "尉氏县张市镇人民政府", 2023, "html", "2024-01-30", "page"),
        P("410223-zsz", "尉氏县张市镇人民政府", 2024, "html", "2025-02-18", "meta"),
    ], [
        ("尉氏县2025年政务公开工作要点", "2025-03-01", "notice"),
        ("尉氏县人民政府信息公开指南", "2024-06-01", "notice"),
        ("关于做好2024年度政府信息公开工作年度报告编制和发布工作的通知", "2025-01-05", "notice"),
        ("尉氏县卫生健康委员会2024年部门预算公开", "2024-02-10", "notice"),
        ("图解：尉氏县2023年政府信息公开工作年度报告", "2024-03-21", "notice"),
        ("通许县卫生健康委员会2023年政府信息公开工作年度报告", "2024-01-18", "report"),
        ("尉氏县自然资源局2023年政府信息公开工作年度报告", "2024-01-19", "report"),
    ])
    b.county(hanyin, [
        P("610921-gov", "汉阴县人民政府", 2023, "html", "2024-03-28", "meta"),
        P("610921-gov", "汉阴县人民政府", 2024, "docx", "2025-03-30", "meta"),
        P("610921-wjj", "汉阴县卫生健康局", 2023, "pdf", "2024-01-26", "meta"),
        P("610921-wjj", "汉阴县卫生健康局", 2024, "html", "2025-01-24", "meta"),
    ], [("汉阴县卫健局2024年政府信息公开工作年度报告解读", "2025-01-25", "notice")])
    b.county(xiangcheng, [
        P("411025-gov", "襄城县人民政府", 2023, "html", "2024-03-15", "page"),
        P("411025-gov", "襄城县人民政府", 2024, "docx", "2025-03-18", "page"),
        P("411025-jyj", "襄城县教育局", 2023, "doc", "2024-01-29", "page"),
        P("411025-jyj", "襄城县教育局", 2024, "html", "2025-01-16", "page", hidden=True),
    ], [("襄城县2024年政府信息公开工作计划", "2024-02-01", "notice")])
    b.county(lankao, [
        P("410225-gov", "兰考县人民政府", 2023, "html", "2024-03-26", "page"),
        P("410225-czj", "兰考县财政局", 2024, "docx", "2025-01-21", "page"),
    ], [])
    b.county(qixian, [
        P("410221-gov", "杞县人民政府", 2023, "doc", "2024-03-22", "page"),
        P("410221-mzj", "杞县民政局", 2023, "html", "2024-01-23", "page"),
        P("410221-mzj", "杞县民政局", 2024, "html", "2025-01-27", "page"),
    ], [("杞县人民政府2024年政府信息公开工作年度报告", "2025-03-28", "broken")])
    b.sites.append(Site(DOWN.site, DOWN.family, DOWN.name, refuse=True))
    b.agencies.append({"agency_id": "410222-gov", "agency_name": "通许县人民政府", "region_code": "410222",
                       "region_name": DOWN.region, "agency_type": "government", "site": DOWN.site,
                       "start_path": "/col/col1229/index.html", "render": ""})
    return b.world("2023-2024", date(2025, 6, 1))


_NAMES = ("人民政府", "卫生健康委员会", "教育局", "财政局", "民政局", "自然资源局", "交通运输局", "农业农村局",
          "市场监督管理局", "人力资源和社会保障局", "住房和城乡建设局", "生态环境局", "公安局", "司法局", "水利局",
          "应急管理局", "文化广电和旅游局", "审计局", "统计局", "退役军人事务局")
_PLACES = "安宁平和永兴长乐清河华阳新丰东源西林南峰北川嘉定临泉宝山青城金川"


def generated_world(portals: int, reports: int, seed: int = 0) -> World:
    """``portals`` counties cycling through the server-rendered families, ``reports``
    reports spread over their agencies and the years 2021 on; every 20th a PDF, every 4th a DOCX."""
    rng = random.Random(seed)
    families = ("hanweb", "trs", "vsb", "legacy")
    per_portal = -(-reports // portals)
    years_needed = max(1, -(-per_portal // 8))
    years = range(2024 - years_needed + 1, 2025)
    b = Builder(seed)
    made = 0
    for index in range(portals):
        place = _PLACES[(2 * index) % len(_PLACES)] + _PLACES[(2 * index + 1 + index // len(_PLACES)) % len(_PLACES)]
        county_name = f"{place}县"
        code = f"{419000 + index:06d}"
        count = min(per_portal, reports - made)
        agencies_needed = -(-count // len(years)) if count else 1
        names = [("gov" if n == "人民政府" else f"d{i:02d}", county_name + n, "government" if n == "人民政府" else "department")
                 for i, n in enumerate(_NAMES[:agencies_needed])]
        county = County(f"p{index:03d}", families[index % len(families)], county_name, code, f"某省某市{county_name}", names)
        plans = []
        for number in range(count):
            suffix, name, _ = names[number // len(years)]
            year = years[number % len(years)]
            kind = "pdf" if (made + number) % 20 == 7 else "docx" if (made + number) % 4 == 1 else "html"
            if county.family == "legacy" and kind == "docx":
                kind = "html"
            day = date(year + 1, 1, 10) + timedelta(days=rng.randint(0, 60))
            source = {"hanweb": "url", "trs": "meta"}.get(county.family, "page")
            if kind != "html" and source == "url":
                source = "page"
            plans.append(Planned(f"{code}-{suffix}", name, year, kind, day.isoformat(), source))
        made += count
        b.county(county, plans, [(f"{county_name}{years[-1] + 1}年政务公开工作要点", f"{years[-1] + 1}-03-01", "notice")])
    return b.world(f"{years[0]}-{years[-1]}", date(years[-1] + 1, 6, 1))
