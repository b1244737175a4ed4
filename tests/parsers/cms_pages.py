"""Report pages as real CMSs print them, generated from a sample report: the article in
the container each CMS uses (a VSB form, TRS_Editor, webplus, an HTML5 article, legacy
layout tables), and tables as Word pastes them into the editor: real tables with Word's
markup, a paragraph per cell, tab-, ``|``- or space-separated lines, a table inside a
table cell, or pictures. Text is our own; shapes follow what portals emit."""

from __future__ import annotations

import html
from collections.abc import Callable

from nianbao.demo import documents as D
from parsers import template as T

Render = Callable[[D.Table], str]
CellFilter = Callable[[int, int], bool]  # (row, cell index) → whether the <td> is printed


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def word_table(table: D.Table, keep: CellFilter = lambda r, c: True) -> str:
    """A table as Word's "save as web page"/paste gives it: MsoNormal paragraphs in every
    cell, ``&nbsp;`` in an empty one; ``keep`` leaves a <td> out (a damaged row)."""
    rows = []
    for r, row in enumerate(table):
        cells = []
        for c, cell in enumerate(row):
            if not keep(r, c):
                continue
            spans = "".join(f" {name}={n}" for name, n in (("rowspan", cell.rowspan), ("colspan", cell.colspan)) if n > 1)
            text = _esc(cell.text) or "&nbsp;"
            cells.append(f"<td width=64{spans} valign=top style='border:solid windowtext 1.0pt;padding:0cm 5.4pt'>"
                         f"<p class=MsoNormal align=center style='text-align:center'><span style='font-family:仿宋_GB2312'>"
                         f"{text}<span lang=EN-US><o:p></o:p></span></span></p></td>")
        rows.append("<tr style='height:20.0pt'>\n" + "\n".join(cells) + "\n</tr>")
    spacers = "".join("<td width=64 style='border:none'></td>" for _ in D.place(table)[0])  # Word's column grid
    rows.append(f"<![if !supportMisalignedColumns]><tr height=0>{spacers}</tr><![endif]>")
    return ("<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 "
            "style='border-collapse:collapse;border:none'>\n<tbody>" + "\n".join(rows) + "</tbody></table>")


def _printed(table: D.Table) -> list[list[str]]:
    return D.printed_rows(table, expand=False)


def cell_paragraphs(table: D.Table) -> str:
    """A paragraph per printed cell: the table's borders lost in the paste."""
    return "\n".join(f"<p class=MsoNormal>{_esc(cell)}</p>" for row in _printed(table) for cell in row if cell)


def cell_lines(table: D.Table) -> str:
    """One paragraph, a printed cell per line (``<br>``): a table pasted as plain text."""
    return "<p>" + "<br>".join(_esc(cell) for row in _printed(table) for cell in row if cell) + "</p>"


def separated(separator: str, framed: bool = False) -> Render:
    """A paragraph per row, its cells joined by ``separator`` (``|…|`` when ``framed``)."""
    def render(table: D.Table) -> str:
        lines = (separator.join(map(_esc, row)) for row in _printed(table))
        return "\n".join(f"<p>{'| ' + line + ' |' if framed else line}</p>" for line in lines)
    return render


def broken_lines(table: D.Table) -> str:
    """One paragraph, a row per ``<br>``, cells tab-separated: text typed into a plain editor."""
    return "<p>" + "<br>\n".join("\t".join(map(_esc, row)) for row in _printed(table)) + "</p>"


def preformatted(table: D.Table) -> str:
    """A ``<pre>`` block of tab-separated rows."""
    return "<pre>" + "\n".join("\t".join(map(_esc, row)) for row in _printed(table)) + "</pre>"


def in_a_cell(table: D.Table) -> str:
    """The table pasted into the one cell of a bordered box the editor drew first."""
    return ("<table width='100%' border=0><tr><td style='border:1px solid #ccc'>"
            f"{word_table(table)}</td></tr><tr><td>&nbsp;</td></tr></table>")


def last_row_nested(table: D.Table) -> str:
    """The table's last row pasted as a table of its own inside a cell spanning the table."""
    outer = word_table(table[:-1])
    nested = f"<tr><td colspan={len(D.place(table)[0])}>{word_table(table[-1:])}</td></tr>"
    return outer.replace("</tbody></table>", nested + "</tbody></table>")


