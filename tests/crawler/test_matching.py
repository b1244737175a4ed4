"""Matching a found report to its registry agency and year: names, short names, the county."""

from __future__ import annotations

import pytest

from crawler.matching import agencies_from, looks_like_report, match_agency, report_year

ROWS = [
    ("410223-gov", "尉氏县人民政府", "government"),
    ("410223-wjw", "尉氏县卫生健康委员会", "department"),
    ("410223-jyj", "尉氏县教育局", "department"),
    ("410223-zsz", "尉氏县张市镇人民政府", "township"),
]
AGENCIES = agencies_from([{"agency_id": a, "agency_name": n, "region_name": "河南省开封市尉氏县", "agency_type": t}
                          for a, n, t in ROWS])
BODY = "一、总体情况 二、主动公开政府信息情况 三、收到和处理政府信息公开申请情况"


@pytest.mark.parametrize("title, expected", [
    ("尉氏县人民政府2024年度政府信息公开工作报告", "410223-gov"),
    ("尉氏县2023年政府信息公开工作年度报告", "410223-gov"),
    ("尉氏县卫健委2023年政府信息公开工作年度报告", "410223-wjw"),
    ("尉氏县卫生健康委员会2023年政府信息公开年报", "410223-wjw"),
    ("尉氏县张市镇人民政府2024年政府信息公开年报", "410223-zsz"),
    ("尉氏县教育局2023年政府信息公开工作年度报告", "410223-jyj"),
    ("通许县卫生健康委员会2023年政府信息公开工作年度报告", None),  # same department, other county
    ("尉氏县自然资源局2023年政府信息公开工作年度报告", None),  # not in the registry
])
def test_title_names_the_agency(title: str, expected: str | None) -> None:
    found = match_agency(AGENCIES, title, BODY)
    assert (found.agency_id if found else None) == expected


def test_generic_title_falls_back_to_the_opening_lines() -> None:
    text = "2023年，尉氏县教育局在县委、县政府的正确领导下，认真贯彻落实条例。" + BODY
    assert match_agency(AGENCIES, "政府信息公开工作年度报告", text).agency_id == "410223-jyj"


@pytest.mark.parametrize("title, is_report", [
    ("尉氏县2023年政府信息公开工作年度报告", True),
    ("尉氏县2025年政务公开工作要点", False),
    ("图解：尉氏县2023年政府信息公开工作年度报告", False),
    ("关于做好2024年度政府信息公开工作年度报告编制和发布工作的通知", False),
    ("尉氏县人民政府信息公开指南", False),
])
def test_decoys_are_not_reports(title: str, is_report: bool) -> None:
    assert looks_like_report(title, BODY) is is_report


def test_a_page_without_disclosure_tables_is_not_a_report() -> None:
    assert not looks_like_report("尉氏县2023年政府信息公开工作年度报告", "本站新闻")


def test_year_from_parser_then_title_then_text() -> None:
    assert report_year("尉氏县2023年政府信息公开工作年度报告", "", 2022) == 2022
    assert report_year("尉氏县2023年政府信息公开工作年度报告", "2024年1月", None) == 2023
    assert report_year("政府信息公开年报", "2021年度，我局共收到申请5件。", None) == 2021
