"""Who wrote a report and for which year: decided here, for the parsers (``Report.agency``,
``Report.year``) and for the crawler's matching of documents to registry agencies alike.

Reports name their author as they like — ``洧川镇``, ``尉氏县洧川镇人民政府``, ``洧川镇政府``;
``市场监管局`` for 市场监督管理局, ``自然资源规划局`` for 自然资源和规划局; ``县政府``, ``区政府办``
— and write their year as ``2023年``, ``2023 年度`` or ``二〇二三年``. The knowledge is in
the tables below; the functions only walk them. Two names are the same body when their
keys (``canonical``, after the agency's own place names are taken off the front) are
equal: one comparison, however either side was written.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Iterator, Sequence

_CJK = r"\u4e00-\u9fff"

# --- what a report calls itself ------------------------------------------------------------

# Words a report's title carries (one is enough when the title also names disclosure).
REPORT_WORDS = ("年度报告", "年报", "工作报告")
DISCLOSURE_WORDS = ("信息公开", "政务公开")
# Titles with report words that are not reports (DOMAIN.md: look-alikes, all real), as
# phrases: agencies' own names hold the single words (机构编制委员会, 预算评审中心,
# 卫生和计划生育委员会), and a look-alike word must never reject a body's real report.
DECOY_WORDS = ("工作要点", "指南", "通知", "报告编制", "编制工作", "编制和发布", "部门预算", "单位预算", "预算公开",
               "部门决算", "单位决算", "决算公开", "解读", "图解", "工作计划", "实施方案", "工作方案", "制度", "目录",
               "考核", "测评", "评估报告", "培训", "征集", "法治政府", "工作总结", "格式模板")
# Words every report's text has, whatever its tables look like: it talks about applications.
REPORT_BODY = ("政府信息公开申请", "主动公开")


def decoy_word(title: str) -> str | None:
    """The look-alike word a title carries (解读, 工作要点, 预算…), if any."""
    return next((w for w in DECOY_WORDS if w in title), None)


def looks_like_report(title: str, text: str) -> bool:
    """A report names itself one and talks about disclosure applications; a 解读, a budget
    or a notice about compiling reports does not."""
    return (any(w in title for w in REPORT_WORDS) and decoy_word(title) is None
            and all(w in text for w in REPORT_BODY))


# --- years -----------------------------------------------------------------------------------

# A year in Chinese numerals (二〇二三年, 二○二三年度, 二零二三年): each character one digit.
NUMERAL_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5",
                  "六": "6", "七": "7", "八": "8", "九": "9"}
_NUMERAL_YEAR = re.compile(rf"(?<![{''.join(NUMERAL_DIGITS)}])[二一][{''.join(NUMERAL_DIGITS)}]{{3}}(?=\s*年)")
_YEAR = r"(?<!\d)((?:19|20)\d{2})"
# How strongly a phrase says "the year reported on", strongest first.
_YEAR_PATTERNS = (
    (re.compile(_YEAR + r"\s*年\s*度"), 3),
    (re.compile(_YEAR + r"\s*年\s*[，,、]"), 2),
    (re.compile(_YEAR + r"\s*年(?!\s*\d{1,2}\s*月)"), 1),
)
_TITLE_YEAR = re.compile(_YEAR + r"\s*年")


def arabic_years(text: str) -> str:
    """``text`` with years in Chinese numerals written in digits (same length, so offsets hold)."""
    return _NUMERAL_YEAR.sub(lambda m: "".join(NUMERAL_DIGITS[c] for c in m.group(0)), text)


def title_years(text: str) -> list[int]:
    """The years a title names (``2023年``, ``2023 年度``, ``二〇二三年``), in order."""
    return [int(y) for y in _TITLE_YEAR.findall(arabic_years(text))]


def find_year(text: str) -> int | None:
    """The year a text reports on: the year its statements name most ("2023年度", "2023年，")."""
    text = arabic_years(text)
    scores: Counter[int] = Counter()
    first: dict[int, int] = {}
    for pattern, weight in _YEAR_PATTERNS:
        for match in pattern.finditer(text):
            year = int(match.group(1))
            scores[year] += weight
            first[year] = min(first.get(year, match.start()), match.start())
    if not scores:
        return None
    return max(scores, key=lambda year: (scores[year], -first[year]))


# --- names -----------------------------------------------------------------------------------

# Words that end the name of a government body, longest first so 委员会 wins over 委.
AGENCY_SUFFIXES = (
    "人民政府办公室", "政府办公室", "街道办事处", "人民政府", "委员会", "管理委员会", "办公室", "办事处",
    "管理局", "监督局", "服务中心", "中心", "政府", "局", "委", "办", "厅", "署", "院", "所", "馆", "站", "队", "社",
)
# Words that end a place name: a body's name starts with one (汉阴县…, 城关镇…).
PLACE_SUFFIXES = ("自治州", "自治县", "特别行政区", "自治区", "省", "市", "县", "区", "旗", "州", "盟", "镇", "乡", "街道")
COUNTY_LEVELS = ("自治县", "县", "区", "市", "旗")
# Characters of running text that never sit inside a body's name (在县委领导下, 我局的).
_NAME_CHAR = rf"(?:(?![在的与及对为是了我把被按等其该])[{_CJK}])"
# A name starts where running text cannot go on into it: after punctuation, a digit, or a
# year's 年/年度 (2021年鼓楼区教育局…); each place in it is at most seven characters before
# its level word (新疆维吾尔自治区), so a clause (选派工作人员参加县…) is no place.
_NAME_START = rf"(?:(?<![{_CJK}])|(?<=\d年)|(?<=\d年度))(?![年度])"
_AGENCY = re.compile(
    rf"{_NAME_START}((?:{_NAME_CHAR}{{1,7}}?(?:{'|'.join(PLACE_SUFFIXES)})){{1,4}}?"
    rf"{_NAME_CHAR}{{0,16}}?(?:{'|'.join(AGENCY_SUFFIXES)}))"
)
# Words that say what a document is, not who wrote it: cut from a title's agency part.
_TITLE_NOISE = re.compile(r"^(?:关于|转发|印发)|(?:关于|的)$")
_BRACKETED_NAME = re.compile(r"[（(]([^（）()]{2,30})[）)]$")
# A signature: a body's name alone on one of the last lines, perhaps with its date after it.
_SIGNATURE_LINES = 6
_SIGNATURE_DATE = re.compile(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日$")
_TITLE_CUT = re.compile(r"(?:19|20)\d{2}\s*年|政府信息公开|政务公开|信息公开|年度报告|年报")

# Short forms reports write for a body's name, by the full form (DOMAIN.md: names).
SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "卫生健康委员会": ("卫健委", "卫生健康委", "卫生和计划生育委员会", "卫计委"),
    "卫生健康局": ("卫健局", "卫生局"),
    "人力资源和社会保障局": ("人社局",),
    "住房和城乡建设局": ("住建局",),
    "市场监督管理局": ("市场监管局",),
    "文化广电和旅游局": ("文广旅局", "文旅局"),
    "文化和旅游局": ("文旅局",),
    "教育体育局": ("教体局",),
    "农业农村局": ("农业局", "农农局"),
    "交通运输局": ("交通局",),
    "发展和改革委员会": ("发改委", "发展改革委"),
    "发展和改革局": ("发改局",),
    "医疗保障局": ("医保局",),
    "退役军人事务局": ("退役军人局",),
    "应急管理局": ("应急局",),
    "生态环境局": ("环保局", "环境保护局"),
}
# Characters a name may have or drop without naming another body (自然资源和规划局 = 自然资源规划局).
_OPTIONAL_CHARS = re.compile(r"[和与\s]")
# A township, town or sub-district and what follows its place: 洧川镇人民政府, 城关街道办事处 → 洧川镇, 城关街道.
_TOWNSHIP = re.compile(r"^(.+?(?:镇|乡|街道))(?:人民政府|政府|街道办事处|办事处|办)?$")
# A people's government's own report, by what follows its place name (县政府, 区政府办, or the place alone).
GOVERNMENT_TAILS = {"人民政府": "人民政府", "政府": "人民政府", "": "人民政府",
                    "人民政府办公室": "人民政府办公室", "政府办公室": "人民政府办公室", "政府办": "人民政府办公室",
                    "政务公开办公室": "人民政府办公室"}
# A key that means another body when the registry has none of its own: the government's
# office compiles and signs the government's own report.
FALLBACK_KEYS = {"人民政府办公室": "人民政府"}
_FULL_BODIES = re.compile("|".join(sorted(SHORT_FORMS, key=len, reverse=True)))
_LONGEST_BODY = max(map(len, SHORT_FORMS))
_SHORT_TO_FULL = sorted(((short, full) for full, shorts in SHORT_FORMS.items() for short in shorts),
                        key=lambda pair: -len(pair[0]))
_TAILS = sorted(GOVERNMENT_TAILS.items(), key=lambda pair: -len(pair[0]))


def canonical(name: str) -> str:
    """A name with its body written one way: short forms spelt out, a township without
    its 人民政府, a government's tail as 人民政府 (or 人民政府办公室), optional 和 dropped."""
    name = re.sub(r"\s+", "", name)
    township = _TOWNSHIP.match(name)
    if township:
        return township.group(1)
    for tail, key in _TAILS:
        place = name[: len(name) - len(tail)]
        if name.endswith(tail) and (not place or place.endswith(COUNTY_LEVELS)):
            return place + key
    for short, full in _SHORT_TO_FULL:
        if name.endswith(short):
            name = name[: -len(short)] + full
            break
    return _OPTIONAL_CHARS.sub("", name)


