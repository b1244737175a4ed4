"""parsers.grid: rows in reading order → tables 二, 三 and 四, for both templates and the
ways real tables go wrong (blank cells, damaged rows, label variants, units)."""

from __future__ import annotations

import pytest

from parsers import template as T
from parsers.grid import fill_tables
from parsers.lines import read_line, read_number
from parsers.report import Report
from tests.parsers.conftest import application_rows, applications, report_rows, review, review_rows, zero_applications

ACTIVE_2021 = {
    "rules": {"issued": 1, "repealed": 0, "in_force": 7},
    "normative_documents": {"issued": 3, "repealed": 2, "in_force": 15},
    "licensing": 637, "punishment": 17, "coercion": 2, "fees": 1.25,
}
ACTIVE_2019 = {
    "rules": {"new_made": 1, "new_published": 1, "total_published": 9},
    "normative_documents": {"new_made": 4, "new_published": 3, "total_published": 20},
    "licensing": {"prev_items": 30, "change": -2, "decisions": 512},
    "other_services": {"prev_items": 5, "change": 0, "decisions": 12},
    "punishment": {"prev_items": 40, "change": 1, "decisions": 61},
    "coercion": {"prev_items": 3, "change": 0, "decisions": 4},
    "fees": {"prev_items": 2, "change": 1},
    "procurement": {"items": 6, "amount": 120.5},
}
REVIEW_NUMBERS = [1, 0, 0, 1, 2, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]


def filled(rows: list[list[str]]) -> Report:
    report = Report(source="rows", file_type="html")
    fill_tables(report, rows)
    return report


def apps_with(template: str, **rows: list) -> dict[str, list]:
    values = zero_applications(template)
    values.update({key.replace("__", "."): v for key, v in rows.items()})
    return values


def test_2021_grid_with_merged_cells_reads_every_cell() -> None:
    apps = apps_with("2021", new=[3, 1, 0, 0, 1, 0, 5], carried_over=[1, 0, 0, 0, 0, 0, 1],
                     granted=[2, 1, 0, 0, 0, 0, 3], not_processed__duplicate=[1, 0, 0, 0, 1, 0, 2],
                     other__other=[1, 0, 0, 0, 0, 0, 1], processed_total=[4, 1, 0, 0, 1, 0, 6])
    report = filled(report_rows("2021", ACTIVE_2021, apps, REVIEW_NUMBERS))
    assert report.format == "2021"
    assert report.active == ACTIVE_2021
    assert report.applications == applications(apps)
    assert report.review_litigation == review(REVIEW_NUMBERS)
    assert report.warnings == []


def test_2019_template_detected_from_labels_not_year() -> None:
    apps = apps_with("2019", new=[2, 0, 0, 0, 0, 0, 2], granted=[1, 0, 0, 0, 0, 0, 1],
                     other=[1, 0, 0, 0, 0, 0, 1], processed_total=[2, 0, 0, 0, 0, 0, 2])
    report = filled(report_rows("2019", ACTIVE_2019, apps, REVIEW_NUMBERS, year=2023))
    assert report.format == "2019"
    assert report.active == ACTIVE_2019
    assert report.applications == applications(apps)
    assert set(report.applications) == {r.key for r in T.application_rows("2019")}
    assert "other.other" not in report.applications
    assert report.review_litigation == review(REVIEW_NUMBERS)
    assert report.warnings == []


