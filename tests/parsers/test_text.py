"""Plain-text reports: the three seeds cell by cell, the text layouts, encodings, bad input
and the real ``nianbao parse`` command."""

from __future__ import annotations

import codecs
import json
import subprocess

import pytest

from parsers import parse_bytes, parse_file
from parsers.text import parse, rows_of
from tests.parsers.conftest import LAYOUTS, NIANBAO, SEEDS, applications, report_rows, review, zero_applications

ZERO_ACTIVE_2021 = {
    "rules": {"issued": 0, "repealed": 0, "in_force": 0},
    "normative_documents": {"issued": 0, "repealed": 0, "in_force": 0},
    "licensing": 0, "punishment": 0, "coercion": 0, "fees": 0.0,
}
ZERO_APPLICATIONS_2021 = {
    "new": [0, 0, 0, 0, 0, 0, 0],
    "carried_over": [0, 0, 0, 0, 0, 0, 0],
    "granted": [0, 0, 0, 0, 0, 0, 0],
    "partly_granted": [0, 0, 0, 0, 0, 0, 0],
    "refused.state_secret": [0, 0, 0, 0, 0, 0, 0],
    "refused.prohibited_by_law": [0, 0, 0, 0, 0, 0, 0],
    "refused.security_stability": [0, 0, 0, 0, 0, 0, 0],
    "refused.third_party": [0, 0, 0, 0, 0, 0, 0],
    "refused.internal_affairs": [0, 0, 0, 0, 0, 0, 0],
    "refused.process_info": [0, 0, 0, 0, 0, 0, 0],
    "refused.enforcement_file": [0, 0, 0, 0, 0, 0, 0],
    "refused.inquiry": [0, 0, 0, 0, 0, 0, 0],
    "unavailable.not_held": [0, 0, 0, 0, 0, 0, 0],
    "unavailable.needs_creation": [0, 0, 0, 0, 0, 0, 0],
    "unavailable.unclear": [0, 0, 0, 0, 0, 0, 0],
    "not_processed.complaint": [0, 0, 0, 0, 0, 0, 0],
    "not_processed.duplicate": [0, 0, 0, 0, 0, 0, 0],
    "not_processed.publication": [0, 0, 0, 0, 0, 0, 0],
    "not_processed.excessive": [0, 0, 0, 0, 0, 0, 0],
    "not_processed.confirmation": [0, 0, 0, 0, 0, 0, 0],
    "other.no_correction": [0, 0, 0, 0, 0, 0, 0],
    "other.no_fee": [0, 0, 0, 0, 0, 0, 0],
    "other.other": [0, 0, 0, 0, 0, 0, 0],
    "processed_total": [0, 0, 0, 0, 0, 0, 0],
    "carried_forward": [0, 0, 0, 0, 0, 0, 0],
}

# Read off the seeds by hand: every cell of tables 二, 三 and 四.
SEED_EXPECTED = {
    "hanyin-wjj-2023.txt": {
        "agency": "汉阴县卫生健康局", "year": 2023, "title": None, "format": "2021",
        "active": ZERO_ACTIVE_2021,
        "applications": ZERO_APPLICATIONS_2021,
        "review": [0] * 15,
    },
    "weishi-wjw-2023.txt": {
        "agency": "尉氏县卫生健康委员会", "year": 2023, "format": "2021",
        "title": "尉氏县卫生健康委员会 2023 年政府信息公开工作 年度报告",
        "active": {
            "rules": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative_documents": {"issued": 0, "repealed": 0, "in_force": 0},
            "licensing": 637, "punishment": 17, "coercion": 0, "fees": 0.0,
        },
        "applications": ZERO_APPLICATIONS_2021,
        "review": [0] * 15,
    },
    "xuchang-wjw-2021.txt": {
        "agency": "许昌市卫生健康委员会", "year": 2021, "format": "2021",
        "title": "许昌市卫生健康委员会2021年政府信息公开工作年度报告",
        "active": {
            "rules": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative_documents": {"issued": 0, "repealed": 0, "in_force": 0},
            "licensing": 3891, "punishment": 43, "coercion": 0, "fees": 0.0,
        },
        "applications": {
            "new": [3, 0, 0, 0, 0, 0, 3],
            "carried_over": [0, 0, 0, 0, 0, 0, 0],
            "granted": [1, 0, 0, 0, 0, 0, 1],
            "partly_granted": [0, 0, 0, 0, 0, 0, 0],
            "refused.state_secret": [0, 0, 0, 0, 0, 0, 0],
            "refused.prohibited_by_law": [0, 0, 0, 0, 0, 0, 0],
            "refused.security_stability": [0, 0, 0, 0, 0, 0, 0],
            "refused.third_party": [0, 0, 0, 0, 0, 0, 0],
            "refused.internal_affairs": [0, 0, 0, 0, 0, 0, 0],
            "refused.process_info": [0, 0, 0, 0, 0, 0, 0],
            "refused.enforcement_file": [0, 0, 0, 0, 0, 0, 0],
            "refused.inquiry": [0, 0, 0, 0, 0, 0, 0],
            "unavailable.not_held": [1, 0, 0, 0, 0, 0, 1],
            "unavailable.needs_creation": [0, 0, 0, 0, 0, 0, 0],
            "unavailable.unclear": [0, 0, 0, 0, 0, 0, 0],
            "not_processed.complaint": [0, 0, 0, 0, 0, 0, 0],
            "not_processed.duplicate": [1, 0, 0, 0, 0, 0, 1],
            "not_processed.publication": [0, 0, 0, 0, 0, 0, 0],
            "not_processed.excessive": [0, 0, 0, 0, 0, 0, 0],
            "not_processed.confirmation": [0, 0, 0, 0, 0, 0, 0],
            "other.no_correction": [0, 0, 0, 0, 0, 0, 0],
            "other.no_fee": [0, 0, 0, 0, 0, 0, 0],
            "other.other": [0, 0, 0, 0, 0, 0, 0],
            "processed_total": [3, 0, 0, 0, 0, 0, 3],
            "carried_forward": [0, 0, 0, 0, 0, 0, 0],
        },
        "review": [0] * 15,
    },
}


