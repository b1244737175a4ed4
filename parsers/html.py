"""Report pages (.html): the article found inside the portal's navigation, its paragraphs
and tables as rows in reading order (rowspan/colspan expanded), then the shared ``grid``.

Parsed with lxml's HTML parser (the one beautifulsoup4 would use, without the object
tree on top: pages are read by the thousand). ``parsers.article`` finds the article and
says whether the page is a report. Tables pasted from Word arrive as real tables, as a
paragraph per cell, as tab-, ``|``- or wide-space-separated lines (split as the text
parser splits them) or as images; a row missing a ``<td>`` is handed on short, so the
grid reads it as damaged instead of shifting its numbers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

import lxml.html
from lxml import etree

from parsers import article as A
from parsers import grid, identity, limits, meta, pictures
from parsers.encoding import decode
from parsers.report import Report
from parsers.text import split_line

# Elements that never hold the report's text: code, controls and embedded objects. Forms,
# tables, headers and footers are containers that CMSs put the article in (VSB: a <form>).
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "object", "input", "select", "option",
             "button", "textarea")
# Elements that end a line of text.
BLOCK_TAGS = frozenset(("p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
                        "section", "article", "blockquote", "pre", "tr", "table", "hr", "center", "caption",
                        "tbody", "thead", "tfoot", "main", "aside", "figure", "figcaption", "address"))
MAX_SPAN = 100  # rows or columns one cell may cover
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_IMG = re.compile(rb"<img", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_SOURCE_BREAK = re.compile(r"[ \t]*[\r\n]+[ \t]*")  # a line break of the page's source: a space
# Spaces that editors print between cells of a pasted table (Word's tab runs, &emsp;): plain
# spaces to the text parser's splitter, whose runs of two or more part cells.
_PRINTED_SPACES = str.maketrans(dict.fromkeys("\u00a0\u2002\u2003", " "))


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
    """(day, label) of the publication date the page prints, chrome included (its header
    tables and ``<font>`` tags are where legacy systems put it)."""
    body = document.find("body")
    return meta.labelled_date(_SPACES.sub(" ", (body if body is not None else document).text_content()))


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


def _full_width(taken: dict[tuple[int, int], str], count: int) -> int:
    """How many positions a whole row of the table covers: the most common count among
    the rows that print something (the widest on a tie; empty spacer rows do not vote)."""
    covered, printed = Counter(), set()
    for (r, _), text in taken.items():
        covered[r] += 1
        if text:
            printed.add(r)
    votes = Counter(covered[r] for r in range(count) if r in printed)
    return max(votes, key=lambda width: (votes[width], width), default=0)


def expand_rows(rows: list[etree._Element], budget: limits.Budget) -> list[list[str]]:
    """Table rows as a full grid: a merged cell's text in every position it covers (the
    HTML table algorithm: rowspans carry down, colspans across), each position counted
    against the page's budget before it is filled. A row covering fewer positions than
    the table's whole rows lacks a ``<td>`` nobody can place: it is given short, only its
    own cells, so the grid reads it as damaged (an empty ``<td>`` is a blank)."""
    taken: dict[tuple[int, int], str] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in _cells_of(row):
            while (r, c) in taken:
                c += 1
            text, rowspan, colspan = cell_text(cell), _span(cell, "rowspan"), _span(cell, "colspan")
            rowspan = min(rowspan, len(rows) - r)  # a span past the last row ends there
            budget.spend(rowspan * colspan, rowspan * colspan * len(text))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken[(r + dr, c + dc)] = text
            c += colspan
            width = max(width, c)
    full = _full_width(taken, len(rows))
    grid: list[list[str]] = []
    for r in range(len(rows)):
        row = [taken.get((r, c)) for c in range(width)]
        covered = [text for text in row if text is not None]
        grid.append(covered if len(covered) < full else [text or "" for text in row])
    return grid


def expand(table: etree._Element, budget: limits.Budget) -> list[list[str]]:
    """A table's rows as ``expand_rows`` gives them."""
    return expand_rows(_rows_of(table), budget)