def test_2019_plain_text_layout() -> None:
    lines = """二、主动公开政府信息情况
第二十条第（一）项
信息内容 本年新制作数量 本年新公开数量 对外公开总数量
规章 0 0 3
规范性文件 2 2 11
第二十条第（五）项
信息内容 上一年项目数量 本年增/减 处理决定数量
行政许可 45 -3 800
其他对外管理服务事项 0 0 0
第二十条第（六）项
信息内容 上一年项目数量 本年增/减 处理决定数量
行政处罚 50 2 33
行政强制 6 0 1
第二十条第（八）项
信息内容 上一年项目数量 本年增/减
行政事业性收费 1 0
第二十条第（九）项
信息内容 采购项目数量 采购总金额
政府集中采购 3 45.6
三、收到和处理政府信息公开申请情况
申请人情况 自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计
一、本年新收政府信息公开申请数量 4 0 0 0 0 0 4
二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0
三、本年度办理结果
（一）予以公开 3 0 0 0 0 0 3
（二）部分公开（区分处理的，只计这一情形，不计其他情形） 0 0 0 0 0 0 0
（三）不予公开
1.属于国家秘密 0 0 0 0 0 0 0
2.其他法律行政法规禁止公开 0 0 0 0 0 0 0
3.危及“三安全一稳定” 0 0 0 0 0 0 0
4.保护第三方合法权益 0 0 0 0 0 0 0
5.属于三类内部事务信息 0 0 0 0 0 0 0
6.属于四类过程性信息 0 0 0 0 0 0 0
7.属于行政执法案卷 0 0 0 0 0 0 0
8.属于行政查询事项 0 0 0 0 0 0 0
（四）无法提供
1.本机关不掌握相关政府信息 0 0 0 0 0 0 0
2.没有现成信息需要另行制作 0 0 0 0 0 0 0
3.补正后申请内容仍不明确 0 0 0 0 0 0 0
（五）不予处理
1.信访举报投诉类申请 0 0 0 0 0 0 0
2.重复申请 0 0 0 0 0 0 0
3.要求提供公开出版物 0 0 0 0 0 0 0
4.无正当理由大量反复申请 0 0 0 0 0 0 0
5.要求行政机关确认或重新出具已获取信息 0 0 0 0 0 0 0
（六）其他处理 1 0 0 0 0 0 1
（七）总计 4 0 0 0 0 0 4
四、结转下年度继续办理 0 0 0 0 0 0 0
四、政府信息公开行政复议、行政诉讼情况
行政复议 行政诉讼
结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉 复议后起诉
0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
五、存在的主要问题及改进情况""".splitlines()
    report = filled([[line] for line in lines])
    assert report.format == "2019"
    assert report.active == {
        "rules": {"new_made": 0, "new_published": 0, "total_published": 3},
        "normative_documents": {"new_made": 2, "new_published": 2, "total_published": 11},
        "licensing": {"prev_items": 45, "change": -3, "decisions": 800},
        "other_services": {"prev_items": 0, "change": 0, "decisions": 0},
        "punishment": {"prev_items": 50, "change": 2, "decisions": 33},
        "coercion": {"prev_items": 6, "change": 0, "decisions": 1},
        "fees": {"prev_items": 1, "change": 0},
        "procurement": {"items": 3, "amount": 45.6},
    }
    assert report.applications == applications(apps_with(
        "2019", new=[4, 0, 0, 0, 0, 0, 4], granted=[3, 0, 0, 0, 0, 0, 3], other=[1, 0, 0, 0, 0, 0, 1],
        processed_total=[4, 0, 0, 0, 0, 0, 4]))
    assert report.review_litigation == review([0] * 15)
    assert report.warnings == []


def test_blank_cells_and_dashes_are_null_with_a_warning() -> None:
    apps = apps_with("2021", new=[2, None, "—", 0, "-", "/", 2], granted=[None] * 7)
    report = filled(report_rows("2021", ACTIVE_2021, apps, REVIEW_NUMBERS))
    assert report.applications["new"] == {"natural_person": 2, "commercial": None, "research": None,
                                          "social_org": 0, "legal_service": None, "other": None, "total": 2}
    assert report.applications["granted"] == dict.fromkeys(report.applications["granted"])
    assert report.applications["carried_over"]["natural_person"] == 0
    assert any("本年新收" in w and "blank" in w for w in report.warnings)
    assert any("予以公开" in w for w in report.warnings)


def test_damaged_row_keeps_only_what_is_unambiguous() -> None:
    rows = application_rows("2021", zero_applications("2021"))
    # 一、本年新收: one number lost in copying; 四 loses one number of its second group.
    rows[3] = ["一、本年新收政府信息公开申请数量"] * 3 + ["2", "0", "0", "0", "0", "2"]
    review_damaged = ["1", "0", "0", "1", "2", "0", "1", "0", "1", "0", "0", "0", "0", "0"]
    report = filled([["三、收到和处理政府信息公开申请情况"], *rows, ["四、政府信息公开行政复议、行政诉讼情况"],
                     *review_rows(review_damaged)[:3], review_damaged])
    assert report.applications["new"] == dict.fromkeys(report.applications["new"])
    assert report.applications["carried_over"] == dict.fromkeys(report.applications["carried_over"], 0)
    # Only a loss inside the second group keeps every group's total equal to its parts:
    # the first and third groups are certain, the second is not.
    assert report.review_litigation == {
        "review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2},
        "litigation_direct": dict.fromkeys(("upheld", "corrected", "other", "pending", "total")),
        "litigation_after_review": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
    }
    assert any("本年新收" in w and "damaged" in w for w in report.warnings)
    assert any("table 四" in w and "damaged" in w for w in report.warnings)