@pytest.fixture(scope="session")
def parsed_seeds() -> dict:
    return {name: parse_file(SEEDS / name) for name in SEED_EXPECTED}


@pytest.mark.parametrize("name", sorted(SEED_EXPECTED))
def test_seed_every_cell(parsed_seeds: dict, name: str) -> None:
    report, expected = parsed_seeds[name], SEED_EXPECTED[name]
    assert report.error is None
    assert report.file_type == "txt"
    assert (report.agency, report.year, report.title, report.format) == (
        expected["agency"], expected["year"], expected["title"], expected["format"])
    assert report.active == expected["active"]
    assert report.applications == applications(expected["applications"])
    assert report.review_litigation == review(expected["review"])
    assert report.published_at is None
    assert report.warnings == []
    assert report.text == (SEEDS / name).read_text(encoding="utf-8")


def test_gbk_text_without_charset(parsed_seeds: dict) -> None:
    data = (SEEDS / "weishi-wjw-2023.txt").read_text(encoding="utf-8").encode("gbk")
    report = parse_bytes(data, "weishi-gbk.txt")
    expected = parsed_seeds["weishi-wjw-2023.txt"]
    assert report.error is None
    assert report.text == expected.text
    assert (report.agency, report.year, report.active, report.applications, report.review_litigation) == (
        expected.agency, expected.year, expected.active, expected.applications, expected.review_litigation)


def test_utf16_text_from_notepad(parsed_seeds: dict) -> None:
    text = (SEEDS / "xuchang-wjw-2021.txt").read_text(encoding="utf-8")
    report = parse_bytes(codecs.BOM_UTF16_LE + text.replace("\n", "\r\n").encode("utf-16-le"), "xuchang-utf16.txt")
    expected = parsed_seeds["xuchang-wjw-2021.txt"]
    assert report.error is None and report.text == text
    assert (report.agency, report.active, report.applications) == (expected.agency, expected.active, expected.applications)


ACTIVE = {
    "rules": {"issued": 1, "repealed": 0, "in_force": 4},
    "normative_documents": {"issued": 2, "repealed": 1, "in_force": 9},
    "licensing": 120, "punishment": 35, "coercion": 3, "fees": 0.75,
}
REVIEW = [1, 0, 1, 0, 2, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]


def crafted_applications() -> dict[str, list[int]]:
    values = zero_applications("2021")
    values.update({"new": [5, 1, 0, 0, 0, 1, 7], "carried_over": [1, 0, 0, 0, 0, 0, 1],
                   "granted": [3, 1, 0, 0, 0, 0, 4], "refused.third_party": [1, 0, 0, 0, 0, 0, 1],
                   "not_processed.confirmation": [1, 0, 0, 0, 0, 1, 2], "processed_total": [5, 1, 0, 0, 0, 1, 7],
                   "carried_forward": [1, 0, 0, 0, 0, 0, 1]})
    return values


