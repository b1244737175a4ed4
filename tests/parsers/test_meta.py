"""parsers.meta: title and publication date, and the description of a report (its agency
and year come from parsers.identity, tried here on how real bodies write them)."""

from __future__ import annotations

import pytest

from parsers.identity import find_agencies, find_agency, find_year, title_agency
from parsers.meta import describe, find_published, labelled_date, parse_date
from parsers.report import Report

BODY = """一、总体情况
2023 年，汉阴县卫生健康局在县委、县政府的正确领导下，深入推进政务公开。
2023 年度，我局在县政府门户网站累计发布卫生健康信息 5 条。
六、其他需要报告的事项
无。
汉阴县卫生健康局
2024年1月18日
"""


@pytest.mark.parametrize("text, year", [
    (BODY, 2023),
    ("截至2022年12月31日，本机关……2022年度共发布信息。2023年1月20日", 2022),
    ("本报告由2021年政府信息公开工作情况组成。", 2021),
    ("没有年份的文字", None),
])
def test_find_year_is_the_reported_year(text: str, year: int | None) -> None:
    assert find_year(text) == year


@pytest.mark.parametrize("text, agency", [
    (BODY, "汉阴县卫生健康局"),
    ("2021年，市卫生健康委在市委、市政府的正确领导下", None),
    ("河南省开封市尉氏县卫生健康委员会2023年", "河南省开封市尉氏县卫生健康委员会"),
    ("城关镇人民政府认真贯彻落实", "城关镇人民政府"),
    ("我局在县政府门户网站发布信息", None),
])
def test_find_agency_from_body(text: str, agency: str | None) -> None:
    assert find_agency(text) == agency


def test_find_agencies_most_named_first() -> None:
    text = "许昌市卫生健康委员会发布。许昌市财政局配合。许昌市财政局审核。"
    assert find_agencies(text) == ["许昌市财政局", "许昌市卫生健康委员会"]


@pytest.mark.parametrize("title, agency", [
    ("尉氏县卫生健康委员会 2023 年政府信息公开工作 年度报告", "尉氏县卫生健康委员会"),
    ("2023年度汉阴县卫生健康局政府信息公开工作年度报告", "汉阴县卫生健康局"),
    ("汉阴县卫生健康局关于2023年政府信息公开工作年度报告", "汉阴县卫生健康局"),
    ("许昌市卫生健康委员会2021年政府信息公开工作年度报告", "许昌市卫生健康委员会"),
    ("2023年政府信息公开工作年度报告", None),
    ("政府信息公开年报", None),
])
def test_title_agency(title: str, agency: str | None) -> None:
    assert title_agency(title) == agency


@pytest.mark.parametrize("value, day", [
    ("2024-01-20 10:00:00", "2024-01-20"), ("2022-01-31 17时23分", "2022-01-31"), ("2024/1/5", "2024-01-05"),
    ("2024年1月20日", "2024-01-20"), ("2024.02.03", "2024-02-03"), ("2024-13-45", None), ("昨天", None),
])
def test_parse_date(value: str, day: str | None) -> None:
    assert parse_date(value) == day


def test_generic_title_takes_agency_from_body() -> None:
    report = Report(source="x", file_type="html", text=BODY)
    describe(report, title="2023年政府信息公开工作年度报告")
    assert (report.agency, report.year, report.title) == ("汉阴县卫生健康局", 2023, "2023年政府信息公开工作年度报告")
    assert report.published_at is None  # the signature date is not a publication date


def test_meta_pubdate_and_article_title() -> None:
    report = Report(source="x", file_type="html", text="发布时间：2024-01-25\n" + BODY)
    describe(report, title="首页 - 汉阴县人民政府",
             meta={"ArticleTitle": "汉阴县卫生健康局2023年政府信息公开工作年度报告", "PubDate": "2024-01-22 09:30"})
    assert report.title == "汉阴县卫生健康局2023年政府信息公开工作年度报告"
    assert (report.agency, report.year) == ("汉阴县卫生健康局", 2023)
    assert (report.published_at, report.published_at_source) == ("2024-01-22", "meta:PubDate")