@pytest.mark.parametrize("label", [
    "(三) 不予公开 1. 属于国家秘密", "（三）不予公开1.属于国家秘密", "1 .  属于 国家 秘密", "属于国家\n秘密",
])
def test_label_variants_match_by_meaning(label: str) -> None:
    values = zero_applications("2021")
    rows = application_rows("2021", values)
    index = next(i for i, r in enumerate(rows) if "国家秘密" in "".join(r))
    rows[index] = ["三、本年度办理结果", label, "5", "0", "0", "0", "0", "0", "5"]
    report = filled(rows)
    assert report.applications["refused.state_secret"] == {
        "natural_person": 5, "commercial": 0, "research": 0, "social_org": 0, "legal_service": 0, "other": 0, "total": 5}


def test_typo_and_broken_labels_in_table_two() -> None:
    rows = [
        ["第二十条第(一)项"], ["信息内容", "本年制发件数", "本年度止件数", "现行有效件数"],
        ["规章", "1", "2", "3"], ["行政规范", "", "", ""], ["性文件", "4", "5", "6"],
        ["第二十条第(五)项"], ["信息内容", "本年处理决定数量"], ["行 政 许 可", "9"],
        ["第二十条第(六)项"], ["信息内容", "本年处理决定数量"], ["行政处罚", "8"], ["行政强制", "7"],
        ["第二十条第(八)项"], ["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费", "251000元"],
        ["三、收到和处理政府信息公开申请情况"],
    ]
    report = filled(rows)
    assert report.format == "2021"
    assert report.active == {"rules": {"issued": 1, "repealed": 2, "in_force": 3},
                             "normative_documents": {"issued": 4, "repealed": 5, "in_force": 6},
                             "licensing": 9, "punishment": 8, "coercion": 7, "fees": 25.1}
    assert any("251000元" in w and "万元" in w for w in report.warnings)


@pytest.mark.parametrize("cell, expected", [("0.5万元", 0.5), ("251000元", 25.1), ("12.3456", 12.3456), ("—", None), ("", None)])
def test_fee_units(cell: str, expected: float | None) -> None:
    assert read_number(cell, "money").value == expected


@pytest.mark.parametrize("cell, expected", [("3,891", 3891), ("３８", 38), ("5件", 5), ("-1", None), ("1.5", None), ("无", None)])
def test_count_cells(cell: str, expected: int | None) -> None:
    assert read_number(cell, "count").value == expected


def test_digits_inside_labels_are_not_values() -> None:
    for label in ("第二十条第（一）项", "1.属于国家秘密", "3.危及“三安全一稳定”", "本年收费金额(单位:万元,保留4位小数)",
                  "1. 属于国家秘密", "2023 年度"):
        line = read_line([label])
        assert not line.has_values, label
    line = read_line(["1. 属于国家秘密 0 0 3 0 0 0 3"])
    assert line.labels == ["1. 属于国家秘密"] and [c.text for c in line.tail] == ["0", "0", "3", "0", "0", "0", "3"]


def test_missing_tables_stay_empty_with_warnings() -> None:
    report = filled([["三、收到和处理政府信息公开申请情况"], *application_rows("2021", zero_applications("2021"))])
    assert report.format == "2021"
    assert report.active == {} and report.review_litigation == {}
    assert len(report.applications) == 25
    assert any("table 二" in w and "not found" in w for w in report.warnings)
    assert any("table 四" in w and "not found" in w for w in report.warnings)


def test_missing_row_is_null_and_named() -> None:
    rows = [r for r in application_rows("2021", zero_applications("2021")) if "行政查询" not in "".join(r)]
    report = filled(rows)
    assert report.applications["refused.inquiry"] == dict.fromkeys(report.applications["refused.inquiry"])
    assert any("行政查询" in w and "not found" in w for w in report.warnings)