class Walker:
    """The article in reading order: a paragraph (or a line broken by <br>) is a row, its
    cells split as the text parser splits a line; a table's rows are rows, except the
    rows of a layout table, whose cells are walked as the article they hold."""

    def __init__(self, read: Mapping | None = None) -> None:
        self.read = read or {}  # src → ``ocr.Page``: a picture's rows stand where it stands
        self.rows: list[list[str]] = []
        self.lines: list[str] = []
        self._current: list[str] = []
        self.budget = limits.Budget()

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
            self._table(child)
            return
        if child.tag == "pre":  # preformatted: the source's line breaks are the lines
            self._flush()
            for line in child.text_content().splitlines():
                self._current.append(line)
                self._flush()
            return
        block = child.tag in BLOCK_TAGS
        if block:
            self._flush()
        self.walk(child)
        if block:
            self._flush()

    def _table(self, table: etree._Element) -> None:
        """Runs of data rows as one grid; a layout row's cells walked one after another."""
        run: list[etree._Element] = []
        for row in _rows_of(table):
            if not A.is_layout_row(row):
                run.append(row)
                continue
            self._grid(run)
            run = []
            for cell in _cells_of(row):
                self.walk(cell)
                self._flush()
        self._grid(run)

    def _grid(self, rows: list[etree._Element]) -> None:
        for row in expand_rows(rows, self.budget):
            if any(row):
                self.rows.append(row)
                self.lines.append("\t".join(cell.replace("\n", "") for cell in row))

    def _flush(self) -> None:
        raw = _SOURCE_BREAK.sub(" ", "".join(self._current)).translate(_PRINTED_SPACES)
        self._current.clear()
        cells = split_line(raw)
        if cells and any(cells):
            self.rows.append(cells)
            self.lines.append(_SPACES.sub(" ", raw).strip())


# --- the page ----------------------------------------------------------------------------

TABLE_NAMES = {"active": "二", "applications": "三", "review_litigation": "四"}


def _drop_non_content(document: etree._Element) -> None:
    for element in list(document.iter(*DROP_TAGS, etree.Comment)):
        if element.getparent() is not None:
            element.drop_tree()


def _refusal(document: etree._Element, titles: list[str], source: str, why: str = "") -> Report:
    """Why a page is not read as a report, in one line."""
    named = titles[0] if titles else _text(document)
    body = document.find("body")
    images = pictures.content_images(body) if body is not None else []
    if images and any(w in named for w in identity.REPORT_WORDS):
        return Report.failed(source, "html", f"the report's tables are images, not text ({named[:60]})")
    return Report.failed(source, "html",
                         f"not an annual report: no disclosure tables on the page ({named[:40]!r}){why}")


def _unrecognised(article: A.Article, titles: list[str]) -> str:
    """Why an article without template tables is not taken for a report ("" when it is)."""
    missing = article.missing_sections()
    if missing:
        return f"; no section {' '.join(label.split('、')[0] for label in missing)}"
    return "" if A.names_report(titles) else "; its title names no annual disclosure report, or a look-alike"


def _values(table: object) -> list:
    return [v for item in table.values() for v in _values(item)] if isinstance(table, dict) else [table]


def _note_unread(report: Report, article: etree._Element) -> None:
    """Say which tables were not read and, when the article shows pictures, that they are
    where the tables are (OCR reads ``parsers.pictures.content_images``)."""
    unread = [name for key, name in TABLE_NAMES.items() if all(v is None for v in _values(getattr(report, key)))]
    images = pictures.content_images(article)
    if unread and images:
        report.warnings.append(f"tables {'、'.join(unread)} not read: the article shows them as "
                               f"{len(images)} images, not text")


def article_pictures(data: bytes, declared: str | None = None) -> list[str]:
    """The ``src`` of a page's pictures, as written, for the crawler to fetch when the
    page has no template table as text (its tables may be pictures, read by OCR)."""
    if not _IMG.search(data):
        return []
    document = _document(data, declared)
    _drop_non_content(document)
    article = A.find_article(document)
    if article is not None and article.tables:
        return []
    root = article.element if article is not None else document
    return list(dict.fromkeys(img.get("src").strip() for img in pictures.content_images(root)))


def parse(data: bytes, source: str, images: Mapping[str, bytes] | None = None) -> Report:
    """``images``: the bytes of the article's pictures by ``src``, fetched by the crawler
    (``article_pictures``); tables shown as pictures are read by OCR."""
    limits.check_tags(data)
    document = _document(data, None)
    _drop_non_content(document)
    hints = _meta_tags(document)
    headings = [_text(e) for e in (document.find(".//title"), document.find(".//h1")) if e is not None]
    titles = [t for t in (*headings, hints.get("ArticleTitle")) if t]
    article = A.find_article(document)
    if article is None:
        return _refusal(document, titles, source)
    read, scan = (pictures.read(pictures.content_images(article.element), images)
                  if images and not article.tables else ({}, None))
    walker = Walker.of(article.element, read)
    report = Report(source=source, file_type="html", text="\n".join(walker.lines))
    meta.describe(report, title=next((t for t in headings if t), None), meta=hints)
    visible = _visible_date(document)
    if report.published_at is None and visible:
        report.published_at, report.published_at_source = visible[0], f"text:{visible[1]}"
    why = "" if article.tables else _unrecognised(article, [*titles, report.title or ""])
    if why:
        return _refusal(document, titles, source, why)
    grid.fill_tables(report, walker.rows)
    if scan is not None and read:
        scan.mark(report)
    _note_unread(report, article.element)
    return report