def extends(full: str, short: str) -> bool:
    """Whether ``full`` names the body ``short`` names, with more of its name written out
    (尉氏县洧川镇人民政府 extends 洧川镇; 金乡县市场监督管理局 extends 市场监管局)."""
    return len(full) >= len(short) and canonical(full).endswith(canonical(short))


def _names_in(text: str) -> Iterator[str]:
    """Each body's name in ``text``, the shortest reading widened to a full body name it
    stops inside (人力资源和社 + 会保障局: 社 ends names too)."""
    text = arabic_years(text)
    for match in _AGENCY.finditer(text):
        end = match.end(1)
        for full in _FULL_BODIES.finditer(text, max(match.start(1), end - _LONGEST_BODY), end + _LONGEST_BODY):
            if full.start() < end < full.end():
                end = full.end()
                break
        yield text[match.start(1):end]


def find_agencies(text: str) -> list[str]:
    """Names of government bodies in ``text`` (place name + body), most mentioned first."""
    names = Counter(_names_in(text))
    order = {name: text.find(name) for name in names}
    return sorted(names, key=lambda name: (-names[name], order[name]))


def find_agency(text: str) -> str | None:
    """The body a text is by: the first named in its opening lines, else the most named."""
    head = find_agencies(text[:400])
    if head:
        return min(head, key=text.find)
    everywhere = find_agencies(text)
    return everywhere[0] if everywhere else None


