"""Report pages the way real portals print them, not the way our tidy fixtures do
(DOMAIN.md, "What real pages and files do that tidy fixtures don't"), and a world built of them.

A ``Style`` says how one report departs from the tidy page: what its title and text call the
author, how they write the year, under which label (if any) the page prints its date, which
container holds the article, how its tables arrive (real ``<table>``s, a paragraph per cell,
tab- or ``|``-separated lines, a table in a table, images) and, for a PDF or Word file, the
clerk's layout. Every variation is a table of forms the code walks.

API
---
``Style``: pass as ``Planned(style=...)``; ``Builder`` calls ``dress`` (names, years, title),
``page`` (a report printed on its page) and ``article`` (the page an attachment hangs from).
``name_form(form, name, county)``: how a page names an agency.
``variety_plans(seed=0, counties=8)``: the reports it publishes, [(County, [Planned])].
``variety_world(seed=0, counties=8) -> World``: counties of the four server-rendered families,
a third of their agencies townships, reports of 2019-2024 drawn at a realistic mix of every
variation; what must be found is ``World.expected``, the flags the monitor must raise
``World.flags`` ({kind: {(agency_id, year)}} for missing, late, unbalanced), and each report's
forms ``World.variations`` (``Style.aspects``).
"""

from __future__ import annotations

import html
import random
import struct
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable, TypeVar

from monitor.deadlines import deadline
from nianbao.config import DEFAULTS
from nianbao.demo import documents as D
from nianbao.demo.builder import Builder, County, Planned
from nianbao.demo.site import Page, Site
from nianbao.demo.world import World

T = TypeVar("T")

# --- names ------------------------------------------------------------------------------

# Short names agencies give themselves (DOMAIN.md): the long one, then what pages print.
ABBREVIATIONS = (("市场监督管理局", "市场监管局"), ("自然资源和规划局", "自然资源规划局"),
                 ("卫生健康委员会", "卫健委"), ("卫生健康局", "卫健局"), ("人力资源和社会保障局", "人社局"),
                 ("住房和城乡建设局", "住建局"))
# What an agency's own name ends with, dropped in its short forms.
SUFFIXES = ("人民政府", "办事处")


def _local(name: str, county: str) -> str:
    """The name without its county: 洧川镇人民政府."""
    return name[len(county):] if name.startswith(county) else name


def _bare(name: str, county: str) -> str:
    """Without county or 人民政府/办事处: 洧川镇, 城关街道."""
    local = _local(name, county)
    return next((local[:-len(s)] for s in SUFFIXES if local.endswith(s) and len(local) > len(s)), local)


def _abbreviated(name: str) -> str:
    for long, short in ABBREVIATIONS:
        name = name.replace(long, short)
    return name


def _government(name: str, county: str) -> str:
    """县政府, 区政府: a people's government calling itself by its seat's kind."""
    return county + "政府" if name == county + "人民政府" else _local(name, county).replace("人民政府", "政府")


# How a report calls its own author when it does not name it, by the name's ending.
SELF_NAMES = (("街道", "我街道"), ("镇", "我镇"), ("乡", "我乡"), ("局", "我局"), ("委员会", "我委"), ("", "本机关"))
# form -> (registry name, county) -> the name printed. ``signature``: the text says 我镇/我局
# and only the 落款 names the author.
NAME_FORMS: dict[str, Callable[[str, str], str]] = {
    "full": lambda name, county: name,
    "local": _local,                                              # 洧川镇人民政府
    "bare": _bare,                                                # 洧川镇
    "county_bare": lambda name, county: county + _bare(name, county),  # 尉氏县洧川镇
    "government": _government,                                    # 洧川镇政府, 尉氏县政府
    "office": lambda name, county: county + "政府办",              # 鼓楼区政府办
    "abbreviated": lambda name, county: _abbreviated(name),       # 尉氏县市场监管局
    "signature": lambda name, county: next(own for end, own in SELF_NAMES if _bare(name, county).endswith(end)),
}
# Which forms each kind of agency uses, with weights (townships usually drop county and 人民政府).
NAME_MIX = {
    "township": (("bare", 5), ("local", 2), ("county_bare", 2), ("government", 2), ("full", 1)),
    "department": (("full", 5), ("abbreviated", 4)),
    "government": (("full", 5), ("government", 2)),
}


def name_form(form: str, name: str, county: str) -> str:
    return NAME_FORMS[form](name, county)


