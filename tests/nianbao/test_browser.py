"""The served world database in real Chromium: home, flags with facets, a canned query,
the charts drawn. Screenshots land in tests/screenshots/served-*.png."""

from __future__ import annotations

from tests.nianbao import browse


def test_home(page: object, site: str) -> None:
    browse.home(page, site, "served")


def test_flag_list_with_facets(page: object, site: str) -> None:
    assert browse.flag_list(page, site, "served") == {"missing": 1, "late": 1, "unbalanced": 1, "changed": 1}


def test_canned_query(page: object, site: str) -> None:
    assert sorted(browse.canned_query(page, site, "served")) == ["河南省开封市尉氏县", "陕西省安康市汉阴县"]


def test_chart_drawn(page: object, site: str) -> None:
    browse.chart(page, site, "served")