ACTIVE_2019 = {
    "rules": {"new_made": 0, "new_published": 0, "total_published": 2},
    "normative_documents": {"new_made": 3, "new_published": 3, "total_published": 17},
    "licensing": {"prev_items": 88, "change": -4, "decisions": 1290},
    "other_services": {"prev_items": 12, "change": 2, "decisions": 40},
    "punishment": {"prev_items": 51, "change": 0, "decisions": 75},
    "coercion": {"prev_items": 9, "change": -1, "decisions": 6},
    "fees": {"prev_items": 3, "change": 0},
    "procurement": {"items": 14, "amount": 356.78},
}


def crafted_applications_2019() -> dict[str, list[int]]:
    values = zero_applications("2019")
    values.update({"new": [2, 0, 1, 0, 0, 0, 3], "granted": [1, 0, 1, 0, 0, 0, 2], "other": [1, 0, 0, 0, 0, 0, 1],
                   "processed_total": [2, 0, 1, 0, 0, 0, 3]})
    return values


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("template", ["2019", "2021"])
def test_text_layouts(layout: str, template: str) -> None:
    active, apps = (ACTIVE, crafted_applications()) if template == "2021" else (ACTIVE_2019, crafted_applications_2019())
    year = 2022 if template == "2021" else 2020
    text = LAYOUTS[layout](report_rows(template, active, apps, REVIEW, agency="某某县审计局", year=year, merged=False))
    report = parse(text.encode("utf-8"), f"crafted.{layout}.txt")
    assert report.error is None
    assert (report.agency, report.year, report.format) == ("某某县审计局", year, template)
    assert report.title == f"某某县审计局{year}年政府信息公开工作年度报告"
    assert report.active == active
    assert report.applications == applications(apps)
    assert report.review_litigation == review(REVIEW)
    assert report.warnings == []


def test_markdown_rows_drop_separators_and_heading_marks() -> None:
    rows = rows_of("# 标题\n\n| a | | 3 |\n|---|---|---|\n文字  两段\n甲\t\t乙\n")
    assert rows == [["标题"], ["a", "", "3"], ["文字", "两段"], ["甲", "", "乙"]]


@pytest.mark.parametrize("data", [
    "会议通知\n定于下周一召开全体会议，请准时参加。\n".encode(),
    "价格表\n苹果 3\n梨 4\n".encode("gbk"),
    bytes(range(1, 256)) * 4,
])
def test_not_a_report_is_one_line_error(data: bytes) -> None:
    report = parse_bytes(data, "notice.txt")
    assert report.error is not None and report.error.startswith("not an annual report")
    assert "\n" not in report.error
    assert report.applications == {} and report.active == {}


def test_title_only_report_without_tables_is_kept_with_warnings() -> None:
    text = "某某县水利局2023年政府信息公开工作年度报告\n一、总体情况\n2023年，某某县水利局……（表格为图片）\n"
    report = parse(text.encode("utf-8"), "images.txt")
    assert report.error is None
    assert (report.agency, report.year) == ("某某县水利局", 2023)
    assert report.applications == {} and report.format is None
    assert any("no table" in w for w in report.warnings)
    assert report.doubts == {"active": ["*"], "applications": ["*"], "review_litigation": ["*"]}


def test_cli_parse_seed_json() -> None:
    done = subprocess.run([str(NIANBAO), "parse", str(SEEDS / "xuchang-wjw-2021.txt"), "--json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["error"] is None and report["format"] == "2021"
    assert report["agency"] == "许昌市卫生健康委员会" and report["year"] == 2021
    assert report["applications"]["new"] == {"natural_person": 3, "commercial": 0, "research": 0, "social_org": 0,
                                             "legal_service": 0, "other": 0, "total": 3}
    assert report["active"]["licensing"] == 3891


def test_cli_missing_file_is_error_object_and_exit_1(tmp_path) -> None:
    missing = tmp_path / "nope.txt"
    done = subprocess.run([str(NIANBAO), "parse", str(missing), str(SEEDS / "weishi-wjw-2023.txt"), "--json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["source"] == str(missing) and first["error"].startswith("cannot read file")
    assert second["error"] is None and second["active"]["licensing"] == 637
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("layout", ["tsv", "markdown"])
def test_blank_cells_keep_their_column_in_text_tables(layout: str) -> None:
    """A row whose last cells are blank: the other rows of the table show where its
    numbers are, so the blanks are not taken for padding and nothing shifts."""
    apps = crafted_applications()
    apps["partly_granted"] = [0, 0, 0, 0, 0, None, None]
    apps["processed_total"] = [None, 1, 0, 0, 0, 1, 7]
    text = LAYOUTS[layout](report_rows("2021", ACTIVE, apps, REVIEW, merged=False))
    report = parse(text.encode("utf-8"), f"blanks.{layout}.txt")
    assert report.applications == applications(apps)
    assert any("部分公开" in w and "blank" in w for w in report.warnings)
    assert any("总计" in w and "blank" in w for w in report.warnings)
