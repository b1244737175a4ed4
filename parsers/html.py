"""Report pages (.html): the article found inside the portal's navigation, its paragraphs
and tables as rows in reading order (rowspan/colspan expanded), then the shared ``grid``.

Parsed with lxml's HTML parser (the one beautifulsoup4 would use, without the object
tree on top: pages are read by the thousand). The article is the innermost element
holding every table that carries template labels; a page without such tables is not a
report, unless its article shows the tables as images, which is said so.
``page_meta`` is the small reading of a page the crawler needs without parsing a report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import lxml.html
from lxml import etree

from parsers import grid, meta, pictures
from parsers import template as T
from parsers.encoding import decode
from parsers.report import Report

# Elements that never hold the report.
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "nav", "header", "footer", "select", "button",
             "form", "svg", "object")
# Elements that end a line of text.
BLOCK_TAGS = frozenset(("p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
                        "section", "article", "blockquote", "pre", "tr", "table", "hr", "center", "caption",
                        "tbody", "thead", "tfoot", "main", "aside", "figure", "figcaption", "address"))
# Words (normalised) that make a table one of the template's.
TABLE_LABELS = tuple(T.normalize(w) for w in ("信息内容", "第二十条", "申请人情况", "自然人", "本年新收", "予以公开",
                                              "行政复议", "结转下年度", "尚未审结"))
# Words of a page that is about an annual report (for the image-only case).
REPORT_WORDS = ("年度报告", "年报", "工作报告")
MAX_SPAN = 100  # rows or columns one cell may cover
MAX_CELLS = 200_000  # positions of one expanded table
VISIBLE_DATE = re.compile(rf"({'|'.join(meta.PUBLISHED_LABELS)})\s*[:：]?\s*"
                          r"((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}[:时]\d{1,2}分?)?)")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_IMG = re.compile(rb"<img", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def _document(data: bytes, declared: str | None) -> etree._Element:
    text = _XML_DECLARATION.sub("", decode(data, declared))
    return lxml.html.document_fromstring(text or "<html></html>")


def _text(element: etree._Element) -> str:
    return _SPACES.sub(" ", element.text_content()).strip()


def _meta_tags(document: etree._Element) -> dict[str, str]:
    tags: dict[str, str] = {}
    for tag in document.iter("meta"):
        name = tag.get("name") or tag.get("property") or tag.get("itemprop")
        if name and tag.get("content") is not None:
            tags.setdefault(name.strip(), tag.get("content").strip())
    return tags


def _visible_date(document: etree._Element) -> tuple[str, str] | None:
    body = document.find("body")
    match = VISIBLE_DATE.search(_SPACES.sub(" ", (body if body is not None else document).text_content()))
    return (match.group(1), match.group(2)) if match else None


def page_meta(data: bytes, declared: str | None = None) -> dict:
    """A page read without parsing it as a report: ``title`` (<title>), ``h1``, ``meta``
    (name → content), ``date`` (the visible 发布日期 text, if any, as ``(label, value)``)
    and ``links`` (absolute-or-not href, link text), for the crawler."""
    document = _document(data, declared)
    title = document.find(".//title")
    heading = document.find(".//h1")
    return {
        "title": _text(title) if title is not None else None,
        "h1": _text(heading) if heading is not None else None,
        "meta": _meta_tags(document),
        "date": _visible_date(document),
        "links": [(a.get("href"), _text(a)) for a in document.iter("a") if a.get("href")],
    }


def article_pictures(data: bytes, declared: str | None = None) -> list[str]:
    """The ``src`` of a page's pictures, as written, for the crawler to fetch when the
    page has no template table as text (its tables may be pictures)."""
    if not _IMG.search(data):
        return []
    document = _document(data, declared)
    if find_article(document) is not None:
        return []
    return list(dict.fromkeys(img.get("src").strip() for img in pictures.content_images(document)))


# --- tables ------------------------------------------------------------------------------

def _rows_of(table: etree._Element) -> list[etree._Element]:
    return table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")


def _cells_of(row: etree._Element) -> list[etree._Element]:
    return [child for child in row if child.tag in ("td", "th")]


def _span(cell: etree._Element, name: str) -> int:
    digits = re.match(r"\s*(\d+)", cell.get(name) or "")
    return min(MAX_SPAN, max(1, int(digits.group(1)))) if digits else 1


def cell_text(cell: etree._Element) -> str:
    """A cell's text, a line per paragraph or <br> (``grid`` folds labels broken so)."""
    breakers = [node.tag for node in cell.iterdescendants() if node.tag in BLOCK_TAGS]
    if len(breakers) < 2 and "br" not in breakers:
        return _SPACES.sub(" ", "".join(cell.itertext())).strip()  # one line: the common cell
    parts: list[str] = []
    for event, node in etree.iterwalk(cell, events=("start", "end")):
        if event == "start":
            if node.tag in BLOCK_TAGS:
                parts.append("\n")
            if node.text and isinstance(node.tag, str):
                parts.append(node.text)
        else:
            if node.tag in BLOCK_TAGS:
                parts.append("\n")
            if node.tail and node is not cell:
                parts.append(node.tail)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def expand(table: etree._Element) -> list[list[str]]:
    """A table as a full grid: a merged cell's text in every position it covers (the
    HTML table algorithm: rowspans carry down, colspans across)."""
    taken: dict[tuple[int, int], str] = {}
    width = 0
    rows = _rows_of(table)
    for r, row in enumerate(rows):
        c = 0
        for cell in _cells_of(row):
            while (r, c) in taken:
                c += 1
            text, rowspan, colspan = cell_text(cell), _span(cell, "rowspan"), _span(cell, "colspan")
            rowspan = min(rowspan, len(rows) - r)  # a span past the last row ends there
            if len(taken) + rowspan * colspan > MAX_CELLS:
                break
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken[(r + dr, c + dc)] = text
            c += colspan
            width = max(width, c)
    return [[taken.get((r, c), "") for c in range(width)] for r in range(len(rows))]


