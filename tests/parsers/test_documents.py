"""The document generator: its numbers obey the template's rules (or break exactly the one
it says), and each format carries the merged cells and text real documents have."""

from __future__ import annotations

import io
import re
import subprocess

import docx
import lxml.html
import pytest

from nianbao.demo import documents as D
from parsers import parse_bytes
from parsers import template as T

AGENCY = "尉氏县卫生健康委员会"
SAMPLES = [(seed, template) for seed in range(12) for template in T.TEMPLATES]
RESULT_ROWS = {"2021": 22, "2019": 20}  # rows under 三、本年度办理结果, 总计 included


def broken_rules(report: dict) -> set[str]:
    """The consistency rules (DOMAIN.md) a sample's tables break; a blank counts as 0."""
    apps = {row: {col: value or 0 for col, value in values.items()} for row, values in report["applications"].items()}
    columns = [c.key for c in T.APPLICANT_COLUMNS]
    rows = [r.key for r in T.application_rows(report["format"])]
    results = rows[rows.index("granted"):rows.index("processed_total")]
    broken = set()
    for column in columns:
        if apps["new"][column] + apps["carried_over"][column] != apps["processed_total"][column] + apps["carried_forward"][column]:
            broken.add("applications_balance")
        if apps["processed_total"][column] != sum(apps[row][column] for row in results):
            broken.add("processed_total")
    if any(values["total"] != sum(values[c] for c in columns[:-1]) for values in apps.values()):
        broken.add("applicant_total")
    for values in report["review_litigation"].values():
        if (values["total"] or 0) != sum(values[c] or 0 for c in ("upheld", "corrected", "other", "pending")):
            broken.add("review_total")
    return broken


@pytest.mark.parametrize("seed,template", SAMPLES)
def test_balanced_tables_obey_every_rule(seed: int, template: str) -> None:
    report = D.sample_report(seed, agency=AGENCY, year=2023, template=template)
    assert broken_rules(report) == set()
    assert report["broken_rule"] is None
    assert list(report["applications"]) == [r.key for r in T.application_rows(template)]
    assert set(report["active"]) == {i.key for i in T.active_items(template)}


@pytest.mark.parametrize("seed,template", SAMPLES)
def test_unbalanced_tables_break_exactly_the_rule_they_name(seed: int, template: str) -> None:
    report = D.sample_report(seed, agency=AGENCY, year=2023, template=template, balanced=False)
    assert report["broken_rule"] in D.RULES
    assert broken_rules(report) == {report["broken_rule"]}


def test_every_rule_gets_broken_by_some_seed() -> None:
    rules = {D.sample_report(seed, agency=AGENCY, year=2022, balanced=False)["broken_rule"] for seed in range(40)}
    assert rules == set(D.RULES)


def test_samples_are_deterministic_by_seed() -> None:
    first = D.sample_report(7, agency=AGENCY, year=2023)
    assert D.sample_report(7, agency=AGENCY, year=2023) == first
    assert D.sample_report(8, agency=AGENCY, year=2023) != first
    assert D.render_docx(first) == D.render_docx(D.sample_report(7, agency=AGENCY, year=2023))


def test_2019_template_has_23_rows_and_its_own_table_two() -> None:
    report = D.sample_report(1, agency=AGENCY, year=2019, template="2019")
    assert len(report["applications"]) == 23
    assert "other" in report["applications"] and "other.other" not in report["applications"]
    assert set(report["active"]["licensing"]) == {"prev_items", "change", "decisions"}
    assert set(report["active"]["procurement"]) == {"items", "amount"}
    assert isinstance(D.sample_report(1, agency=AGENCY, year=2023)["active"]["licensing"], int)


def test_blank_cells_are_null_where_the_balanced_sample_has_zero() -> None:
    full = D.sample_report(4, agency=AGENCY, year=2023)
    blank = D.sample_report(4, agency=AGENCY, year=2023, blanks=True)
    assert len(blank["blank_cells"]) >= 3
    for table, row, column in blank["blank_cells"]:
        if column is None:
            assert blank[table][row] is None and full[table][row] == 0
        else:
            assert blank[table][row][column] is None and full[table][row][column] == 0
    assert broken_rules(blank) == set()


def test_narrative_numbers_agree_with_the_table() -> None:
    for seed in range(10):
        report = D.sample_report(seed, agency=AGENCY, year=2023)
        apps = report["applications"]
        text = "".join(report["sections"]["overview"])
        if apps["new"]["total"]:
            assert f"共收到政府信息公开申请{apps['new']['total']}件" in text
            assert f"办结{apps['processed_total']['total']}件" in text
            assert f"结转下年度继续办理{apps['carried_forward']['total']}件" in text
        else:
            assert "未收到政府信息公开申请" in text


def html_grid(table: lxml.html.HtmlElement) -> list[list[str]]:
    """A table's rows with rowspan/colspan expanded, read independently of the generator."""
    taken: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.iter("tr")):
        c = 0
        for td in tr.iter("td"):
            while (r, c) in taken:
                c += 1
            span_r, span_c = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            for dr in range(span_r):
                for dc in range(span_c):
                    taken[(r + dr, c + dc)] = td.text_content().strip()
            c += span_c
    height, width = max(r for r, _ in taken) + 1, max(c for _, c in taken) + 1
    return [[taken.get((r, c), "") for c in range(width)] for r in range(height)]


