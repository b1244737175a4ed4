"""Agency, report year, title and publication date of a report, from its text and hints.

The title names the agency and the year in most reports; when it is generic or missing
the body's opening statement does ("2023 年，汉阴县卫生健康局在县委……"). The year is
the year reported on, never the year of publication, and a publication date is taken
only where the document says so (a ``PubDate`` meta tag or a labelled 发布日期), never
from the signature (落款) date. ``find_year``/``find_agency``/``find_agencies`` are
reused by the crawler to match pages to registry agencies.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from parsers.report import Report

_CJK = r"\u4e00-\u9fff"
# Words that end the name of a government body, longest first so 委员会 wins over 委.
AGENCY_SUFFIXES = (
    "人民政府办公室", "政府办公室", "街道办事处", "人民政府", "委员会", "管理委员会", "办公室", "办事处",
    "管理局", "监督局", "服务中心", "中心", "政府", "局", "委", "办", "厅", "署", "院", "所", "馆", "站", "队", "社",
)
# Words that end a place name: a body's name starts with one (汉阴县…, 城关镇…).
PLACE_SUFFIXES = ("自治州", "自治县", "特别行政区", "省", "市", "县", "区", "旗", "州", "盟", "镇", "乡", "街道")
# Characters of running text that never sit inside a body's name (在县委领导下, 我局的).
_NAME_CHAR = rf"(?:(?![在的与及对为是了我把被按等其该])[{_CJK}])"
_AGENCY = re.compile(
    rf"(?<![{_CJK}])((?:{_NAME_CHAR}{{1,10}}?(?:{'|'.join(PLACE_SUFFIXES)})){{1,4}}?"
    rf"{_NAME_CHAR}{{0,16}}?(?:{'|'.join(AGENCY_SUFFIXES)}))"
)
# Words that say what a document is, not who wrote it: cut from a title's agency part.
_TITLE_NOISE = re.compile(r"^(?:关于|转发|印发)|(?:关于|的)$")
_TITLE_WORDS = ("年度报告", "年报", "工作报告")
_YEAR = r"(?<!\d)((?:19|20)\d{2})"
# How strongly a phrase says "the year reported on", strongest first.
_YEAR_PATTERNS = (
    (re.compile(_YEAR + r"\s*年\s*度"), 3),
    (re.compile(_YEAR + r"\s*年\s*[，,、]"), 2),
    (re.compile(_YEAR + r"\s*年(?!\s*\d{1,2}\s*月)"), 1),
)
_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# Labelled publication dates a page prints (DOMAIN.md: after PubDate in order of trust).
PUBLISHED_LABELS = ("发布日期", "发布时间", "公开日期", "发布于", "发文日期")
_LABELLED_DATE = re.compile(rf"({'|'.join(PUBLISHED_LABELS)})\s*[:：]?\s*{_DATE.pattern}")
PUBLISHED_META = ("PubDate", "pubdate", "publishdate", "firstpublishedtime", "发布日期", "发布时间", "公开日期")
# When the document was written or took effect: the last resort for a publication date
# (DOMAIN.md: after the date in the URL), never the 落款 date a report is signed with.
WRITTEN_LABELS = ("成文日期", "生效日期")
_WRITTEN_DATE = re.compile(rf"({'|'.join(WRITTEN_LABELS)})\s*[:：]?\s*{_DATE.pattern}")


def find_year(text: str) -> int | None:
    """The year a text reports on: the year its statements name most ("2023年度", "2023年，")."""
    scores: Counter[int] = Counter()
    first: dict[int, int] = {}
    for pattern, weight in _YEAR_PATTERNS:
        for match in pattern.finditer(text):
            year = int(match.group(1))
            scores[year] += weight
            first.setdefault(year, match.start())
            first[year] = min(first[year], match.start())
    if not scores:
        return None
    return max(scores, key=lambda year: (scores[year], -first[year]))


def find_agencies(text: str) -> list[str]:
    """Names of government bodies in ``text`` (place name + body), most mentioned first."""
    names = Counter(m.group(1) for m in _AGENCY.finditer(text))
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
    (a leading year skipped); None for a generic title."""
    compact = re.sub(r"^(?:关于)?(?:19|20)\d{2}年度?", "", re.sub(r"\s+", "", title))
    cut = re.search(r"(?:19|20)\d{2}年|政府信息公开|政务公开|信息公开|年度报告|年报", compact)
    name = _TITLE_NOISE.sub("", compact[:cut.start()].strip("《》“”\"'：:") if cut else "")
    if len(name) < 2 or not name.endswith(AGENCY_SUFFIXES + PLACE_SUFFIXES):
        return None
    return name


def title_segment(title: str) -> str:
    """The part of a page title that is the report's (``…年度报告_某某县人民政府`` → ``…年度报告``)."""
    segments = [s.strip() for s in re.split(rf"\s[-–—|｜]\s|[_|｜]|——|(?<=[{_CJK}）)])[-–—](?=[{_CJK}])", title)
                if s.strip()]
    return next((s for s in segments if any(w in s for w in _TITLE_WORDS)), title.strip())


def find_title(text: str) -> str | None:
    """The report's own title line near the top: a short line naming a report, with a
    year unless it opens the text; never a sentence."""
    lines = [line.strip().lstrip("#").strip() for line in text.splitlines()[:30]]
    for index, line in enumerate(line for line in lines if line):
        if (6 <= len(line) <= 80 and any(w in line for w in _TITLE_WORDS) and not re.search("[，。；>»›→]", line)
                and (index < 3 or re.search(_YEAR, line))):
            return re.sub(r"\s+", " ", line)
        if index >= 10:
            break
    return None


def parse_date(value: str) -> str | None:
    """``2024-01-20 10:00``, ``2024/1/20``, ``2024年1月20日`` → ``2024-01-20``; else None."""
    match = _DATE.search(value)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


def find_published(text: str, meta: dict[str, str] | None = None) -> tuple[str | None, str | None]:
    """The publication date the document states, and where it was found."""
    for key in PUBLISHED_META:
        value = (meta or {}).get(key)
        if value and parse_date(value):
            return parse_date(value), f"meta:{key}"
    match = _LABELLED_DATE.search(text)
    if match:
        day = parse_date(match.group(0))
        if day:
            return day, f"text:{match.group(1)}"
    return None, None


def find_written(text: str) -> str | None:
    """The 成文日期 or 生效日期 a page prints, if any."""
    match = _WRITTEN_DATE.search(text)
    return parse_date(match.group(0)) if match else None


def describe(report: Report, *, title: str | None = None, meta: dict[str, str] | None = None) -> None:
    """Fill ``agency``, ``year``, ``title`` and ``published_at`` of ``report`` from its text,
    the document's title (``<title>``, first heading) and page meta tags."""
    meta = meta or {}
    candidates = [title_segment(t) for t in (title, meta.get("ArticleTitle"), find_title(report.text)) if t and t.strip()]
    report_titles = [t for t in candidates if any(w in t for w in _TITLE_WORDS)]
    chosen = (report_titles or candidates or [None])[0]
    report.title = re.sub(r"\s+", " ", chosen).strip() if chosen else None
    report.agency = (
        next((a for a in (title_agency(t) for t in report_titles) if a), None)
        or find_agency(report.text)
        or (meta.get("ContentSource") or "").strip() or None
    )
    title_years = [int(m.group(1)) for t in report_titles for m in [re.search(_YEAR + r"\s*年", t)] if m]
    report.year = title_years[0] if title_years else find_year(report.text)
    report.published_at, report.published_at_source = find_published(report.text, meta)
