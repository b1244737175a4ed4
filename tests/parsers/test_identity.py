"""parsers.identity: who wrote a report and for which year, however the report writes it,
and which registry agency that is — always within the right county."""

from __future__ import annotations

import pytest

from parsers.identity import (agencies_from, arabic_years, candidates, document_agency, find_year, looks_like_report,
                              match_agency, title_agency, title_years)

ROWS = [
    ("410223-gov", "尉氏县人民政府", "government"),
    ("410223-bgs", "尉氏县人民政府办公室", "department"),
    ("410223-wjw", "尉氏县卫生健康委员会", "department"),
    ("410223-jyj", "尉氏县教育局", "department"),
    ("410223-scj", "尉氏县市场监督管理局", "department"),
    ("410223-zrj", "尉氏县自然资源和规划局", "department"),
    ("410223-zsz", "尉氏县张市镇人民政府", "township"),
    ("410223-wcz", "尉氏县洧川镇人民政府", "township"),
    ("410223-cgjd", "尉氏县城关街道办事处", "township"),
]
AGENCIES = agencies_from([{"agency_id": a, "agency_name": n, "region_name": "河南省开封市尉氏县", "agency_type": t}
                          for a, n, t in ROWS])
BODY = "一、总体情况 二、主动公开政府信息情况 三、收到和处理政府信息公开申请情况"


@pytest.mark.parametrize("name, expected", [
    ("尉氏县人民政府", "410223-gov"), ("尉氏县", "410223-gov"), ("县政府", "410223-gov"), ("尉氏县政府", "410223-gov"),
    ("尉氏县人民政府办公室", "410223-bgs"), ("县政府办", "410223-bgs"),
    ("尉氏县卫健委", "410223-wjw"), ("卫生健康委员会", "410223-wjw"), ("开封市尉氏县卫生健康委员会", "410223-wjw"),
    ("尉氏县市场监管局", "410223-scj"), ("市场监督管理局", "410223-scj"), ("县市场监管局", "410223-scj"),
    ("自然资源规划局", "410223-zrj"), ("尉氏县自然资源和规划局", "410223-zrj"),
    ("洧川镇", "410223-wcz"), ("尉氏县洧川镇", "410223-wcz"), ("洧川镇人民政府", "410223-wcz"),
    ("洧川镇政府", "410223-wcz"), ("尉氏县洧川镇人民政府", "410223-wcz"), ("张市镇", "410223-zsz"),
    ("城关街道", "410223-cgjd"), ("城关街道办事处", "410223-cgjd"), ("尉氏县城关街道办", "410223-cgjd"),
    ("通许县卫生健康委员会", None),  # the same department of another county
    ("通许县洧川镇人民政府", None),
    ("尉氏县自然资源局", None),  # not in the registry
    (None, None),
])
def test_every_form_of_a_name_finds_its_agency(name: str | None, expected: str | None) -> None:
    found = match_agency(AGENCIES, name)
    assert (found.agency_id if found else None) == expected


def test_the_government_office_writes_the_governments_report_when_it_is_not_registered() -> None:
    without_office = [a for a in AGENCIES if a.agency_id != "410223-bgs"]
    assert match_agency(without_office, "尉氏县人民政府办公室").agency_id == "410223-gov"


@pytest.mark.parametrize("titles, text, agency", [
    (["洧川镇2023年政府信息公开工作年度报告"], "2023年，洧川镇认真贯彻条例。\n一、总体情况\n尉氏县洧川镇人民政府\n2024年1月20日",
     "尉氏县洧川镇人民政府"),
    (["2023年政府信息公开工作年度报告"], "一、总体情况\n本年度我镇稳步推进。\n六、其他需要报告的事项\n无。\n尉氏县洧川镇人民政府\n2024年1月20日",
     "尉氏县洧川镇人民政府"),
    (["尉氏县卫健委2023年政府信息公开工作年度报告"], "2023年，尉氏县卫生健康委员会在县委领导下。", "尉氏县卫生健康委员会"),
    (["汉阴县卫生健康局2023年政府信息公开工作年度报告"], "本年度，我局稳步推进。", "汉阴县卫生健康局"),
    (["2023年政府信息公开工作年度报告"], "本年度稳步推进。", None),
])
def test_the_document_agency_is_the_fullest_name_it_writes(titles: list[str], text: str, agency: str | None) -> None:
    assert document_agency(titles, text) == agency