FOOTNOTE = ("注：" + "本表数据统计期限为本年度1月1日至12月31日，数据来源于本机关政府信息公开申请登记台账和办理记录，"
            "其中申请人情况按申请时提交的身份材料统计，同一申请人就同一事项多次申请的按一件统计，"
            "办理结果按答复书载明的处理方式统计，区分处理的只计部分公开一种情形，结转下年度继续办理的申请"
            "在下一年度报告中作为上年结转数量统计，行政复议、行政诉讼情况以本年度收到的法律文书为准，"
            "本年度未收取任何信息处理费。") * 2


def with_footnote(table: D.Table) -> str:
    """A Word table closed by a merged row holding a long note, as statisticians add."""
    return word_table([*table, [D.Cell(FOOTNOTE, colspan=len(D.place(table)[0]))]])


def pictures(table: D.Table) -> str:
    """The table as a picture of it (a screenshot of the Word table)."""
    return f"<p style='text-align:center'><img src='/picture/0/{len(table)}{len(table[0])}.png' width=600 border=0></p>"


def elsewhere(table: D.Table) -> str:
    """The table left out: the page points to an attachment instead."""
    return "<p>（表格详见附件）</p>"


def without_td(pick: Callable[[list[str]], bool], from_end: int) -> Render:
    """Word tables where each row whose texts ``pick`` chooses lost the <td> ``from_end``
    cells from its end (a cell deleted in the editor, the row not re-merged)."""
    def render(table: D.Table) -> str:
        damaged = {r for r, row in enumerate(table) if pick([c.text for c in row])}
        return word_table(table, lambda r, c: not (r in damaged and c == len(table[r]) - from_end))
    return render


TABLE_RENDERS: dict[str, Render] = {
    "word": word_table, "cell_paragraphs": cell_paragraphs, "cell_lines": cell_lines, "tabs": separated("\t"),
    "pipes": separated(" | ", framed=True), "wide_spaces": separated("&nbsp;&nbsp;&nbsp;&nbsp;"),
    "em_spaces": separated("&emsp;&emsp;"),
    "br_lines": broken_lines, "pre": preformatted, "in_a_cell": in_a_cell,
    "last_row_nested": last_row_nested,
}


def body(report: dict, render: Render = word_table, titled: bool = False) -> str:
    """The article's body as the editor saved it: the title is the page's, unless ``titled``
    (a site whose pages are all titled with the site's name)."""
    parts = []
    for kind, content in D.blocks(report):
        if kind == "title" and titled:
            parts.append(f"<p align=center style='text-align:center'><b>{_esc(content)}</b></p>")
        elif kind == "table":
            parts.append(render(content))
        elif kind == "heading":
            parts.append(f"<p class=MsoNormal><b><span style='font-family:黑体'>&nbsp;&nbsp;&nbsp;&nbsp;"
                         f"{_esc(content)}</span></b></p>")
        elif kind == "paragraph":  # indented as typed: two ideographic spaces
            parts.append(f"<p class=MsoNormal><span style='font-family:仿宋_GB2312'>　　{_esc(content)}</span></p>")
        elif kind == "signature":
            parts.append(f"<p class=MsoNormal align=right style='text-align:right'>{_esc(content)}</p>")
    return "\n".join(parts)


_NAV = "".join(f"<li><a href='/col/{i}/'>{name}</a></li>" for i, name in enumerate(D.SITE_NAV))
_LINKS = "".join(f"<tr><td><a href='/art/{i}.html'>某某县{2015 + i}年政府信息公开工作年度报告</a></td></tr>"
                 for i in range(8))
_FOOTER = "网站地图 | 联系我们 主办单位：某某县人民政府办公室"


def vsb(title: str, article: str) -> str:
    """博达 VSB: layout table, 时间： line, the body in ``<form name="_newscontent_fromname">``."""
    return (f"<html><head><meta charset='utf-8'><title>{_esc(title)}-某某县人民政府</title>"
            "<script>_showDynClickBatch(['dynclicks_u8_1234'],[1234],'wbnews')</script></head><body>"
            f"<div class='header'><ul>{_NAV}</ul></div><table width=1000 align=center>"
            f"<tr><td class='titlestyle1234' align=center>{_esc(title)}</td></tr>"
            "<tr><td class='timestyle1234' align=center>时间：2024年01月22日&nbsp;&nbsp;来源：办公室</td></tr>"
            "<tr><td><form name='_newscontent_fromname'><div id='vsb_content'><div class='v_news_content'>"
            f"{article}</div></div><div id='div_vote_id'></div>"
            "<p><a href='javascript:window.print()'><img src='/system/resource/images/print.gif'>打印本页</a></p>"
            "<input type='hidden' name='wbnewsid' value='1234'><select name='s'><option>分享到</option></select>"
            f"</form></td></tr></table><div class='footer'>{_FOOTER}</div></body></html>")


