"""``nianbao registry discover``: the bodies that publish reports on the registered portals
but are not in the registry, proposed from what a crawl recorded.

A crawl keeps every document that reads as a report by a body no registry agency is
(``documents.status = 'unmatched'``, ``agency_found`` its author as the document writes it). Those are grouped by body within their portal's county (the
key ``parsers.identity`` gives the name, however it was written), each given its fullest
official name, its type, an id and its evidence. A body whose reports start the year
after a similar body's stop is proposed as that body renamed, not as a second agency.
"""

from __future__ import annotations

import csv
import difflib
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import sqlite_utils
from pypinyin import Style, lazy_pinyin

from nianbao import registry, store
from nianbao.errors import UserError
from parsers import identity

# What a township's or sub-district's name ends with when written in full, by its place word.
TOWNSHIP_TAILS = (("街道", "办事处"), ("镇", "人民政府"), ("乡", "人民政府"))
# Words a department's name starts with whose first character is no level word (市场监督管理局 is not 市 + 场…).
LEVEL_CHARACTER_WORDS = ("市场", "市政", "市容", "区域", "县域")
# Renames the 2018 reform made that share too few characters to be seen as similar.
REFORM_RENAMES = {"国土资源局": "自然资源局", "国土资源和规划局": "自然资源和规划局",
                  "文化广电新闻出版局": "文化和旅游局", "安全生产监督管理局": "应急管理局",
                  "工商行政管理局": "市场监督管理局", "食品药品监督管理局": "市场监督管理局"}
# How alike two department keys must be to be one body renamed (教育局 → 教育体育局 is 0.75; 教育局/体育局 0.67).
RENAME_SIMILARITY = 0.7
# Id letters for bodies whose usual form makes poor initials.
ID_WORDS = {"人民政府": "gov", "人民政府办公室": "gov-office"}
PROPOSAL_COLUMNS = (*registry.REGISTRY_HEADER, "action", "former_name", "years", "evidence")


@dataclass
class Body:
    """One body seen on one portal: every form of its name, the years and documents found."""

    region_code: str
    region_name: str
    county: str               # 尉氏县, or 开封市鼓楼区 for a district whose government names its city
    start_url: str
    names: list[str] = field(default_factory=list)
    documents: dict[str, int] = field(default_factory=dict)  # url → year
    agency_id: str = ""       # set when the body is already registered (a rename's old name)
    keys: set[str] = field(default_factory=set)  # every key its names have (name_keys)

    @property
    def years(self) -> list[int]:
        return sorted(set(self.documents.values()))

    @property
    def places(self) -> list[str]:
        return identity.region_places(self.region_name)

    @property
    def key(self) -> str:
        """The key of its full name: what its id and a rename are judged by."""
        return identity.name_keys(self.full_name(), self.places)[0]

    def full_name(self) -> str:
        """The fullest name the documents give, completed the way the body's official name is
        written: its county in front (not 县… alone), a township's 人民政府 (or a sub-district's
        办事处) behind, the county's own government as 人民政府, no short form."""
        name = max(self.names, key=lambda n: (len(n), self.names.count(n)))
        key = identity.name_keys(name, self.places)[-1]   # 县政府 → 人民政府, 城关镇政府 → 城关镇
        township = next((tail for place_word, tail in TOWNSHIP_TAILS if key.endswith(place_word)), None)
        if township is not None:
            return self.county + key + township
        if key in ID_WORDS:
            return self.county + key
        body = identity.strip_places(name, self.places)
        level = next((lv for lv in identity.COUNTY_LEVELS if body.startswith(lv)), "")
        if not body.startswith(LEVEL_CHARACTER_WORDS):
            body = body[len(level):]   # 县卫健委 → 卫健委: the county is written in full in front
        for short, full in sorted(((s, f) for f, shorts in identity.SHORT_FORMS.items() for s in shorts),
                                  key=lambda pair: -len(pair[0])):
            if body.endswith(short) and not body.endswith(full):
                return self.county + body[: -len(short)] + full
        return self.county + body


def _county_prefix(rows: list[dict[str, str]]) -> str:
    """How the county's bodies write its name: its government's name without 人民政府, else the county part."""
    government = next((r["agency_name"] for r in rows if r["agency_type"] == "government"), "")
    if government.endswith("人民政府"):
        return government[: -len("人民政府")]
    return identity.county_of(rows[0]["region_name"], rows[0]["agency_name"])


