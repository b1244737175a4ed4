"""Title, publication date and the description of a report (agency, year, title, date)
from its text and the hints a page gives.

Who wrote a report and for which year is decided by ``parsers.identity`` (shared with the
crawler's matching); this module finds the title those are read from, and a publication
date only where the document says so (a ``PubDate`` meta tag, or a date under one of the
labels pages print it under), never from the signature (落款) date.
"""

from __future__ import annotations

import re
from datetime import date

from parsers import identity
from parsers.report import Report

_CJK = r"\u4e00-\u9fff"
_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# Labels a page prints its publication date under, most trusted first (DOMAIN.md): the
# explicit ones, then the bare 时间/日期 of VSB and legacy systems, then 更新时间. A bare
# label must stand alone (not 成文日期, 统计时间) and be followed by a colon.
PUBLISHED_LABELS = ("发布日期", "发布时间", "公开日期", "发文日期", "发布于", "时间", "日期", "更新时间")
BARE_LABELS = ("时间", "日期")
_LABELLED = {
    label: re.compile(rf"(?<![{_CJK}]){label}\s*[:：]\s*{_DATE.pattern}" if label in BARE_LABELS
                      else rf"{label}\s*[:：]?\s*{_DATE.pattern}")
    for label in PUBLISHED_LABELS
}
PUBLISHED_META = ("PubDate", "pubdate", "publishdate", "firstpublishedtime", "发布日期", "发布时间", "公开日期")
# When the document was written or took effect: the last resort for a publication date
# (DOMAIN.md: after the date in the URL), never the 落款 date a report is signed with.
WRITTEN_LABELS = ("成文日期", "生效日期")
_WRITTEN_DATE = re.compile(rf"({'|'.join(WRITTEN_LABELS)})\s*[:：]?\s*{_DATE.pattern}")
def title_segment(title: str) -> str:
    """The part of a page title that is the report's (``…年度报告_某某县人民政府`` → ``…年度报告``)."""
    segments = [s.strip() for s in re.split(rf"\s[-–—|｜]\s|[_|｜]|——|(?<=[{_CJK}）)])[-–—](?=[{_CJK}])", title)
                if s.strip()]
    return next((s for s in segments if any(w in s for w in identity.REPORT_WORDS)), title.strip())


def find_title(text: str) -> str | None:
    """The report's own title line near the top: a short line naming a report, with a
    year unless it opens the text; never a sentence."""
    lines = [line.strip().lstrip("#").strip() for line in text.splitlines()[:30]]
    for index, line in enumerate(line for line in lines if line):
        if (6 <= len(line) <= 80 and any(w in line for w in identity.REPORT_WORDS) and not re.search("[，。；>»›→]", line)
                and (index < 3 or identity.title_years(line))):
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


def labelled_date(text: str) -> tuple[str, str] | None:
    """(day, label) of the publication date a text prints under the most trusted label."""
    for label, pattern in _LABELLED.items():
        for match in pattern.finditer(text):
            day = parse_date(match.group(0)[len(label):])
            if day:
                return day, label
    return None


def find_published(text: str, meta: dict[str, str] | None = None) -> tuple[str | None, str | None]:
    """The publication date the document states, and where it was found."""
    for key in PUBLISHED_META:
        value = (meta or {}).get(key)
        if value and parse_date(value):
            return parse_date(value), f"meta:{key}"
    found = labelled_date(text)
    return (found[0], f"text:{found[1]}") if found else (None, None)


def find_written(text: str) -> str | None:
    """The 成文日期 or 生效日期 a page prints, if any."""
    match = _WRITTEN_DATE.search(text)
    return parse_date(match.group(0)) if match else None


def describe(report: Report, *, title: str | None = None, meta: dict[str, str] | None = None) -> None:
    """Fill ``agency``, ``year``, ``title`` and ``published_at`` of ``report`` from its text,
    the document's title (``<title>``, first heading) and page meta tags."""
    meta = meta or {}
    candidates = [title_segment(t) for t in (title, meta.get("ArticleTitle"), find_title(report.text)) if t and t.strip()]
    report_titles = [t for t in candidates if any(w in t for w in identity.REPORT_WORDS)]
    chosen = (report_titles or candidates or [None])[0]
    report.title = re.sub(r"\s+", " ", chosen).strip() if chosen else None
    report.agency = (identity.document_agency(report_titles, report.text)
                     or (meta.get("ContentSource") or "").strip() or None)
    title_years = [years[0] for years in map(identity.title_years, report_titles) if years]
    report.year = title_years[0] if title_years else identity.find_year(report.text)
    report.published_at, report.published_at_source = find_published(report.text, meta)
