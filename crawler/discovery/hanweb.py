"""Hanweb (大汉): list records inside ``<script type="text/xml"><datastore>``; further
pages only by POST to /module/web/jpage/dataproxy.jsp, three pages per call."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import TextResponse

from crawler.discovery.core import Family, Link, anchors

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
# Parameters the list script passes to jpage(), each one regex over the page source.
PARAMS = {
    "total": re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)"),
    "perpage": re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)"),
    "columnid": re.compile(r"columnid\s*[:=]\s*['\"]?(\d+)", re.I),
    "unitid": re.compile(r"unitid\s*[:=]\s*['\"]?(\d+)", re.I),
    "webid": re.compile(r"webid\s*[:=]\s*['\"]?(\d+)", re.I),
}
PROXY = "/module/web/jpage/dataproxy.jsp"
PAGES_PER_CALL = 3


def record_anchors(response: TextResponse) -> list[tuple[str, str]]:
    return [pair for record in RECORD.findall(response.text) for pair in anchors(response, Selector(text=record))]


def proxy_pages(response: TextResponse) -> list[Link]:
    """The POST calls that fetch the records after the first page."""
    if "dataproxy.jsp" in response.url:
        return []
    found = {key: int(m.group(1)) for key, pattern in PARAMS.items() if (m := pattern.search(response.text))}
    if "total" not in found or "perpage" not in found:
        return []
    per, step = found["perpage"], found["perpage"] * PAGES_PER_CALL
    form = "&".join(f"{key}={found[key]}" for key in ("columnid", "unitid", "webid") if key in found)
    return [Link(urljoin(response.url, f"{PROXY}?startrecord={start}&endrecord={start + step - 1}&perpage={per}"),
                 "list", method="POST", body=f"col=1&{form}&path=/")
            for start in range(per + 1, found["total"] + 1, step)]


FAMILY = Family(
    name="hanweb",
    detect=re.compile(r"/col/col\d+/|/art/\d{4}/|<datastore>|dataproxy\.jsp"),
    hidden_links=proxy_pages,
    anchors=record_anchors,
)