# --- years --------------------------------------------------------------------------------

HAN_DIGITS = "〇一二三四五六七八九"


def _han(year: int, zero: str = "〇") -> str:
    return "".join(HAN_DIGITS[int(d)] for d in str(year)).replace("〇", zero)


# form -> year -> (as the title writes it, as the text writes it)
YEAR_FORMS: dict[str, Callable[[int], tuple[str, str]]] = {
    "digits": lambda y: (f"{y}年", f"{y}年"),
    "spaced": lambda y: (f"{y} 年", f"{y} 年"),
    "han": lambda y: (f"{_han(y)}年", f"{_han(y)}年"),
    "han_circle": lambda y: (f"{_han(y, '○')}年度", f"{_han(y, '○')}年"),
    "du": lambda y: (f"{y}年度", f"{y}年"),
}
YEAR_MIX = (("digits", 14), ("du", 5), ("spaced", 1), ("han", 1), ("han_circle", 1))

# Titles, ``{name}`` and ``{year}`` (the year as the title writes it); the generic ones
# leave the name to the text and the 落款.
TITLE_FORMS = {
    "named": "{name}{year}政府信息公开工作年度报告",
    "named_annual": "{name}{year}政府信息公开年报",
    "named_after": "{year}政府信息公开工作年度报告（{name}）",
    "year_first": "{year}{name}政府信息公开工作年度报告",
    "generic": "{year}政府信息公开工作年度报告",
}
TITLE_MIX = (("named", 10), ("named_annual", 2), ("named_after", 1), ("year_first", 2), ("generic", 2))

# --- dates ----------------------------------------------------------------------------------


def _ymd(day: date) -> tuple[int, int, int]:
    return day.year, day.month, day.day


# label -> (published day, the agency's printed name) -> the page's date line; "none": none.
DATE_LINES: dict[str, Callable[[date, str], str]] = {
    "发布日期": lambda d, n: f'<div class="info">发布日期：{d.isoformat()}　来源：{html.escape(n)}</div>',
    "发布时间": lambda d, n: f'<div class="info">发布时间：{d.isoformat()} 09:30　来源：{html.escape(n)}　浏览次数：<span id="hits">86</span></div>',
    "发布时间:": lambda d, n: f'<div class="info">发布时间:{d.isoformat()} 18:20:44</div>',  # a half-width colon
    "时间": lambda d, n: ('<div class="info">时间：{0}年{1:02d}月{2:02d}日　作者：　来源：{3}　点击数：'
                          '<script>_showDynClicks("wbnews", 1598366210, 11129)</script></div>').format(*_ymd(d), html.escape(n)),
    "更新时间": lambda d, n: '<span class="time">更新时间：{0}-{1}-{2} 15:55:58</span>'.format(*_ymd(d)),
    "日期": lambda d, n: '<span class="date">日期：{0}-{1}-{2}</span>'.format(*_ymd(d)),
    "信息来源": lambda d, n: f'<p class="sub">信息来源：{html.escape(n)}　发布日期：{d.isoformat()}</p>',
    "表头": lambda d, n: ('<table class="xxgk_table"><tr><td>索引号：</td><td>11410223MB1234567X/2024-00012</td>'
                        f'<td>发布机构：</td><td>{html.escape(n)}</td></tr><tr><td>发布日期：</td><td>{d.isoformat()}</td>'
                        '<td>文号：</td><td></td></tr></table>'),
    "font": lambda d, n: '<font color="#999999">发布时间：{0}-{1}-{2}</font>'.format(*_ymd(d)),
    "公开日期": lambda d, n: '<div class="info">公开日期：{0}年{1}月{2}日</div>'.format(*_ymd(d)),
    "none": lambda d, n: "",
}

URL_DATED = ("hanweb", "trs")  # families whose article URLs carry the publication date

# --- containers and tables ------------------------------------------------------------------

SIDEBAR = ('<div class="side"><h3>信息公开目录</h3><ul><li>政府信息公开指南</li><li>政府信息公开制度</li>'
           '<li>法定主动公开内容</li><li>政府信息公开年报</li></ul></div>')