def trs(title: str, article: str) -> str:
    """TRS WCM: ``<div class="TRS_Editor">`` with its own style element inside."""
    return (f"<html><head><meta http-equiv='Content-Type' content='text/html; charset=utf-8'>"
            f"<title>{_esc(title)}_某某县人民政府门户网站</title><meta name='ArticleTitle' content='{_esc(title)}'>"
            f"</head><body><div class='top'><ul>{_NAV}</ul></div><div class='main'><div class='article'>"
            f"<h2 class='title'>{_esc(title)}</h2><div class='info'>发布时间：2024-01-22 09:30</div>"
            "<div class='view TRS_UEDITOR trs_paper_default'><div class='TRS_Editor'>"
            "<style type='text/css'>.TRS_Editor P{margin-top:5px;line-height:1.8;}</style>"
            f"<div class='Custom_UnionStyle'>{article}</div></div></div></div></div>"
            f"<div class='foot'>{_FOOTER}</div></body></html>")


def webplus(title: str, article: str) -> str:
    """WebPlus (高校/县区站群): ``<div class="wp_articlecontent">``."""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{_esc(title)}</title></head><body>"
            f"<div id='nav'><ul>{_NAV}</ul></div><div class='article'><h1 class='arti_title'>{_esc(title)}</h1>"
            "<p class='arti_metas'><span class='arti_update'>发布时间：2024-01-22</span></p>"
            f"<div class='entry'><div class='read'><div class='wp_articlecontent'>{article}</div></div></div></div>"
            f"<div id='footer'>{_FOOTER}</div></body></html>")


_CONTENTS = "".join(f"<li><a href='#s{i}'>{_esc(section.label)}</a></li>" for i, section in enumerate(T.SECTIONS))


def html5(title: str, article: str) -> str:
    """A newer site: the article's own <header> holds its title, nav and footer around it,
    and a table of contents beside it links to the six sections."""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{_esc(title)}</title></head><body>"
            f"<header class='site'><nav><ul>{_NAV}</ul></nav></header><main><article>"
            f"<header><h1>{_esc(title)}</h1><p>发布日期：2024-01-22</p></header>"
            f"<div class='article-content'>{article}</div></article>"
            f"<aside class='toc'><p>本文目录</p><ul>{_CONTENTS}</ul></aside></main><footer>{_FOOTER}</footer></body></html>")


def layout_tables(title: str, article: str) -> str:
    """A legacy ASP site: nested layout tables, a sidebar of links, 更新时间, <font> title."""
    return (f"<html><head><meta http-equiv='Content-Type' content='text/html; charset=utf-8'><title>{_esc(title)}</title>"
            f"</head><body><table width=980 align=center><tr><td colspan=2><ul>{_NAV}</ul></td></tr>"
            f"<tr><td width=200 valign=top><table>{_LINKS}</table></td><td valign=top><table width='100%'>"
            f"<tr><td align=center><font size=4><b>{_esc(title)}</b></font></td></tr>"
            "<tr><td align=center>更新时间：2024-1-22 15:55:58</td></tr>"
            f"<tr><td class='content'>{article}</td></tr></table></td></tr>"
            f"<tr><td colspan=2>{_FOOTER}</td></tr></table></body></html>")


PAGE_SHAPES: dict[str, Callable[[str, str], str]] = {
    "vsb": vsb, "trs": trs, "webplus": webplus, "html5": html5, "layout_tables": layout_tables,
}


def page(report: dict, shape: str = "trs", render: Render = word_table, site: str | None = None) -> bytes:
    """A whole report page of one CMS shape, its tables rendered by ``render``; with a
    ``site`` name, the page is titled with it and the report's title is in the body."""
    return PAGE_SHAPES[shape](site or report["title"], body(report, render, titled=bool(site))).encode("utf-8")
