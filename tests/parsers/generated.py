"""Generated reports for the format tests, and the check that a parse read every cell back."""

from __future__ import annotations

from nianbao.demo import documents as D
from parsers import template as T
from parsers.report import Report


def cases(*variants: tuple[int, bool, bool]) -> list[tuple[int, str, bool, bool]]:
    """(seed, template, balanced, blanks) for each variant under both templates."""
    return [(seed, template, balanced, blanks) for template in T.TEMPLATES for seed, balanced, blanks in variants]


def sample(seed: int, template: str, balanced: bool = True, blanks: bool = False, *,
           agency: str, year: int | None = None) -> dict:
    """A generated report of a year that uses ``template`` (2023 or 2020 unless given)."""
    year = year or (2023 if template == "2021" else 2020)
    return D.sample_report(seed, agency=agency, year=year, template=template, balanced=balanced, blanks=blanks)


def assert_same_report(parsed: Report, report: dict, file_type: str) -> None:
    """Every cell of tables 二, 三 and 四, plus who, when and which template."""
    assert parsed.error is None
    assert parsed.file_type == file_type
    assert (parsed.agency, parsed.year, parsed.format, parsed.title) == (
        report["agency"], report["year"], report["format"], report["title"])
    assert parsed.active == report["active"]
    assert parsed.applications == report["applications"]
    assert parsed.review_litigation == report["review_litigation"]