# container -> (title, date line, body) -> the article as the CMS wraps it
CONTAINERS: dict[str, Callable[[str, str, str], str]] = {
    "zoom": lambda t, d, b: f'<div class="article"><h1>{t}</h1>{d}<div class="content" id="zoom">{b}</div></div>',
    "vsb_form": lambda t, d, b: (f'<form name="_newscontent_fromname"><div align="center"><h1>{t}</h1></div>{d}'
                                 f'<div id="vsb_content"><div class="v_news_content">{b}</div></div></form>'),
    "layout_td": lambda t, d, b: ('<table width="980" align="center" border="0"><tr>'
                                  f'<td width="200" valign="top">{SIDEBAR}</td><td valign="top">'
                                  f'<table width="100%"><tr><td align="center" class="biaoti">{t}</td></tr>'
                                  f'<tr><td align="center">{d}</td></tr>'
                                  f'<tr><td class="content">{b}</td></tr></table></td></tr></table>'),
    "trs": lambda t, d, b: f'<div class="detail"><div class="title">{t}</div>{d}<div class="TRS_Editor">{b}</div></div>',
    "wp": lambda t, d, b: (f'<div class="article"><h1 class="arti_title">{t}</h1><div class="arti_metas">{d}</div>'
                           f'<div class="wp_articlecontent">{b}</div></div>'),
}


def _top_left(table: D.Table) -> list[list[str]]:
    """Each printed cell once, in reading order: what Word pastes of a merged table."""
    return [[cell.text for c, (cell, top, left) in enumerate(row) if (r, c) == (top, left)]
            for r, row in enumerate(D.place(table))]


def _paragraph(text: str) -> str:
    return f"<p>{html.escape(text) or '&nbsp;'}</p>"


# layout -> table -> HTML; "image" is drawn by ``Style.page`` (it needs files of its own).
TABLE_LAYOUTS: dict[str, Callable[[D.Table], str]] = {
    "table": D.html_table,
    "cell_paragraphs": lambda t: "".join(_paragraph(c) for row in _top_left(t) for c in row),
    "cell_lines": lambda t: "<p>" + "<br>".join(html.escape(c) for row in _top_left(t) for c in row) + "</p>",
    "tabs": lambda t: "".join(_paragraph("\t".join(row)) for row in D.printed_rows(t, expand=False)),
    "pipes": lambda t: "".join(_paragraph("| " + " | ".join(row) + " |") for row in D.printed_rows(t, expand=False)),
    "nested": lambda t: f'<table width="100%" border="0"><tr><td align="center">{D.html_table(t)}</td></tr></table>',
}