def test_labelled_publication_date_in_text() -> None:
    text = "某某县民政局2020年政府信息公开工作年度报告\n发布日期：2021年01月28日  来源：县民政局\n" + BODY
    assert find_published(text) == ("2021-01-28", "text:发布日期")
    report = Report(source="x", file_type="txt", text=text)
    describe(report)
    assert (report.agency, report.year, report.published_at) == ("某某县民政局", 2020, "2021-01-28")
    assert report.title == "某某县民政局2020年政府信息公开工作年度报告"


@pytest.mark.parametrize("title, agency", [
    ("尉氏县卫生健康委员会政府信息公开工作年度报告（2023年）", "尉氏县卫生健康委员会"),
    ("城关镇2023年政府信息公开工作年度报告", "城关镇"),
    ("关于2023年度某某县审计局政府信息公开工作年度报告", "某某县审计局"),
])
def test_title_agency_more_shapes(title: str, agency: str) -> None:
    assert title_agency(title) == agency


def test_page_title_with_site_name() -> None:
    report = Report(source="x", file_type="html", text="正文")
    describe(report, title="尉氏县卫生健康委员会2023年政府信息公开工作年度报告_尉氏县人民政府")
    assert report.title == "尉氏县卫生健康委员会2023年政府信息公开工作年度报告"
    assert (report.agency, report.year) == ("尉氏县卫生健康委员会", 2023)


@pytest.mark.parametrize("text, title", [
    ("# 许昌市卫生健康委员会2021年政府信息公开工作年度报告\n## 一、总体情况\n",
     "许昌市卫生健康委员会2021年政府信息公开工作年度报告"),
    ("\n政府信息公开工作年度报告\n一、总体情况\n", "政府信息公开工作年度报告"),
    ("一、总体情况\n2023年，我局信息公开工作年度报告如下，稳步推进。\n", None),
    (BODY, None),
])
def test_find_title(text: str, title: str | None) -> None:
    from parsers.meta import find_title

    assert find_title(text) == title


def test_breadcrumb_is_not_a_title() -> None:
    from parsers.meta import find_title

    assert find_title("首页 > 信息公开 > 政府信息公开年报\n某某县民政局2020年政府信息公开工作年度报告\n") == (
        "某某县民政局2020年政府信息公开工作年度报告")


@pytest.mark.parametrize("page_title", [
    "某某县民政局2020年政府信息公开工作年度报告-某某县人民政府",
    "某某县人民政府 | 某某县民政局2020年政府信息公开工作年度报告",
    "某某县民政局2020年政府信息公开工作年度报告——某某县人民政府门户网站",
])
def test_site_name_cut_from_page_title(page_title: str) -> None:
    from parsers.meta import title_segment

    assert title_segment(page_title) == "某某县民政局2020年政府信息公开工作年度报告"


@pytest.mark.parametrize("text, found", [
    ("发布时间：2024-01-22 09:30 来源：本站", ("2024-01-22", "发布时间")),
    ("时间：2022年01月26日 点击：", ("2022-01-26", "时间")),
    ("更新时间：2020-1-14 15:55:58", ("2020-01-14", "更新时间")),
    ("日期： 2022-1-5", ("2022-01-05", "日期")),
    ("信息来源：县卫健委 发布日期：2024-01-22", ("2024-01-22", "发布日期")),
    ("更新时间：2024-02-02 发布时间：2024-01-22", ("2024-01-22", "发布时间")),  # the most trusted label wins
    ("成文日期：2024-01-10", None), ("统计时间：2023年1月1日至12月31日", None), ("办理时间2023年5月1日", None),
])
def test_labelled_dates_as_real_pages_print_them(text: str, found: tuple[str, str] | None) -> None:
    assert labelled_date(text) == found


def test_a_township_report_names_its_body_in_full() -> None:
    text = "2023年，洧川镇认真贯彻落实条例。\n一、总体情况\n六、其他需要报告的事项\n无。\n尉氏县洧川镇人民政府\n2024年1月20日"
    report = Report(source="x", file_type="html", text=text)
    describe(report, title="洧川镇二〇二三年度政府信息公开工作年度报告")
    assert (report.agency, report.year, report.published_at) == ("尉氏县洧川镇人民政府", 2023, None)