def _regions(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Registry rows by region name: a body is registered when any agency of its county is it,
    whichever portal that agency is crawled from."""
    by_region: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_region[row["region_name"]].append(row)
    return by_region


def _home_region(name: str, regions: list[str]) -> str | None:
    """The region among a portal's whose body ``name`` is: the one whose place it starts with,
    else the first it does not fall outside of; None when it is another county's."""
    inside = [r for r in regions if not registry.outside_county(name, r)]
    return next((r for r in inside if any(name.startswith(p) for p in identity.region_places(r))),
                inside[0] if inside else None)


def seen_bodies(db: sqlite_utils.Database, rows: list[dict[str, str]]) -> tuple[list[Body], list[str]]:
    """The unregistered bodies whose reports a crawl met on the registry's portals, and the
    names it met there of bodies outside the portals' counties (not proposed: their county's
    own portal is where they belong)."""
    by_region = _regions(rows)
    agencies = {region: identity.agencies_from(region_rows) for region, region_rows in by_region.items()}
    bodies: list[Body] = []
    outside: set[str] = set()
    for start_url in dict.fromkeys(r["start_url"] for r in rows):
        regions = list(dict.fromkeys(r["region_name"] for r in rows if r["start_url"] == start_url))
        for doc in db.query("select url, year, title, agency_found from documents where status = 'unmatched' "
                            "and start_url = ? and year is not null", [start_url]):
            name = doc["agency_found"] or identity.title_agency(doc["title"] or "")
            if not name:
                continue
            region = _home_region(name, regions)
            if region is None:
                outside.add(name)
                continue
            if identity.match_agency(agencies[region], name):
                continue
            keys = identity.name_keys(name, identity.region_places(region))
            body = next((b for b in bodies if b.region_name == region and b.keys & set(keys)), None)
            if body is None:
                region_rows = by_region[region]
                body = Body(region_rows[0]["region_code"], region, _county_prefix(region_rows), start_url)
                bodies.append(body)
            body.keys.update(keys)   # 县市场监管局 and 尉氏县市场监督管理局 are one body, whichever came first
            body.names.append(name)
            body.documents[doc["url"]] = doc["year"]
    return bodies, sorted(outside)


def _registered(db: sqlite_utils.Database, rows: list[dict[str, str]]) -> list[Body]:
    """The registry's agencies as bodies, with the years of the reports stored for them."""
    found: list[Body] = []
    for row in rows:
        body = Body(row["region_code"], row["region_name"], "", row["start_url"], [row["agency_name"]],
                    agency_id=row["agency_id"])
        for report in db.query("select url, year from reports where agency_id = ?", [row["agency_id"]]):
            body.documents[report["url"]] = report["year"]
        found.append(body)
    return found


def _core(key: str) -> str:
    """A township's place without its level word (张市乡, 张市镇 → 张市): the same town upgraded."""
    for place_word, _ in TOWNSHIP_TAILS:
        if key.endswith(place_word):
            return key[: -len(place_word)]
    return key


def renamed(old: Body, new: Body) -> bool:
    """Whether ``new`` is ``old`` under a new name: same county and type, similar names,
    and its reports start the year after ``old``'s stop."""
    if old.region_code != new.region_code or not old.years or not new.years:
        return False
    if new.years[0] != old.years[-1] + 1:
        return False
    kinds = {registry.type_of(n.names[0], n.region_name) for n in (old, new)}
    if len(kinds) != 1:
        return False
    if kinds == {"township"}:
        return _core(old.key) == _core(new.key)
    if kinds == {"government"}:
        return False
    reform = identity.canonical(REFORM_RENAMES.get(old.key, ""))
    alike = difflib.SequenceMatcher(None, old.key, new.key).ratio() >= RENAME_SIMILARITY
    return alike and old.key[-1] == new.key[-1] or reform == new.key


def _initials(body: Body) -> str:
    """Letters for an id: the pinyin initials of the body's shortest usual form (卫健委 → wjw, 张市镇 → zsz)."""
    key = body.key
    if key in ID_WORDS:
        return ID_WORDS[key]
    shorts = [s for full, forms in identity.SHORT_FORMS.items() if identity.canonical(full) == key for s in forms]
    word = min(shorts, key=len) if shorts else key
    letters = "".join(p[0] for p in lazy_pinyin(word, style=Style.FIRST_LETTER) if p and p[0].isalnum())
    return letters.lower() or "x"


def _new_id(body: Body, taken: set[str]) -> str:
    base = f"{body.region_code}-{_initials(body)}"
    agency_id, n = base, 2
    while agency_id in taken:
        agency_id, n = f"{base}{n}", n + 1
    taken.add(agency_id)
    return agency_id


def propose(db: sqlite_utils.Database, rows: list[dict[str, str]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Proposals (registry rows with ``action`` add or rename, the former name, the years and
    evidence URLs) and the out-of-county names met."""
    bodies, outside = seen_bodies(db, rows)
    registered: dict[str, list[Body]] = defaultdict(list)
    for body in _registered(db, rows):
        registered[body.region_code].append(body)
    taken = {r["agency_id"] for r in rows}
    proposals: list[dict[str, Any]] = []
    by_region: dict[str, list[Body]] = defaultdict(list)
    for body in bodies:
        by_region[body.region_code].append(body)
    for code, seen in sorted(by_region.items()):
        proposals += _region_proposals(sorted(seen, key=lambda b: (b.years[0], b.key)), registered[code], taken)
    return proposals, outside


def _region_proposals(seen: list[Body], registered: list[Body], taken: set[str]) -> list[dict[str, Any]]:
    """One county's proposals, oldest first: a body whose successor is among them is proposed
    under the successor's name, a registered body's successor as its rename."""
    proposals: list[dict[str, Any]] = []
    used: set[int] = set()
    for body in seen:
        if id(body) in used:
            continue
        old = next((o for o in registered + seen if o is not body and id(o) not in used and renamed(o, body)), None)
        if old is None and any(n is not body and id(n) not in used and renamed(body, n) for n in seen):
            continue   # proposed with its newer name, when that one's turn comes
        used.add(id(body))
        if old is None:
            proposals.append(_row(body, _new_id(body, taken), "add", "", body.documents))
        elif old.agency_id:
            used.add(id(old))
            proposals.append(_row(body, old.agency_id, "rename", old.names[0], body.documents))
        else:
            used.add(id(old))
            proposals.append(_row(body, _new_id(body, taken), "add", old.full_name(), {**old.documents, **body.documents}))
    proposals += [_row(b, _new_id(b, taken), "add", "", b.documents) for b in seen if id(b) not in used]
    return proposals


def _row(body: Body, agency_id: str, action: str, former: str, documents: dict[str, int]) -> dict[str, Any]:
    name = body.full_name()
    return {"agency_id": agency_id, "agency_name": name, "region_code": body.region_code,
            "region_name": body.region_name, "agency_type": registry.type_of(name, body.region_name),
            "start_url": body.start_url, "render": "", "action": action, "former_name": former,
            "years": " ".join(map(str, sorted(set(documents.values())))),
            "evidence": " ".join(sorted(documents, key=lambda url: (documents[url], url)))}


def proposals_path(registry_path: str | Path) -> Path:
    """Where proposals are written: beside the registry (agencies.csv → agencies.proposed.csv)."""
    path = Path(registry_path)
    return path.with_name(f"{path.stem}.proposed{path.suffix or '.csv'}")


def apply(rows: list[dict[str, str]], proposals: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """The registry with the proposals merged: new bodies appended, renamed ones renamed in place."""
    merged = [dict(r) for r in rows]
    by_id = {r["agency_id"]: r for r in merged}
    for proposal in proposals:
        row = {k: str(proposal.get(k, "")) for k in registry.REGISTRY_HEADER}
        if proposal["action"] == "rename" and row["agency_id"] in by_id:
            by_id[row["agency_id"]]["agency_name"] = row["agency_name"]
        else:
            merged.append(row)
            by_id[row["agency_id"]] = row
    return merged


def _crawl(registry_path: str, db_path: str, files_dir: str, years: str, config: str | None) -> None:
    """The registry's portals crawled by a real ``nianbao crawl`` (a subprocess: Twisted's
    reactor starts once per process), its output on standard error."""
    command = [sys.executable, "-m", "nianbao.cli", "crawl", "--registry", registry_path, "--db", db_path,
               "--files", files_dir, "--years", years, *(["--config", config] if config else [])]
    result = subprocess.run(command, stdout=sys.stderr)
    if result.returncode != 0:
        raise UserError(f"the discovery crawl failed (exit {result.returncode}); see the messages above")


def discover(*, registry_path: str, db_path: str, files_dir: str, years: str, config: str | None,
             crawl: bool, apply_them: bool) -> list[dict[str, Any]]:
    """Crawl (unless told to use the last crawl), propose, and write the proposals beside the
    registry or merge them into it; each proposal is also one line on standard error."""
    rows = store.read_registry(registry_path)
    if crawl:
        _crawl(registry_path, db_path, files_dir, years, config)
    if not Path(db_path).exists():
        raise UserError(f"database not found: {db_path} (run `nianbao crawl` first, or drop --no-crawl)")
    found, outside = propose(store.connect(db_path), rows)
    for name in outside:
        print(f"not proposed: {name} is outside its portal's county", file=sys.stderr)
    for p in found:
        former = f" (formerly {p['former_name']})" if p["former_name"] else ""
        print(f"{p['action']} {p['agency_id']} {p['agency_name']}{former} [{p['agency_type']}] "
              f"years {p['years']}: {p['evidence']}", file=sys.stderr)
    if apply_them:
        registry.write_rows(registry_path, apply(rows, found))
        print(f"{len(found)} proposal(s) merged into {registry_path}", file=sys.stderr)
    else:
        target = proposals_path(registry_path)
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, PROPOSAL_COLUMNS, restval="")
            writer.writeheader()
            writer.writerows(found)
        print(f"{len(found)} proposal(s) written to {target}; --apply merges them", file=sys.stderr)
    return found