PDF_LAYOUT = """三、收到和处理政府信息公开申请情况
                                   申请人情况
（本列数据的勾稽关系为：第一项加第二项之和，    自然人    法人或其他组织    总计
等于第三项加第四项之和）                  商业企业  科研机构  社会公益组织  法律服务机构  其他
一、本年新收政府信息公开申请数量        6    0    0    0    0    0    6
二、上年结转政府信息公开申请数量        0    0    0    0    0    0    0
三、    （一）予以公开                  2    0    0    0    0    0    2
本      （二）部分公开（区分处理的，只计这一    1    0    0    0    0    0    1
年      情形，不计其他情形）
度      （三）不予公开   1.属于国家秘密     0    0    0    0    0    0    0
办                       2.其他法律行政法规     0    0    0    0    0    0    0
理                       禁止公开
结                       3.危及“三安全一稳定”    0    0    0    0    0    0    0
果                       4.保护第三方合法权益    0    0    0    0    0    0    0
                         5.属于三类内部事务信息   0    0    0    0    0    0    0
- 3 -
                         6.属于四类过程性信息    0    0    0    0    0    0    0
                         7.属于行政执法案卷    0    0    0    0    0    0    0
                         8.属于行政查询事项    0    0    0    0    0    0    0
        （四）无法提供   1.本机关不掌握相关政府信息    2    0    0    0    0    0    2
                         2.没有现成信息需要另行制作    0    0    0    0    0    0    0
                         3.补正后申请内容仍不明确    0    0    0    0    0    0    0
        （五）不予处理   1.信访举报投诉类申请    0    0    0    0    0    0    0
                         2.重复申请    0    0    0    0    0    0    0
                         3.要求提供公开出版物    0    0    0    0    0    0    0
                         4.无正当理由大量反复申请    0    0    0    0    0    0    0
                         5.要求行政机关确认或重新    1    0    0    0    0    0    1
                         出具已获取信息
        （六）其他处理   1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请    0    0    0    0    0    0    0
                         2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请    0    0    0    0    0    0    0
                         3.其他    0    0    0    0    0    0    0
        （七）总计    6    0    0    0    0    0    6
四、结转下年度继续办理    0    0    0    0    0    0    0
四、政府信息公开行政复议、行政诉讼情况
     行政复议                     行政诉讼
结果  结果  其他  尚未  总计   未经复议直接起诉          复议后起诉
维持  纠正  结果  审结
0  0  0  0  0  0  0  0  0  0  0  0  0  0  0
五、存在的主要问题及改进情况"""


def test_pdftotext_layout_with_broken_labels_and_page_number() -> None:
    from parsers.text import rows_of

    report = filled(rows_of(PDF_LAYOUT))
    assert report.format == "2021"
    assert report.applications == applications(apps_with(
        "2021", new=[6, 0, 0, 0, 0, 0, 6], granted=[2, 0, 0, 0, 0, 0, 2], partly_granted=[1, 0, 0, 0, 0, 0, 1],
        unavailable__not_held=[2, 0, 0, 0, 0, 0, 2], not_processed__confirmation=[1, 0, 0, 0, 0, 0, 1],
        processed_total=[6, 0, 0, 0, 0, 0, 6]))
    assert report.review_litigation == review([0] * 15)
    assert [w for w in report.warnings if "table 三" in w or "table 四" in w] == []


def test_sentences_before_the_tables_do_not_start_them() -> None:
    prose = [["一、总体情况"], ["2020年共收到自然人申请3件，本年新收政府信息公开申请数量 3"],
             ["依据第二十条规定，本年办理行政许可 12"]]
    apps = apps_with("2021", new=[3, 0, 0, 0, 0, 0, 3], processed_total=[3, 0, 0, 0, 0, 0, 3])
    report = filled(prose + report_rows("2021", ACTIVE_2021, apps, REVIEW_NUMBERS)[3:])
    assert report.active == ACTIVE_2021
    assert report.applications == applications(apps)
    assert report.warnings == []


def test_invisible_characters_and_wide_digits_in_cells() -> None:
    line = read_line(["行政\u200b许可", "\u200b６３７\u00a0", "\ufeff"])
    assert line.labels == ["行政许可"] and [c.text for c in line.tail if c.kind == "value"] == ["６３７"]
    assert read_number("６３７", "count").value == 637


def test_row_split_by_a_page_break_joins_label_and_numbers() -> None:
    """pdfplumber gives a row broken by a page as two rows: the label's start with the
    numbers, then the rest of the label over blank cells (None for merged cells)."""
    rows = application_rows("2021", zero_applications("2021"))
    index = next(i for i, r in enumerate(rows) if "逾期不补正" in "".join(r))
    rows[index:index + 1] = [
        ["三、\n本年\n度办\n理结", "（六\n）其\n他处\n理", "1.申\n请人\n无正\n当理", "2", "0", "0", "0", "0", "0", "2"],
        ["果", None, "由逾\n期不\n补\n正、\n行政\n机关\n不再\n处理\n其政\n府信\n息公\n开申\n请", "", "", "", "", "", "", ""],
    ]
    report = filled(rows)
    assert report.applications["other.no_correction"] == {
        "natural_person": 2, "commercial": 0, "research": 0, "social_org": 0, "legal_service": 0, "other": 0, "total": 2}
    assert report.applications["other.no_fee"]["total"] == 0
    assert report.warnings == ["table 二 (主动公开) not found", "table 四 (行政复议、行政诉讼) not found"]


