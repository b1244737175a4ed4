"""Where a report sits in a web page, and whether the page is a report at all.

Portals put the article in whatever their CMS uses (a VSB ``<form>``, ``<div id="zoom">``,
``TRS_Editor``, a layout ``<td>``…), so the article is not looked up by container name but
found by what it holds: the tables carrying template labels and the template's six section
headings. A page is a report when its tables are; without readable tables, when its title
names an annual disclosure report (and no look-alike) and its article shows all six headings.
Separate from ``parsers.html`` because it decides what to read, not how to read it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from parsers import identity
from parsers import template as T

# Words (normalised) that make a table one of the template's.
TABLE_LABELS = tuple(T.normalize(w) for w in ("信息内容", "第二十条", "申请人情况", "自然人", "本年新收", "予以公开",
                                              "行政复议", "结转下年度", "尚未审结"))
# The ordinal each section heading opens with, and how much of an element's text is read for it.
SECTION_ORDINALS = ("一", "二", "三", "四", "五", "六")
_HEADING_CHARS = 40
_SPACE_RUNS = re.compile(r"\s+")
_ORDINAL_MARK = re.compile(r"^\s*([一二三四五六])(?:\s*[、，,.．:：]|\s)")
# A cell with more text than this is the page's layout around content, not a table's cell.
MAX_DATA_CELL_CHARS = 300


def is_template_table(table: etree._Element) -> bool:
    """A table of the report: no table inside it, and template labels in its cells (in
    cells of a table's size: a layout cell around the article names them in its prose)."""
    if holds_tables(table):
        return False
    texts = (cell.text_content() for cell in table.iter("td", "th"))
    folded = T.normalize("".join(text for text in texts if len(text) <= MAX_DATA_CELL_CHARS))
    return any(label in folded for label in TABLE_LABELS)


def holds_tables(element: etree._Element) -> bool:
    return element.find(".//table") is not None


_LAYOUT_ROW = etree.XPath("boolean(./*[self::td or self::th][.//table or string-length(.) > $chars])")


def is_layout_row(row: etree._Element) -> bool:
    """A row of the page's layout: a cell of it holds a table, or more text than any table cell."""
    return _LAYOUT_ROW(row, chars=MAX_DATA_CELL_CHARS)


def section_of(text: str) -> str | None:
    """The key of the template section whose heading ``text`` opens with, if any."""
    mark = _ORDINAL_MARK.match(text)
    if not mark:
        return None
    section = T.SECTIONS[SECTION_ORDINALS.index(mark.group(1))]
    return section.key if T.matches(section, text[mark.end():_HEADING_CHARS]) else None


# Text nodes opening with a section's ordinal (after any indentation): found by libxml2 in
# one pass over the page's text, not once per element.
_ORDINAL_TEXTS = etree.XPath("descendant::text()[normalize-space(translate(., $wide, '  ')) != ''"
                             " and contains($ordinals, substring(normalize-space(translate(., $wide, '  ')), 1, 1))]")
_IN_LINK = etree.XPath("boolean(ancestor-or-self::a[@href])")
_HEADING_NODES = 8  # text nodes read for one heading (a heading split over <b>, <span>, <font>)
_FRAGMENT_CHARS = 12  # a shorter text may be the start of a heading split over inline elements
MAX_HEADING_CANDIDATES = 5_000  # text nodes tried as headings: a page of thousands of 一 is no report


def _texts_after(element: etree._Element) -> Iterator[str]:
    """The page's text after ``element`` ends, in reading order (lazily: a few are read)."""
    while element is not None:
        if element.tail:
            yield element.tail
        for sibling in element.itersiblings():
            yield from sibling.itertext()
            if sibling.tail:
                yield sibling.tail
        element = element.getparent()


def section_headings(root: etree._Element) -> dict[str, list[etree._Element]]:
    """Section key → the elements holding a line that opens with that section's heading
    (the heading may be split over inline elements: its text is read on past them)."""
    found: dict[str, list[etree._Element]] = {}
    nodes = _ORDINAL_TEXTS(root, ordinals="".join(SECTION_ORDINALS), wide="\u3000\u00a0")
    for node in nodes[:MAX_HEADING_CANDIDATES]:
        holder = node.getparent()
        key = section_of(node.lstrip())
        if node.is_tail:  # a line after a <br> or an inline element: its block holds it
            texts = _texts_after(holder)
            holder = holder.getparent()
        else:
            texts = itertools.chain(holder.itertext(), _texts_after(holder))
        if key is None and len(node.strip()) < _FRAGMENT_CHARS:
            key = section_of(_SPACE_RUNS.sub(" ", "".join(itertools.islice(texts, _HEADING_NODES)).lstrip()))
        if key and holder is not None and not _IN_LINK(holder):  # a table of contents links to headings
            found.setdefault(key, []).append(holder)
    return found


def _common_ancestor(elements: list[etree._Element]) -> etree._Element:
    chains = [[e, *e.iterancestors()][::-1] for e in elements]
    common = chains[0][0]
    for level in zip(*chains):
        if any(node is not level[0] for node in level):
            break
        common = level[0]
    return common


def template_tables(document: etree._Element) -> list[etree._Element]:
    return [t for t in document.iter("table") if is_template_table(t)]


@dataclass(frozen=True)
class Article:
    """The element holding the report, the template tables in it and the section headings it shows."""

    element: etree._Element
    tables: list[etree._Element]
    sections: frozenset[str]

    def missing_sections(self) -> list[str]:
        """The template sections whose heading the article does not show, in order."""
        return [s.label for s in T.SECTIONS if s.key not in self.sections]


def find_article(document: etree._Element) -> Article | None:
    """The report: the innermost element around every template table and every section
    heading; template tables without headings stand for their surroundings."""
    tables = template_tables(document)
    found = section_headings(document)
    headings = [e for elements in found.values() for e in elements]
    if not tables and not headings:
        return None
    article = _common_ancestor(tables + headings)
    if not headings:
        enclosing = next((e for e in (article, *article.iterancestors()) if e.tag == "table"), None)
        if enclosing is not None and not holds_tables(enclosing) and enclosing.getparent() is not None:
            article = enclosing.getparent()  # the one template table itself: its surroundings
        overview = T.normalize("总体情况")
        article = next((c for c in (article, *article.iterancestors()) if c.tag not in ("body", "html")
                        and overview in T.normalize(c.text_content())), article)
    return Article(article, tables, frozenset(found))


def names_report(titles: list[str]) -> bool:
    """Whether a page's titles name an annual disclosure report, and none a look-alike."""
    joined = " ".join(titles)
    return (any(any(w in t for w in identity.REPORT_WORDS) and any(w in t for w in identity.DISCLOSURE_WORDS)
                for t in titles) and identity.decoy_word(joined) is None)