def title_agency(title: str) -> str | None:
    """The agency a report title names: the words before its year or before 政府信息公开
    (a leading year skipped), or a name in brackets at its end (…年度报告（禹州市人社局）);
    None for a generic title."""
    compact = re.sub(r"^(?:关于)?(?:19|20)\d{2}年度?", "", re.sub(r"\s+", "", arabic_years(title)))
    bracketed = _BRACKETED_NAME.search(compact)
    if bracketed and bracketed.group(1).endswith(AGENCY_SUFFIXES):
        return bracketed.group(1)
    cut = _TITLE_CUT.search(compact)
    name = _TITLE_NOISE.sub("", compact[:cut.start()].strip("《》“”\"'：:") if cut else "")
    if len(name) < 2 or not name.endswith(AGENCY_SUFFIXES + PLACE_SUFFIXES):
        return None
    return name


def signature_agency(text: str) -> str | None:
    """The body that signs a text (落款): one of its last lines that is a body's name alone,
    or with the date beside it."""
    lines = [line.strip() for line in arabic_years(text).splitlines() if line.strip()][-_SIGNATURE_LINES:]
    for line in reversed(lines):
        signed = _AGENCY.fullmatch(_SIGNATURE_DATE.sub("", re.sub(r"\s+", "", line)))
        if signed:
            return signed.group(1)
    return None


def document_agency(titles: Sequence[str], text: str) -> str | None:
    """The body a document is by, as fully as it writes the name anywhere: the title's
    name (or, for a generic title, the signature's, else the opening's), extended by the
    fullest form of the same body that the opening or the signature gives."""
    named = next((a for a in map(title_agency, titles) if a), None)
    signed = signature_agency(text)
    spelt = find_agencies(text[:400]) + ([signed] if signed else [])
    if named is None:
        named = signed or find_agency(text[:400]) or find_agency(text)
    if named is None:
        return None
    fuller = [name for name in spelt if extends(name, named)]
    return max(fuller, key=len) if fuller else named


