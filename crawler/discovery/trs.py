"""TRS: list pages index.htm, index_1.htm… announced only by createPageHTML(pages, current,
"index", "htm"); articles ./202401/t20240120_865727.htm; attachments P0….pdf."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from scrapy.http import TextResponse

from crawler.discovery.core import Family, Link

PAGER = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")


def pager_pages(response: TextResponse) -> list[Link]:
    match = PAGER.search(response.text)
    if not match:
        return []
    pages, _, stem, ext = int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)
    return [Link(urljoin(response.url, f"{stem}_{n}.{ext}"), "list") for n in range(1, pages)]


FAMILY = Family(
    name="trs",
    detect=re.compile(r"createPageHTML|/t\d{8}_\d+\.s?html?"),
    attachment=re.compile(r"/P0\d+\.\w+$"),
    hidden_links=pager_pages,
)