def test_row_cut_by_a_page_break_before_its_numbers_keeps_its_blank_columns() -> None:
    """A row cut by a page: its label's start over empty cells on one page, the rest with
    the numbers (the last one blank) on the next. The empty cells are no columns."""
    rows = application_rows("2021", zero_applications("2021"))
    index = next(i for i, r in enumerate(rows) if "逾期不补正" in "".join(r))
    rows[index:index + 1] = [
        ["三、本年度办理结果", "（六）其他处理", "1、申请人无正当理由逾期", "", "", "", "", "", "", ""],
        ["三、本年度办理结果", "（六）其他处理", "不补正、行政机关不再处理其政府信息公开申请", "1", "0", "0", "0", "0", "0", ""],
    ]
    report = filled(rows)
    assert report.applications["other.no_correction"] == {
        "natural_person": 1, "commercial": 0, "research": 0, "social_org": 0, "legal_service": 0, "other": 0,
        "total": None}
    assert "applications" not in report.doubts   # (二 and 四 are absent here, so doubted whole)


def test_group_label_wrapped_beside_the_rows_is_no_row() -> None:
    """A table printed without rules, read line by line: the group label 三（三）, wrapped
    in its narrow column, shares a line with the numbers of the row beside it."""
    rows = application_rows("2021", zero_applications("2021"))
    index = next(i for i, r in enumerate(rows) if "第三方" in "".join(r))
    rows[index:index + 1] = [["4.保护第三方合法权"], ["（三）不予", "2", "0", "0", "0", "0", "0", "2"], ["益"], ["公开"]]
    report = filled(rows)
    assert report.applications["refused.third_party"] == {
        "natural_person": 2, "commercial": 0, "research": 0, "social_org": 0, "legal_service": 0, "other": 0, "total": 2}
    assert report.applications["refused.internal_affairs"]["total"] == 0
    assert "applications" not in report.doubts   # (二 and 四 are absent here, so doubted whole)


def test_group_label_beside_a_row_with_a_blank_cell_is_no_blank() -> None:
    """Six numbers beside ``（三）不予``: the label is not the seventh (blank) cell."""
    rows = application_rows("2021", zero_applications("2021"))
    index = next(i for i, r in enumerate(rows) if "第三方" in "".join(r))
    rows[index:index + 1] = [["4.保护第三方合法权"], ["（三）不予", "1", "0", "0", "0", "0", "1"], ["益"], ["公开"]]
    report = filled(rows)
    assert report.applications["refused.third_party"]["natural_person"] is None
    assert "refused.third_party" in report.doubts["applications"]


def test_group_label_is_a_row_where_the_template_makes_it_one() -> None:
    """2019: （六）其他处理 is a row of its own, not a group label."""
    assert T.is_section_piece("（三）不予", "2019") and T.is_section_piece("（六）其他", "2021")
    assert not T.is_section_piece("（六）其他", "2019") and not T.is_section_piece("（一）予以公开", "2021")


def test_one_cell_header_does_not_spread_a_lone_value() -> None:
    rows = [["第二十条第（一）项"], ["信息内容 本年制发件数 本年废止件数 现行有效件数"], ["规章"], ["5"],
            ["行政规范性文件 1 2 3"], ["三、收到和处理政府信息公开申请情况"]]
    report = filled(rows)
    assert report.active["rules"] == {"issued": None, "repealed": None, "in_force": None}
    assert report.active["normative_documents"] == {"issued": 1, "repealed": 2, "in_force": 3}
    assert any("规章" in w and "damaged" in w for w in report.warnings)


def test_more_values_than_columns_are_not_guessed() -> None:
    rows = application_rows("2021", zero_applications("2021"))
    rows[4] = ["二、上年结转政府信息公开申请数量"] * 3 + ["1", "0", "0", "0", "0", "0", "1", "1"]
    report = filled(rows)
    assert report.applications["carried_over"] == dict.fromkeys(report.applications["carried_over"])
    assert any("上年结转" in w and "8 values for 7 columns" in w for w in report.warnings)


def test_review_table_printed_as_labelled_groups() -> None:
    rows = [["四、政府信息公开行政复议、行政诉讼情况"], ["结果维持 结果纠正 其他结果 尚未审结 总计"],
            ["行政复议 1 0 0 0 1"], ["行政诉讼（未经复议直接起诉） 0 0 0 1 1"], ["行政诉讼（复议后起诉） 0 0 0 0 0"],
            ["五、存在的主要问题及改进情况"], ["2024年将加强培训 3"]]
    report = filled(rows)
    assert report.review_litigation == review([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0])