def is_template_table(table: etree._Element) -> bool:
    folded = T.normalize(table.text_content())
    return any(label in folded for label in TABLE_LABELS)


def _holds_tables(table: etree._Element) -> bool:
    """A layout table: its cells hold further tables (the report inside the page's grid)."""
    return table.find(".//table") is not None


class Walker:
    """The article in reading order: a paragraph (or a line broken by <br>) is a one-cell
    row, a data table its expanded rows, a layout table the rows of what its cells hold."""

    def __init__(self, read: Mapping | None = None) -> None:
        self.read = read or {}  # src → ``ocr.Page``: a picture's rows stand where it stands
        self.rows: list[list[str]] = []
        self.lines: list[str] = []
        self._current: list[str] = []

    @classmethod
    def of(cls, element: etree._Element, read: Mapping | None = None) -> "Walker":
        walker = cls(read)
        walker.walk(element)
        walker._flush()
        return walker

    def walk(self, element: etree._Element) -> None:
        if element.text:
            self._current.append(element.text)
        for child in element:
            if isinstance(child.tag, str):
                self._child(child)
            if child.tail:
                self._current.append(child.tail)

    def _child(self, child: etree._Element) -> None:
        if child.tag == "img" and (child.get("src") or "").strip() in self.read:
            self._flush()
            page = self.read[child.get("src").strip()]
            self.rows += page.rows
            self.lines += page.text.splitlines()
            return
        if child.tag == "table":
            self._flush()
            if _holds_tables(child):
                for row in _rows_of(child):
                    for cell in _cells_of(row):
                        self.walk(cell)
                        self._flush()
            else:
                self._table(child)
            return
        block = child.tag in BLOCK_TAGS
        if block:
            self._flush()
        self.walk(child)
        if block:
            self._flush()

    def _table(self, table: etree._Element) -> None:
        for row in expand(table):
            if any(row):
                self.rows.append(row)
                self.lines.append("\t".join(cell.replace("\n", "") for cell in row))

    def _flush(self) -> None:
        line = _SPACES.sub(" ", "".join(self._current)).strip()
        self._current.clear()
        if line:
            self.rows.append([line])
            self.lines.append(line)


def _common_ancestor(elements: list[etree._Element]) -> etree._Element:
    chains = [[e, *e.iterancestors()][::-1] for e in elements]
    common = chains[0][0]
    for level in zip(*chains):
        if any(node is not level[0] for node in level):
            break
        common = level[0]
    return common


def find_article(document: etree._Element, anchors: list[etree._Element] | None = None) -> etree._Element | None:
    """The element holding the report: the innermost one around every template table
    (or every one of ``anchors``: the pictures of tables), widened to the article when
    the tables sit in a container of their own."""
    tables = anchors or [t for t in document.iter("table") if not _holds_tables(t) and is_template_table(t)]
    if not tables:
        return None
    article = _common_ancestor(tables)
    if article.tag == "img":
        article = article.getparent()
    enclosing = next((e for e in (article, *article.iterancestors()) if e.tag == "table"), None)
    if enclosing is not None and not _holds_tables(enclosing):
        article = enclosing.getparent()  # the one template table itself: its surroundings
    overview = T.normalize("总体情况")
    for candidate in (article, *article.iterancestors()):
        if candidate.tag in ("body", "html"):
            break
        if overview in T.normalize(candidate.text_content()):
            return candidate
    return article


def parse(data: bytes, source: str, images: Mapping[str, bytes] | None = None) -> Report:
    """``images``: the bytes of the article's pictures by ``src``, fetched by the crawler
    (``article_pictures``); tables shown as pictures are read by OCR."""
    document = _document(data, None)
    for element in list(document.iter(*DROP_TAGS)):
        if element.getparent() is not None:
            element.drop_tree()
    for comment in list(document.iter(etree.Comment)):
        if comment.getparent() is not None:
            comment.drop_tree()
    hints = _meta_tags(document)
    visible = _visible_date(document)
    if visible:
        label, value = visible
        hints.setdefault(label if label in meta.PUBLISHED_META else meta.PUBLISHED_LABELS[0], value)
    title = document.find(".//title")
    heading = document.find(".//h1")
    title_text = next((t for t in (_text(e) for e in (title, heading) if e is not None) if t), None)
    article = find_article(document)
    # no template table as text: the tables may be pictures, read by OCR
    read, scan = pictures.read(pictures.content_images(document), images) if article is None and images else ({}, None)
    if any(page.rows for page in read.values()):
        article = find_article(document, [img for img in document.iter("img") if img.get("src", "").strip() in read])
    if article is None:
        page_text = _text(document)
        named = title_text or hints.get("ArticleTitle") or ""
        if pictures.content_images(document) and any(w in named for w in REPORT_WORDS):
            return Report.failed(source, "html", f"the report's tables are images, not text ({named[:60]})")
        return Report.failed(source, "html", f"not an annual report: no disclosure tables on the page "
                                             f"({(named or page_text)[:40]!r})")
    walker = Walker.of(article, read)
    report = Report(source=source, file_type="html", text="\n".join(walker.lines))
    meta.describe(report, title=title_text, meta=hints)
    grid.fill_tables(report, walker.rows)
    if read:
        scan.mark(report)
        if not (report.active or report.applications or report.review_litigation):
            return Report.failed(source, "html", "the report's tables are images, and OCR read no disclosure "
                                                 f"table in them ({(title_text or '')[:60]})")
    return report