@pytest.mark.parametrize("template", T.TEMPLATES)
def test_html_has_merged_cells_like_the_official_template(template: str) -> None:
    report = D.sample_report(2, agency=AGENCY, year=2023, template=template)
    page = D.render_html(report, pub_date="2024-01-20 10:00")
    tree = lxml.html.fromstring(page.decode("utf-8"))
    assert tree.xpath("//meta[@name='PubDate']/@content") == ["2024-01-20 10:00"]
    assert tree.xpath("//meta[@name='ArticleTitle']/@content") == [report["title"]]
    assert "发布日期：2024-01-20 10:00" in tree.text_content()
    assert tree.xpath("//ul[@class='nav']/li")  # navigation around the article
    spans = {td.text_content().strip(): (int(td.get("rowspan", 1)), int(td.get("colspan", 1))) for td in tree.iter("td")}
    assert spans[D.RESULTS_HEADER] == (RESULT_ROWS[template], 1)
    assert spans[D.APPLICANT_HEADER] == (1, 7)
    assert spans[D.ORGANISATION_HEADER] == (1, 5)
    assert spans["行政诉讼"] == (1, 10) and spans["行政复议"] == (1, 5)
    assert spans["（三）不予公开"] == (8, 1)
    tables = tree.xpath("//table")
    expected = [D.printed_rows(build(report), expand=True) for build in D.TABLES.values()]
    assert [html_grid(t) for t in tables] == expected
    assert expected[1][3][:4] == ["一、本年新收政府信息公开申请数量"] * 3 + [str(report["applications"]["new"]["natural_person"])]


def test_html_encodings_and_bare_article() -> None:
    report = D.sample_report(2, agency=AGENCY, year=2023)
    page = D.render_html(report, encoding="gbk", declare_charset=False, page_chrome=False)
    text = page.decode("gbk")
    assert "charset" not in text and "发布日期" not in text and 'class="nav"' not in text
    assert report["title"] in text and "PubDate" not in text
    with pytest.raises(UnicodeDecodeError):
        page.decode("utf-8")
    declared = D.render_html(report, encoding="gb2312").decode("gb2312")
    assert "charset=gb2312" in declared


@pytest.mark.parametrize("template", T.TEMPLATES)
def test_docx_merges_cells_like_the_word_template(template: str) -> None:
    report = D.sample_report(5, agency=AGENCY, year=2023, template=template)
    document = docx.Document(io.BytesIO(D.render_docx(report)))
    active, apps, review = document.tables
    first = 3 + 2  # three header rows, then 一 and 二
    vertical = {apps.cell(r, 0)._tc for r in range(first, first + RESULT_ROWS[template])}
    assert len(vertical) == 1 and apps.cell(first, 0).text == D.RESULTS_HEADER
    assert apps.cell(first + RESULT_ROWS[template], 0).text == "四、结转下年度继续办理"
    assert apps.cell(0, 3)._tc is apps.cell(0, 9)._tc and apps.cell(0, 3).text == D.APPLICANT_HEADER
    assert apps.cell(1, 4)._tc is apps.cell(1, 8)._tc and apps.cell(1, 4).text == D.ORGANISATION_HEADER
    assert review.cell(0, 5)._tc is review.cell(0, 14)._tc and review.cell(0, 5).text == "行政诉讼"
    assert review.cell(1, 0)._tc is review.cell(2, 0)._tc
    assert active.cell(0, 0)._tc is active.cell(0, 3)._tc and active.cell(0, 0).text == "第二十条第（一）项"
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == report["title"] and "六、其他需要报告的事项" in paragraphs


@pytest.mark.parametrize("layout", ["tabs", "cells", "markdown"])
@pytest.mark.parametrize("template", T.TEMPLATES)
def test_text_layouts_read_back_to_the_same_tables(layout: str, template: str) -> None:
    report = D.sample_report(6, agency=AGENCY, year=2021, template=template, blanks=True)
    text = D.render_txt(report, layout)
    marks = {"tabs": r"\n一、本年新收政府信息公开申请数量\t", "cells": r"\n(\S+ ){6}\S+\n", "markdown": r"\|---\|"}
    assert re.search(marks[layout], text.decode())
    parsed = parse_bytes(text, f"report.{layout}.txt")
    assert (parsed.agency, parsed.year, parsed.format) == (AGENCY, 2021, template)
    assert parsed.active == report["active"]
    assert parsed.applications == report["applications"]
    assert parsed.review_litigation == report["review_litigation"]


@pytest.fixture(scope="session")
def exported() -> tuple[list[dict], list[bytes]]:
    """Four samples exported to PDF by LibreOffice in one batch (cached across runs)."""
    reports = [D.sample_report(seed, agency=AGENCY, year=2023, template=template)
               for seed in (0, 1) for template in T.TEMPLATES]
    return reports, D.export_many(reports, "pdf")


def test_pdf_export_has_the_text(exported: tuple[list[dict], list[bytes]], tmp_path) -> None:
    reports, pdfs = exported
    for report, pdf in zip(reports, pdfs):
        assert pdf.startswith(b"%PDF")
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert report["agency"] in text and "行政复议" in text and "收到和处理政府信息公开申请情况" in text
        assert "一、本年新收政府信息公开申请数量" in text


def test_conversions_come_from_the_cache(exported: tuple[list[dict], list[bytes]], monkeypatch) -> None:
    reports, pdfs = exported

    def no_libreoffice(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached document was converted again")

    monkeypatch.setattr(D, "soffice_convert", no_libreoffice)
    assert D.render_pdf(reports[0]) == pdfs[0]
    assert D.cache_path(D.render_docx(reports[0]), "pdf").exists()