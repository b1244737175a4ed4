"""Pictures in a report page's article: which the crawler fetches, and their reading by
OCR as rows at the place of each picture.

Editors paste a table they cannot type in as a screenshot (PNG, JPEG, GIF). The page
stays a pure function of bytes: the crawler fetches the pictures ``article_pictures``
names (``html.article_pictures``) and hands their bytes, by ``src`` as written in the
page, to the parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

MAX_PICTURES = 20  # pictures of one page fetched and read
# Pictures that are never content: icons, logos, spacers.
NOT_CONTENT = (".ico", ".svg")
ICON_WORDS = ("logo", "icon", "share", "qrcode", "ewm", "spacer", "blank.gif", "print.gif", "close.gif")


def content_images(root: etree._Element) -> list[etree._Element]:
    """The ``<img>`` of an element that may be content, in document order."""
    found = []
    for img in root.iter("img"):
        src = (img.get("src") or "").strip()
        if src and not src.lower().endswith(NOT_CONTENT) and not any(w in src.lower() for w in ICON_WORDS):
            found.append(img)
    return found[:MAX_PICTURES]


def read(images: list[etree._Element], pictures: Mapping[str, bytes]) -> tuple[dict, Any]:
    """Each fetched picture read by OCR (an ``ocr.Page``), by its ``src``, and the
    ``ocr.Scan`` that read them. OCR's libraries load only for a page with pictures."""
    from parsers import ocr

    scan = ocr.Scan()
    read_by_src = {}
    for img in images:
        src = img.get("src").strip()
        if src in pictures and src not in read_by_src:
            read_by_src[src] = scan.read_picture(pictures[src], src)
    return read_by_src, scan