def _png(width: int, height: int) -> bytes:
    """A grey-ruled white PNG: a scanned table's stand-in (its numbers only a person can read)."""
    rows = b"".join(b"\x00" + bytes((0x80 if y % 20 == 0 or x % 60 == 0 else 0xFF) for x in range(width))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# --- one report's style ---------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """One report's looks: each field names a form in the tables above."""

    county: str  # 尉氏县: what the short names drop
    name: str = "full"  # NAME_FORMS: the title's name
    text_name: str = "full"  # NAME_FORMS: the opening sentence's
    year_form: str = "digits"  # YEAR_FORMS
    title: str = "named"  # TITLE_FORMS
    date: str = "发布日期"  # DATE_LINES
    container: str = "zoom"  # CONTAINERS
    tables: str = "table"  # TABLE_LAYOUTS, or "image"
    charset: str = "utf-8"
    word: D.WordLayout = field(default_factory=lambda: D.TIDY)

    def dress(self, report: dict, plan: Planned) -> None:
        """Names, years and title as this page prints them; the 落款 keeps the full name
        and is dated a few days before publication."""
        registry = report["agency"]
        title_year, text_year = YEAR_FORMS[self.year_form](plan.year)
        shown = name_form(self.name, registry, self.county)
        report["title"] = TITLE_FORMS[self.title].format(name=shown, year=title_year)
        text_name = name_form(self.text_name, registry, self.county)
        for key, paragraphs in report["sections"].items():
            report["sections"][key] = [p.replace(registry, text_name).replace(f"{plan.year}年", text_year)
                                       for p in paragraphs]
        signed = date.fromisoformat(plan.published) - timedelta(days=3 + plan.year % 5)
        report["signed"] = f"{signed.year}年{signed.month}月{signed.day}日"
        report["word"] = self.word

    def page(self, report: dict, plan: Planned, site: Site, path: str) -> bytes:
        """The report printed on its page; tables as images are served beside it."""
        parts = []
        for index, (kind, content) in enumerate(D.blocks(report)):
            if kind == "title":
                continue  # the container prints it
            if kind != "table":
                parts.append(D.HTML_BLOCKS[kind](content))
            elif self.tables == "image":
                src = f"/uploads/images/{zlib.crc32(path.encode())}_{index}.png"
                site.pages[src] = Page(_png(240, 160), "image/png")
                parts.append(f'<p style="text-align:center"><img src="{src}" width="600" border="0"></p>')
            else:
                parts.append(TABLE_LAYOUTS[self.tables](content))
        return self._wrap(report, plan, "\n".join(parts))

    def article(self, report: dict, plan: Planned, content: str) -> bytes:
        """The page an attachment hangs from."""
        return self._wrap(report, plan, content)

    def _wrap(self, report: dict, plan: Planned, body: str) -> bytes:
        title = html.escape(report["title"])
        line = DATE_LINES[self.date](date.fromisoformat(plan.published), report["agency"])
        nav = "".join(f"<li><a href=\"#\">{n}</a></li>" for n in D.SITE_NAV)
        page = (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={self.charset}">'
                f"<title>{title}</title></head><body><div class=\"header\"><ul class=\"nav\">{nav}</ul></div>"
                f"{CONTAINERS[self.container](title, line, body)}"
                '<div class="footer">主办单位：县人民政府办公室　网站标识码：4100000001</div></body></html>')
        return page.encode(self.charset, errors="xmlcharrefreplace")

    def aspects(self, family: str, file_type: str) -> dict[str, str]:
        """This report's forms by aspect, to break a measurement down by them."""
        document = "image" if self.tables == "image" else file_type
        return {"family": family, "document": document, "name": self.name, "text_name": self.text_name,
                "year_form": self.year_form, "title": self.title, "date": self.date, "container": self.container,
                "tables": self.tables if document in ("html", "image") else "-",
                "word": ("wps" if self.word != D.TIDY else "tidy") if document in ("pdf", "docx", "doc") else "-"}

    def source(self, family: str) -> str | None:
        """Where the crawler must find the date: the page's label, else the URL, else nowhere."""
        if self.date != "none":
            return "page"
        return "url" if family in URL_DATED else None


# --- the world --------------------------------------------------------------------------------

YEARS = range(2019, 2025)
AS_OF = date(2025, 6, 1)
# Per family: how its pages wrap the article and print the date, with weights.
FAMILY_LOOKS: dict[str, dict[str, tuple[tuple[str, int], ...]]] = {
    "hanweb": {"container": (("zoom", 5), ("layout_td", 1)),
               "date": (("发布日期", 3), ("发布时间", 3), ("发布时间:", 1), ("表头", 2), ("font", 1), ("日期", 1),
                        ("none", 1))},
    "trs": {"container": (("trs", 5), ("zoom", 1)),
            "date": (("发布时间", 3), ("发布时间:", 1), ("信息来源", 2), ("表头", 1), ("公开日期", 1), ("none", 1))},
    "vsb": {"container": (("vsb_form", 5), ("wp", 2)), "date": (("时间", 5), ("发布时间", 1), ("none", 1))},
    "legacy": {"container": (("layout_td", 5), ("zoom", 1)), "date": (("更新时间", 4), ("日期", 2), ("none", 1))},
}
# The weights are estimates from reading real pages, not counts: most HTML reports carry real
# tables, about one in five arrives pasted some other way.
TABLE_MIX = (("table", 14), ("nested", 2), ("cell_paragraphs", 1), ("cell_lines", 1), ("tabs", 1), ("pipes", 1))
# File types with weights; an HTML page with its tables as images is "image".
FILE_MIX = (("html", 12), ("pdf", 3), ("docx", 3), ("doc", 1), ("image", 1))
WPS = D.WordLayout(label_cm=2.0, mixed_numbering=True, page_numbers=True)
WORD_MIX = ((D.TIDY, 1), (WPS, 2))
MISSING, LATE, UNBALANCED = 0.07, 0.1, 0.06

# (site, family, county, code, region, agencies: (id suffix, name, type)); townships are a third.
VARIETY_COUNTIES = (
    County("v-weishi", "hanweb", "尉氏县", "410223", "河南省开封市尉氏县",
           [("gov", "尉氏县人民政府", "government"), ("scj", "尉氏县市场监督管理局", "department"),
            ("wjw", "尉氏县卫生健康委员会", "department"), ("zrj", "尉氏县自然资源和规划局", "department"),
            ("wcz", "尉氏县洧川镇人民政府", "township"), ("cgz", "尉氏县城关镇人民政府", "township")]),
    County("v-yuzhou", "trs", "禹州市", "411081", "河南省许昌市禹州市",
           [("gov", "禹州市人民政府", "government"), ("jyj", "禹州市教育局", "department"),
            ("rsj", "禹州市人力资源和社会保障局", "department"), ("czj", "禹州市财政局", "department"),
            ("hjz", "禹州市火龙镇人民政府", "township"), ("ysz", "禹州市鸠山镇人民政府", "township")]),
    County("v-xiangcheng", "vsb", "襄城县", "411025", "河南省许昌市襄城县",
           [("gov", "襄城县人民政府", "government"), ("wjj", "襄城县卫生健康局", "department"),
            ("scj", "襄城县市场监督管理局", "department"), ("mzj", "襄城县民政局", "department"),
            ("cgz", "襄城县城关镇人民政府", "township"), ("mgx", "襄城县麦岭镇人民政府", "township")]),
    County("v-qixian", "legacy", "杞县", "410221", "河南省开封市杞县",
           [("gov", "杞县人民政府", "government"), ("jtj", "杞县交通运输局", "department"),
            ("zjj", "杞县住房和城乡建设局", "department"), ("sfj", "杞县司法局", "department"),
            ("bgx", "杞县板木乡人民政府", "township"), ("cgz", "杞县城郊乡人民政府", "township")]),
    County("v-gulou", "hanweb", "鼓楼区", "410204", "河南省开封市鼓楼区",
           [("gov", "鼓楼区人民政府", "government"), ("scj", "鼓楼区市场监督管理局", "department"),
            ("jyj", "鼓楼区教育局", "department"), ("wjw", "鼓楼区卫生健康委员会", "department"),
            ("xjd", "鼓楼区西司门街道办事处", "township"), ("wjd", "鼓楼区五一街道办事处", "township")]),
    County("v-hanyin", "trs", "汉阴县", "610921", "陕西省安康市汉阴县",
           [("gov", "汉阴县人民政府", "government"), ("wjj", "汉阴县卫生健康局", "department"),
            ("zrj", "汉阴县自然资源和规划局", "department"), ("nyj", "汉阴县农业农村局", "department"),
            ("cgz", "汉阴县城关镇人民政府", "township"), ("jhz", "汉阴县涧池镇人民政府", "township")]),
    County("v-yanling", "vsb", "鄢陵县", "411024", "河南省许昌市鄢陵县",
           [("gov", "鄢陵县人民政府", "government"), ("jyj", "鄢陵县教育局", "department"),
            ("scj", "鄢陵县市场监督管理局", "department"), ("rsj", "鄢陵县人力资源和社会保障局", "department"),
            ("azz", "鄢陵县安陵镇人民政府", "township"), ("mlx", "鄢陵县马栏镇人民政府", "township")]),
    County("v-tongxu", "legacy", "通许县", "410222", "河南省开封市通许县",
           [("gov", "通许县人民政府", "government"), ("wjw", "通许县卫生健康委员会", "department"),
            ("mzj", "通许县民政局", "department"), ("czj", "通许县财政局", "department"),
            ("cgz", "通许县城关镇人民政府", "township"), ("zsz", "通许县竖岗镇人民政府", "township")]),
)
# Look-alikes every portal carries (``{county}``, ``{short}``: a department's short name,
# ``{other}``: another county whose same-named department's report this portal reposts).
DECOYS = (
    ("关于《{short}{year}年政府信息公开工作年度报告》的解读", "notice"),
    ("图解：{county}{year}年政府信息公开工作年度报告", "notice"),
    ("{county}{next}年政务公开工作要点", "notice"),
    ("{short}{next}年部门预算公开", "notice"),
    ("关于做好{year}年度政府信息公开工作年度报告编制和发布工作的通知", "notice"),
    ("{county}{year}年法治政府建设年度报告", "notice"),
    ("{other}{year}年政府信息公开工作年度报告", "report"),
)


def _pick(rng: random.Random, mix: tuple[tuple[T, int], ...]) -> T:
    """One of a mix's values, drawn by weight."""
    return rng.choices([v for v, _ in mix], [w for _, w in mix])[0]


def _style(rng: random.Random, county: County, kind: str, file_type: str) -> Style:
    """One report's looks drawn at the mix real portals show."""
    looks = FAMILY_LOOKS[county.family]
    name_mix = NAME_MIX[kind] + ((("office", 1),) if kind == "government" and county.name.endswith("区") else ())
    title = _pick(rng, TITLE_MIX)
    text_name = rng.choice(("full", "signature")) if title == "generic" else rng.choice(("full", _pick(rng, name_mix)))
    return Style(county.name, name=_pick(rng, name_mix), text_name=text_name, year_form=_pick(rng, YEAR_MIX), title=title,
                 date=_pick(rng, looks["date"]), container=_pick(rng, looks["container"]),
                 tables="image" if file_type == "image" else _pick(rng, TABLE_MIX),
                 charset="gb2312" if county.family == "legacy" else "utf-8", word=_pick(rng, WORD_MIX))


def expected_flags(agencies: list[dict[str, str]], plans: list[Planned], expected: dict,
                   years: range) -> dict[str, set[tuple[str, int]]]:
    """What the monitor must raise: missing where nothing was published, late where the
    page's date is past the deadline, unbalanced where a table printed as text does not add
    up (tables shown only as pictures prove nothing in public: issue 13 makes an OCR'd
    imbalance a review)."""
    kinds = {a["agency_id"]: a["agency_type"] for a in agencies}
    published = {(p.agency_id, p.year) for p in plans}
    due = {(a, y): deadline(DEFAULTS, kinds[a], y) for a in kinds for y in years}
    return {
        "missing": {key for key in due if key not in published},
        "late": {key for key, (day, _) in expected.items() if day and date.fromisoformat(day) > due[key]},
        "unbalanced": {(p.agency_id, p.year) for p in plans
                       if not p.balanced and not (p.style and p.style.tables == "image")},
    }


def _county_plans(rng: random.Random, county: County) -> list[Planned]:
    plans = []
    for suffix, name, kind in county.agencies:
        silent = kind == "township" and rng.random() < 0.15  # publishes nothing for years on end
        for year in YEARS:
            if rng.random() < MISSING or (silent and year < 2022):
                continue
            due = deadline(DEFAULTS, kind, year)
            day = due + timedelta(days=rng.randint(1, 120)) if rng.random() < LATE else \
                date(year + 1, 1, 5) + timedelta(days=rng.randint(0, (due - date(year + 1, 1, 5)).days))
            file_type = _pick(rng, FILE_MIX)
            if file_type in ("doc", "docx"):
                file_type = "doc" if county.family == "legacy" else "docx"
            style = _style(rng, county, kind, file_type)
            plans.append(Planned(f"{county.code}-{suffix}", name, year, "html" if file_type == "image" else file_type,
                                 day.isoformat(), style.source(county.family), balanced=rng.random() >= UNBALANCED,
                                 style=style))
    return plans


def _decoys(county: County, other: County) -> list[tuple[str, str, str]]:
    """This portal's look-alikes, dated in the reporting season."""
    department = next(name for _, name, kind in county.agencies if kind == "department")
    twin = other.name + department[len(county.name):]
    out = []
    for index, (title, kind) in enumerate(DECOYS):
        for year in (2022, 2023):
            words = {"county": county.name, "short": _abbreviated(department), "other": twin,
                     "year": year, "next": year + 1}
            out.append((title.format(**words), date(year + 1, 2, 1 + index).isoformat(), kind))
    return out


def variety_plans(seed: int = 0, counties: int = len(VARIETY_COUNTIES)) -> list[tuple[County, list[Planned]]]:
    """The reports ``variety_world`` publishes, county by county, drawn from ``seed``."""
    rng = random.Random(f"variety/{seed}")
    return [(county, _county_plans(rng, county)) for county in VARIETY_COUNTIES[:counties]]


def variety_world(seed: int = 0, counties: int = len(VARIETY_COUNTIES)) -> World:
    """``counties`` of ``VARIETY_COUNTIES`` with reports of 2019-2024 drawn from ``seed``."""
    builder = Builder(seed)
    drawn = variety_plans(seed, counties)
    for index, (county, plans) in enumerate(drawn):
        builder.county(county, plans, _decoys(county, drawn[(index + 1) % len(drawn)][0]))
    world = builder.world(f"{YEARS[0]}-{YEARS[-1]}", AS_OF)
    plans = [p for _, county_plans in drawn for p in county_plans]
    world.flags = expected_flags(builder.agencies, plans, world.expected, YEARS)
    world.variations = {(p.agency_id, p.year): p.style.aspects(county.family, p.file_type)
                        for county, county_plans in drawn for p in county_plans if p.style}
    return world
