"""The shared discovery core: words and URL shapes as data, walked by one function.

Every family module contributes a ``Family`` (what its pages look like, which extra links
its scripts hide); the core reads ordinary anchors for all of them, so a portal of an
unknown CMS still works through anchor text alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import Response, TextResponse

from nianbao import urls
from parsers.identity import DISCLOSURE_WORDS, REPORT_WORDS, decoy_word, title_years

# Anchor words that name the annual-report column or the way to it (DOMAIN.md).
COLUMN_WORDS = ("信息公开年报", "信息公开年度报告", "公开年报", "年报专栏", "年度报告", "年报", "政府信息公开",
                "信息公开", "政务公开")
CUT_MARKS = ("…", "...", "..")   # how lists mark a title cut short
PAGER_WORDS = ("下一页", "下页", "尾页", "末页", "上一页", "上页", "首页")
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps")


@dataclass(frozen=True)
class Link:
    """A link worth following and what it is expected to hold."""

    url: str
    kind: str  # "list" (a column page), "nav" (on the way to the column), "report", "attachment"
    text: str = ""
    method: str = "GET"
    body: str = ""


@dataclass
class Family:
    """One CMS family: how to recognise its pages and the links its scripts hide."""

    name: str
    detect: re.Pattern[str]  # on the URL or the page source
    attachment: re.Pattern[str] | None = None
    hidden_links: Callable[[TextResponse], list[Link]] = field(default=lambda response: [])
    anchors: Callable[[TextResponse], list[tuple[str, str]]] = field(default=lambda response: [])

    def matches(self, response: TextResponse) -> bool:
        return bool(self.detect.search(response.url) or self.detect.search(response.text[:200_000]))


def is_report_title(text: str) -> bool:
    """A report's title names its year; a column called 政府信息公开年报 does not. A title
    a list cut short (``洧川镇2023年政府信息公开…``, no title attribute to stand in) may have
    lost its report words: naming a year and disclosure is enough then."""
    cut_short = text.rstrip().endswith(CUT_MARKS)
    return (bool(title_years(text)) and (cut_short or any(w in text for w in REPORT_WORDS))
            and any(w in text for w in DISCLOSURE_WORDS) and decoy_word(text) is None)


def is_attachment(url: str, text: str, families: list[Family]) -> bool:
    path = urlsplit(url).path.lower()
    return (path.endswith(ATTACHMENT_EXTENSIONS) or text.lower().strip().endswith(ATTACHMENT_EXTENSIONS)
            or any(f.attachment is not None and f.attachment.search(url) for f in families))


def classify(url: str, text: str, families: list[Family]) -> str | None:
    """What a link with this address and anchor text leads to, or None to leave it."""
    if is_attachment(url, text, families):
        return "attachment"
    if is_report_title(text):
        return "report"
    if text.strip() in PAGER_WORDS:
        return "list"
    if any(w in text for w in COLUMN_WORDS) and decoy_word(text) is None:
        return "nav"
    return None


def anchors(response: TextResponse, selector: Selector | None = None) -> list[tuple[str, str]]:
    """(href, text) of every anchor; the title attribute stands in for a cut-short text."""
    selector = selector or response.selector
    found = []
    for a in selector.css("a[href]"):
        href = a.attrib["href"].strip()
        if href.startswith(("javascript:", "#", "mailto:")):
            continue
        text = " ".join(" ".join(a.css("::text").getall()).split())
        title = (a.attrib.get("title") or "").strip()
        found.append((href, title if len(title) > len(text) else text))
    return found


ANCHOR_IN_SOURCE = re.compile(rb"<a\s[^>]*href", re.I)


def needs_render(response: Response) -> bool:
    """An HTML shell whose links and text a script draws: scripts, little text and no
    anchor anywhere in the source (Hanweb keeps its anchors in script data: not a shell)."""
    if not isinstance(response, TextResponse) or b"<script" not in response.body[:100_000].lower():
        return False
    if ANCHOR_IN_SOURCE.search(response.body):
        return False
    text = "".join(response.selector.xpath("//body//text()[not(ancestor::script)]").getall()).strip()
    return len(text) < 200


def discover(response: TextResponse, families: list[Family], allow_nav: bool) -> list[Link]:
    """Every link of the page worth following, on the same host only (clones on other
    domains are not the agency's)."""
    host = urlsplit(response.url).netloc
    active = [f for f in families if f.matches(response)]
    pairs = anchors(response) + [pair for f in active for pair in f.anchors(response)]
    links: list[Link] = []
    for href, text in pairs:
        url = urljoin(response.url, urls.clean(href)).split("#")[0]   # as Scrapy will ask for it
        if urlsplit(url).netloc != host or not urls.is_web(url):   # ftp://, JavaScript: on the same host
            continue
        kind = classify(url, text, families)
        if kind is None or (kind == "nav" and not allow_nav):
            continue
        links.append(Link(url, kind, text))
    for family in active:
        links += family.hidden_links(response)
    return links