# --- the registry's side ---------------------------------------------------------------------

def region_places(region_name: str) -> list[str]:
    """The place names a body of this region may start with: each level of
    ``河南省开封市尉氏县`` and the county without its level word (尉氏)."""
    parts = re.findall(r".+?(?:自治区|自治州|自治县|特别行政区|省|市|县|区|旗|盟|州)", region_name)
    places = list(parts)
    if parts:
        county = parts[-1]
        level = next((lv for lv in COUNTY_LEVELS if county.endswith(lv)), "")
        if level and len(county) - len(level) >= 2:
            places.append(county[: -len(level)])
    return places


def county_of(region_name: str, agency_name: str) -> str:
    """The county part of ``河南省开封市尉氏县`` that the agency's name starts with."""
    parts = re.findall(r".+?(?:自治县|自治州|省|市|县|区|旗|盟)", region_name)
    for part in reversed(parts):
        if agency_name.startswith(part):
            return part
    return parts[-1] if parts else ""


@dataclass(frozen=True)
class Agency:
    """A registry agency as matching sees it: its name, the places it may be prefixed with."""

    agency_id: str
    name: str
    kind: str
    places: tuple[str, ...] = field(default=())

    @cached_property
    def key(self) -> str:
        return name_keys(self.name, self.places)[0]

    def forms(self) -> set[str]:
        """How a text may write this body without its county: 卫生健康委员会, 卫健委, 洧川镇…
        (a county government has none distinctive enough to look for in running text)."""
        if self.kind == "government":
            return set()
        key = self.key
        body = strip_places(self.name, self.places)
        return {body, key, *(short for short, full in _SHORT_TO_FULL if _OPTIONAL_CHARS.sub("", full) == key)}


def strip_places(name: str, places: Iterable[str]) -> str:
    """``name`` without the place names it starts with (河南省开封市尉氏县洧川镇… → 洧川镇…)."""
    name = re.sub(r"\s+", "", name)
    ordered = sorted(places, key=len, reverse=True)
    stripped = True
    while stripped:
        stripped = False
        for place in ordered:
            if place and name.startswith(place):
                name, stripped = name[len(place):], True
                break
    return name


def name_keys(name: str, places: Iterable[str]) -> list[str]:
    """The keys ``name`` may have within a county: as written, and, when it starts with a
    bare level word (县政府, 县卫健局), as the county's own body. 市场监督管理局 keeps its 市
    because the first key is tried first."""
    rest = strip_places(name, places)
    keys = [canonical(rest)]
    level = next((lv for lv in COUNTY_LEVELS if rest.startswith(lv)), None)
    if level:
        keys.append(canonical(rest[len(level):]))
    return keys


def agencies_from(rows: Iterable[dict[str, str]]) -> list[Agency]:
    return [Agency(r["agency_id"], r["agency_name"], r["agency_type"], tuple(region_places(r["region_name"])))
            for r in rows]


def match_agency(agencies: Sequence[Agency], name: str | None) -> Agency | None:
    """The registry agency ``name`` is, among one county portal's agencies; None when it
    names another body (another county's namesake, a body not registered)."""
    if not name:
        return None
    by_key = {agency.key: agency for agency in agencies}
    keys = {key for agency in agencies for key in name_keys(name, agency.places)}
    for key in sorted(keys, key=lambda k: k not in by_key):
        if key in by_key:
            return by_key[key]
    return next((by_key[FALLBACK_KEYS[key]] for key in keys if FALLBACK_KEYS.get(key) in by_key), None)


def candidates(agencies: Sequence[Agency], title: str, text: str) -> list[Agency] | None:
    """The agencies a document that fitted none could still be by: those it names (title,
    opening, signature), or, when it names no body in full, those whose distinctive forms
    it writes (洧川镇, 卫健委); None when it names nobody at all — it could be anyone's.
    A document naming another county's body is no candidate of ours."""
    where = title + "\n" + text[:600] + "\n" + text[-300:]
    names = [n for n in [title_agency(title), signature_agency(text), *find_agencies(where)] if n]
    if names:
        return list({a.agency_id: a for a in agencies for n in names if match_agency([a], n)}.values())
    written = [a for a in agencies if any(form and form in where for form in a.forms())]
    return written or None
