"""The registry file itself: read it leniently, write it back with every column kept,
add a county's government from the division data, and check every row.

Who a name means (its county, its key, its type) is ``parsers.identity``'s to say; this
module only asks it, so the registry is checked the way the crawler will match.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from nianbao import divisions
from nianbao.errors import UserError
from nianbao.store import AGENCY_TYPES, REGISTRY_COLUMNS
from parsers import identity

REGISTRY_HEADER = (*REGISTRY_COLUMNS, "render")
# County-level divisions whose government's official name carries its city (开封市鼓楼区人民政府).
CITY_PREFIXED_LEVELS = ("区",)
# What a body's key ends with, by the agency type that name must have.
TYPE_BY_KEY_END = (("township", ("镇", "乡", "街道")), ("government", ("人民政府", "人民政府办公室")))
# Division names too generic to mean another county at the head of a body's name (城区供热站).
GENERIC_DIVISION_NAMES = frozenset({"城区", "郊区", "矿区", "东区", "西区", "南区", "北区", "中区", "海域"})
_CODE = re.compile(r"^\d{6}$")


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Every row of a registry CSV, as written (``[]`` when the file does not exist yet)."""
    path = Path(path)
    if not path.exists():
        return []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in csv.DictReader(handle)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"cannot read registry {path}: {exc}") from None


def write_rows(path: str | Path, rows: list[dict[str, str]]) -> None:
    """Rows back to CSV, the registry's columns first and any other column a user keeps after them."""
    extra = [k for row in rows for k in row if k not in REGISTRY_HEADER]
    header = [*REGISTRY_HEADER, *dict.fromkeys(extra)]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, restval="")
        writer.writeheader()
        writer.writerows(rows)
    partial.replace(path)


def http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def type_of(name: str, region_name: str) -> str:
    """The agency type a name says: a township's government, the people's government, or a department."""
    key = identity.name_keys(name, identity.region_places(region_name))[0]
    return next((kind for kind, ends in TYPE_BY_KEY_END if key.endswith(ends)), "department")


def government_name(county: divisions.Division) -> str:
    """The official name of a county's people's government (尉氏县人民政府, 开封市鼓楼区人民政府)."""
    city = ""
    if county.name.endswith(CITY_PREFIXED_LEVELS):
        city = county.region[: -len(county.name)]
        city = city[len(divisions.divisions()[county.code[:2] + "0000"].name):] or city
    return f"{city}{county.name}人民政府"


def add_county(path: str | Path, query: str, portal: str) -> dict[str, str]:
    """Add the county's people's government, its code and region from the division data."""
    if not http_url(portal):
        raise UserError(f"--portal must be an http(s) URL, not {portal!r}")
    county = divisions.find_county(query)
    rows = read_rows(path)
    row = {"agency_id": f"{county.code}-gov", "agency_name": government_name(county), "region_code": county.code,
           "region_name": county.region, "agency_type": "government", "start_url": portal, "render": ""}
    taken = next((r for r in rows if r.get("agency_id") == row["agency_id"]), None)
    if taken is not None:
        raise UserError(f"{row['agency_id']} ({taken.get('agency_name')}) is already in {path}")
    write_rows(path, [*rows, row])
    return row


def outside_county(name: str, region_name: str) -> str | None:
    """The other division a name starts with once its own region's places are off (通许县…), if any."""
    rest = identity.strip_places(name, identity.region_places(region_name))
    own = set(identity.region_places(region_name))
    return next((d.name for d in _division_names() if rest.startswith(d.name) and d.name not in own), None)


@cache
def _division_names() -> tuple[divisions.Division, ...]:
    """Divisions by name, longest first, so 开封市 is tried before 开封."""
    return tuple(sorted((d for d in divisions.divisions().values() if d.name not in GENERIC_DIVISION_NAMES),
                        key=lambda d: -len(d.name)))


def row_problems(row: dict[str, str]) -> list[str]:
    """What is wrong with one registry row, each a short phrase."""
    problems = [f"empty {c}" for c in REGISTRY_COLUMNS if not row.get(c)]
    code, region, name, kind = (row.get(c, "") for c in ("region_code", "region_name", "agency_name", "agency_type"))
    known = divisions.divisions().get(code)
    if code and not _CODE.match(code):
        problems.append(f"region_code {code!r} is not a 6-digit division code")
    elif code and known is None:
        problems.append(f"region_code {code} is no division's code")
    elif code and region and known.region != region:
        problems.append(f"region_code {code} is {known.region}, not {region}")
    if name and region:
        other = outside_county(name, region)
        if other:
            problems.append(f"{name} names {other}, outside {region}")
    if kind and kind not in AGENCY_TYPES:
        problems.append(f"agency_type {kind!r} is not one of {', '.join(AGENCY_TYPES)}")
    elif kind and name and region and type_of(name, region) != kind:
        problems.append(f"agency_type {kind} does not fit {name} ({type_of(name, region)})")
    if row.get("start_url") and not http_url(row["start_url"]):
        problems.append(f"start_url {row['start_url']!r} is not an http(s) URL")
    return problems


def check(path: str | Path) -> list[str]:
    """Every problem of a registry, one line each, naming the file line and the agency."""
    path = Path(path)
    if not path.exists():
        return [f"{path}: registry not found"]
    rows = read_rows(path)
    if not rows:
        return [f"{path}: no agencies"]
    missing = [c for c in REGISTRY_COLUMNS if c not in rows[0]]
    if missing:
        return [f"{path}: lacks column(s) {', '.join(missing)}"]
    lines, first_line = [], {}
    for number, row in enumerate(rows, start=2):
        where = f"{path} line {number}: {row.get('agency_id') or '?'}"
        agency_id = row.get("agency_id")
        if agency_id and agency_id in first_line:
            lines.append(f"{where}: duplicate agency_id (first on line {first_line[agency_id]})")
        first_line.setdefault(agency_id, number)
        lines += [f"{where}: {problem}" for problem in row_problems(row)]
    return lines