@pytest.mark.parametrize("text, year", [
    ("洧川镇二〇二三年度政府信息公开工作年度报告", 2023), ("二○二三年，我镇稳步推进", 2023),
    ("2023 年度，我局", 2023), ("截至2022年12月31日，本机关……2022年度共发布信息。2023年1月20日", 2022),
    ("没有年份的文字", None),
])
def test_years_however_written(text: str, year: int | None) -> None:
    assert find_year(text) == year


def test_numeral_years_keep_their_place() -> None:
    assert arabic_years("二〇二三年度报告，二零二四年一月") == "2023年度报告，2024年一月"
    assert title_years("洧川镇二○二三年度政府信息公开工作年度报告") == [2023]
    assert title_agency("洧川镇二〇二三年度政府信息公开工作年度报告") == "洧川镇"


@pytest.mark.parametrize("title, is_report", [
    ("尉氏县2023年政府信息公开工作年度报告", True),
    ("尉氏县2025年政务公开工作要点", False),
    ("图解：尉氏县2023年政府信息公开工作年度报告", False),
    ("关于做好2024年度政府信息公开工作年度报告编制和发布工作的通知", False),
    ("尉氏县人民政府信息公开指南", False),
    ("尉氏县2023年法治政府建设年度报告", False),
    ("尉氏县卫生健康委员会2025年部门预算", False),
    ("尉氏县机构编制委员会办公室2023年政府信息公开工作年度报告", True),   # 编制 in a body's name
    ("尉氏县卫生和计划生育委员会2017年政府信息公开工作年度报告", True),     # 计划 in a body's name
])
def test_look_alikes_are_not_reports(title: str, is_report: bool) -> None:
    assert looks_like_report(title, BODY) is is_report


def test_a_page_without_disclosure_words_is_not_a_report() -> None:
    assert not looks_like_report("尉氏县2023年政府信息公开工作年度报告", "本站新闻")


def test_candidates_are_the_agencies_a_document_names_in_any_form() -> None:
    named = candidates(AGENCIES, "洧川镇政府2023年政府信息公开工作年度报告", "表格为图片")
    assert [a.agency_id for a in named] == ["410223-wcz"]
    assert candidates(AGENCIES, "2023年政府信息公开工作年度报告", "表格为图片") is None  # could be anyone's
    assert [a.agency_id for a in candidates(AGENCIES, "2023年政府信息公开工作年度报告", "……\n县市场监管局\n2024年1月")] == [
        "410223-scj"]


@pytest.mark.parametrize("text, names", [
    ("2021年鼓楼区市场监督管理局政府信息公开工作年度报告", ["鼓楼区市场监督管理局"]),     # not 年鼓楼区…
    ("二○二一年度鼓楼区教育局政府信息公开工作年度报告", ["鼓楼区教育局"]),
    ("2019年，禹州市人力资源和社会保障局认真贯彻", ["禹州市人力资源和社会保障局"]),  # 社 ends no name here
    ("选派工作人员参加县政务公开办组织的培训", []),                                     # a clause is no place
])
def test_names_as_running_text_writes_them(text: str, names: list[str]) -> None:
    from parsers.identity import find_agencies

    assert find_agencies(text) == names


def test_a_name_in_brackets_after_a_generic_title() -> None:
    assert title_agency("2019年度政府信息公开工作年度报告（禹州市人社局）") == "禹州市人社局"


def test_a_generic_title_is_signed_by_its_body() -> None:
    text = "一、总体情况\n按要求参加县政务公开办组织的培训。\n六、其他需要报告的事项\n无。\n鄢陵县农业农村局\n2025年1月20日"
    assert document_agency(["2024年度政府信息公开工作年度报告"], text) == "鄢陵县农业农村局"


def test_a_document_naming_another_countys_body_is_no_candidate() -> None:
    assert candidates(AGENCIES, "通许县卫生健康委员会2023年政府信息公开工作年度报告", "……") == []
