"""What a person does in the browser, as steps shared by the served-database test and the
demo's end-to-end test; each step saves a screenshot to tests/screenshots/."""

from __future__ import annotations

from nianbao.serve import DATABASE
from tests.nianbao.conftest import SCREENSHOTS


def shot(page: object, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def home(page: object, site: str, prefix: str) -> None:
    page.goto(site + "/")
    assert "年报监测" in page.title()
    assert page.locator(f'a[href="/{DATABASE}/flag_list?status=open"]').count() == 1
    shot(page, f"{prefix}-home")


def flag_list(page: object, site: str, prefix: str) -> dict[str, int]:
    """The open flags with their facets; returns the kind facet as {kind: count}."""
    page.goto(f"{site}/{DATABASE}/flag_list?status=open")
    page.wait_for_selector("table.rows-and-columns")
    assert "问题清单" in page.locator("h1").inner_text()
    kinds = {}
    for item in page.locator(".facet-info[data-column=kind] li").all():
        kind, _, count = item.inner_text().strip().rpartition(" ")
        kinds[kind.strip()] = int(count.replace(",", ""))
    for column in ("region_name", "year", "agency_type"):
        assert page.locator(f".facet-info[data-column={column}]").count() == 1, column
    page.set_viewport_size({"width": 1280, "height": 2000})  # the facets and the first rows, not every flag
    shot(page, f"{prefix}-flags", full_page=False)
    return kinds


def canned_query(page: object, site: str, prefix: str) -> list[str]:
    """The missing-and-late query; returns the counties it lists."""
    page.goto(f"{site}/{DATABASE}/missing_late?year=")
    page.wait_for_selector("table.rows-and-columns")
    assert "未发布和逾期" in page.locator("h1").inner_text()
    counties = page.locator("table.rows-and-columns td.col-county").all_inner_texts()
    shot(page, f"{prefix}-missing-late")
    return counties


def chart(page: object, site: str, prefix: str) -> None:
    """The dashboard, once Vega has drawn both charts."""
    page.goto(site + "/-/dashboards/overview")
    page.wait_for_selector("#card-flags-by-kind canvas, #card-flags-by-kind svg.marks", timeout=30000)
    page.wait_for_selector("#card-on-time-rate canvas, #card-on-time-rate svg.marks", timeout=30000)
    box = page.locator("#card-on-time-rate canvas, #card-on-time-rate svg.marks").first.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    shot(page, f"{prefix}-chart")
