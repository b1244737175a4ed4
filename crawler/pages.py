"""What a fetched page says about itself: its title, its publication date, with the
place the date came from (``meta``, ``page``, ``url``, ``written``: a 成文日期 or
生效日期) in DOMAIN.md's order of trust, and the site it was served from."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from urllib.parse import unquote, urlsplit

import tldextract
from scrapy.http import TextResponse

from parsers.meta import PUBLISHED_META, find_published, find_written

# Dates that portals put into article addresses.
URL_DATES = (
    re.compile(r"/art/(\d{4})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/t(\d{4})(\d{2})(\d{2})_\d+"),
    re.compile(r"/(\d{4})-(\d{2})/(\d{2})/"),
    re.compile(r"/(20\d{2})(\d{2})(\d{2})/"),
)


def url_date(url: str) -> str | None:
    for pattern in URL_DATES:
        match = pattern.search(url)
        if match:
            try:
                return date(*(int(g) for g in match.groups())).isoformat()
            except ValueError:
                continue
    return None


def same_site(url: str, other: str) -> bool:
    """Whether two URLs belong to one site: pages cloned onto another domain are not the
    agency's (DOMAIN.md). The same host answers without the public-suffix list."""
    return urlsplit(url).hostname == urlsplit(other).hostname or site(url) == site(other)


def site(url: str) -> str:
    """The registrable domain a URL belongs to (``xx.gov.cn`` for ``www.xx.gov.cn``), or
    its IP address."""
    parts = _domains()(url)
    return parts.ipv4 or parts.top_domain_under_public_suffix or (urlsplit(url).hostname or "")


@cache
def _domains() -> tldextract.TLDExtract:
    """tldextract with its bundled public-suffix list, never fetched (a crawl asks only
    portals). Built on first use: its suffix table takes some 40 ms to build, which a
    crawl whose responses all come from the hosts asked (an unchanged re-crawl, as a
    rule) never pays."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def meta_tags(response: TextResponse) -> dict[str, str]:
    return {m.attrib["name"]: m.attrib.get("content", "") for m in response.css("meta[name]")}


def title(response: TextResponse) -> str:
    """ArticleTitle, else the first heading, else <title>."""
    for value in (meta_tags(response).get("ArticleTitle"), response.css("h1 ::text").get(),
                  response.css("title::text").get()):
        if value and value.strip():
            return " ".join(value.split())
    return ""


def published(response: TextResponse) -> tuple[str | None, str | None]:
    meta = {k: v for k, v in meta_tags(response).items() if k in PUBLISHED_META}
    day, source = find_published("", meta)
    if day:
        return day, "meta"
    text = " ".join(response.xpath("//body//text()[not(ancestor::script)]").getall())
    day, source = find_published(text)
    if day:
        return day, "page"
    day = url_date(response.url)
    if day:
        return day, "url"
    day = find_written(text)
    return (day, "written") if day else (None, None)


def normalise_source(source: str | None) -> str | None:
    """A parser's ``meta:PubDate`` / ``text:发布日期`` as the crawler's ``meta`` / ``page``."""
    if not source:
        return None
    return {"meta": "meta", "text": "page"}.get(source.partition(":")[0], source)


def attachment_name(disposition: str | None) -> str | None:
    """The file name in a Content-Disposition header: RFC 5987 ``filename*=UTF-8''…``, or
    raw bytes (read as latin-1 by the spider) that are UTF-8 or, on older portals, GBK."""
    if not disposition:
        return None
    encoded = re.search(r"filename\*\s*=\s*([\w-]+)''([^;]+)", disposition, re.I)
    if encoded:
        return unquote(encoded.group(2).strip().strip('"'), encoding=encoded.group(1), errors="replace")
    plain = re.search(r'filename\s*=\s*"?([^";]+)"?', disposition, re.I)
    if not plain:
        return None
    raw = plain.group(1).strip().encode("latin-1", errors="replace")
    for codec in ("utf-8", "gb18030"):
        try:
            return unquote(raw.decode(codec))
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")
