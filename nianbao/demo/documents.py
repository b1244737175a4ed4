"""Annual-report documents made the way agencies make them, from a seed.

One generator feeds the parser tests, the crawler's fixture portal, the demo and the
benchmarks, so every document type shows the same report: ``sample_report`` draws the
numbers (balanced, or with exactly one consistency rule broken), ``blocks`` lays the
report out once (title, headings, paragraphs, tables with merged cells), and each
``render_*`` prints that layout as a portal page, a Word file, a PDF or DOC exported by
LibreOffice, or plain text. Labels come from ``parsers.template``: the documents name
rows exactly as the template the parsers read does.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import html
import io
import os
import random
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell

from parsers import template as T
from parsers.doc import soffice_convert

# Printed words of the tables that are headers, not rows, of the template.
RESULTS_HEADER = "三、本年度办理结果"
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADER = "申请人情况"
ORGANISATION_HEADER = "法人或其他组织"
CONTENT_HEADER = "信息内容"
# Explanations the official template prints after a row's label.
ROW_NOTES = {"partly_granted": "（区分处理的，只计这一情形，不计其他情形）"}
# Table 二: the items of 第二十条 and the rows printed under each, per template.
ARTICLE_ITEMS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "2021": (("一", ("rules", "normative_documents")), ("五", ("licensing",)),
             ("六", ("punishment", "coercion")), ("八", ("fees",))),
    "2019": (("一", ("rules", "normative_documents")), ("五", ("licensing", "other_services")),
             ("六", ("punishment", "coercion")), ("八", ("fees",)), ("九", ("procurement",))),
}
ACTIVE_WIDTH = 4  # table 二: the label column and at most three value columns
TITLES = ("{agency}{year}年政府信息公开工作年度报告", "{agency}{year}年度政府信息公开工作报告",
          "{agency}{year}年政府信息公开年报")
# The consistency rules (DOMAIN.md) one unbalanced sample breaks, exactly one of them.
RULES = {
    "applications_balance": "一+二 = 三（七）总计+四, per column",
    "applicant_total": "总计 column = sum of the six applicant columns",
    "processed_total": "三（七）总计 = sum of the result rows",
    "review_total": "table 四 总计 = the four results beside it",
}
# Where a share of the year's applications ends up (the rest spread thin).
RESULT_WEIGHTS = {"granted": 8, "partly_granted": 2, "unavailable.not_held": 4, "not_processed.duplicate": 1,
                  "not_processed.complaint": 1, "refused.third_party": 1, "other.other": 1, "other": 2}
# The prose is assembled clause by clause from these pools, so that two generated reports
# share no more text than two real ones do (the monitor flags ≥ 90 % overlap as copied).
OVERVIEW = (
    "{year}年，{agency}在县委、县政府的正确领导下，认真贯彻落实《中华人民共和国政府信息公开条例》",
    "{year}年，{agency}深入推进决策、执行、管理、服务、结果公开，着力强化公开、解读、回应",
    "{year}年，{agency}紧紧围绕中心工作，把政务公开作为转变作风、服务群众的重要抓手",
    "{year}年，{agency}按照上级政务公开工作要点的部署，压实责任、细化分工、狠抓落实",
)
PROSE_SLOTS: tuple[tuple[str, ...], ...] = (
    ("坚持以公开为常态、不公开为例外", "坚持依法公开、真实公正、注重实效", "坚持公开与保密相统一",
     "坚持问题导向和需求导向"),
    ("不断提升政务公开标准化、规范化水平", "推动政务公开工作提质增效", "进一步增强政府工作透明度",
     "切实保障人民群众的知情权、参与权和监督权"),
    ("成立了由主要负责同志任组长的政务公开工作领导小组", "明确办公室为政务公开工作的责任股室",
     "将政务公开工作纳入年度目标责任考核", "建立了每月一次的政务公开工作调度机制"),
    ("严格落实信息发布审核制度，做到先审后发", "落实“三审三校”制度，确保发布信息准确",
     "对拟公开信息逐条进行保密审查", "完善了信息公开属性源头认定机制"),
    ("及时更新机构职能、领导分工等基础信息", "集中清理了过期失效的栏目和链接",
     "按季度开展网站信息内容自查", "对历史信息进行了全面梳理和归档"),
    ("通过政务新媒体同步推送重要政策文件", "围绕群众关心的热点问题开展政策解读",
     "邀请业务骨干参与政策解读发布", "采用图解、问答等形式解读重要政策"),
    ("畅通依申请公开受理渠道，规范答复文书", "依法依规办理政府信息公开申请",
     "严格按照法定时限答复申请人", "加强与申请人的沟通，做好释法说理"),
    ("组织开展了政务公开业务培训", "选派工作人员参加县政务公开办组织的培训",
     "通过以会代训提升工作人员业务能力", "编印政务公开工作手册供干部学习"),
    ("主动接受社会监督，公开投诉举报电话", "设立意见箱，广泛听取群众意见",
     "将政务公开情况纳入党风廉政建设检查内容", "及时整改上级检查发现的问题"),
)
PROBLEMS = (
    ("主动公开的意识还需进一步提高", "公开内容不够丰富", "政策解读形式较为单一", "信息发布的时效性有待加强"),
    ("下一步，我们将加强业务培训", "下一步，我们将完善发布审核机制", "下一步，我们将丰富解读形式",
     "下一步，我们将及时回应社会关切"),
)
SITE_NAV = ("首页", "政务公开", "政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "互动交流")
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nianbao" / "documents"


# --- the numbers ----------------------------------------------------------------------

def _applicant_keys() -> list[str]:
    return [c.key for c in T.APPLICANT_COLUMNS if c.key != "total"]


def _applications(rng: random.Random, template: str, carried: dict[str, int] | None) -> dict[str, dict[str, int]]:
    """Table 三, balanced: per column, what came in (一+二) is what was processed plus 四.

    ``carried`` is last year's 四、结转下年度继续办理, which becomes this year's 二、上年结转."""
    rows = [r.key for r in T.application_rows(template)]
    results = rows[rows.index("granted"):rows.index("processed_total")]
    weights = [RESULT_WEIGHTS.get(key, 0.2) for key in results]
    table = {key: {} for key in rows}
    for index, column in enumerate(_applicant_keys()):
        scale = 30 if index == 0 else 3
        new = rng.choice((0, rng.randint(0, scale), rng.randint(0, scale)))
        carried_over = carried[column] if carried else rng.choice((0, 0, rng.randint(0, max(1, scale // 10))))
        forward = rng.randint(0, min(2, new + carried_over))
        table["new"][column], table["carried_over"][column] = new, carried_over
        table["carried_forward"][column] = forward
        counts = dict.fromkeys(results, 0)
        for key in rng.choices(results, weights, k=new + carried_over - forward):
            counts[key] += 1
        for key, count in counts.items():
            table[key][column] = count
        table["processed_total"][column] = new + carried_over - forward
    for values in table.values():
        values["total"] = sum(values.values())
    return table


def _review(rng: random.Random) -> dict[str, dict[str, int]]:
    table = {}
    for group in T.REVIEW_GROUPS:
        values = {c.key: rng.choice((0, 0, 0, rng.randint(0, 3))) for c in T.REVIEW_COLUMNS if c.key != "total"}
        table[group.key] = {**values, "total": sum(values.values())}
    return table


# How each kind of table-二 column is drawn: counts, signed changes, money in 万元.
_ACTIVE_DRAWS = {
    "in_force": lambda rng: rng.randint(0, 60),
    "total_published": lambda rng: rng.randint(0, 60),
    "prev_items": lambda rng: rng.randint(0, 120),
    "change": lambda rng: rng.randint(-5, 8),
    "decisions": lambda rng: rng.choice((0, rng.randint(0, 40), rng.randint(0, 3000))),
    "amount": lambda rng: rng.choice((0.0, 0.0, round(rng.uniform(0, 300), 4))),
    "items": lambda rng: rng.randint(0, 30),
}


def _active(rng: random.Random, template: str, in_force: dict[str, int] | None) -> dict[str, Any]:
    """Table 二: one value per column; a single-column item is a bare number.

    ``in_force`` holds last year's 现行有效件数 per item (2021 template): this year's is that
    plus 本年制发 minus 本年废止, as the monitor's carry-over rule expects."""
    active: dict[str, Any] = {}
    for item in T.active_items(template):
        values = {c.key: _ACTIVE_DRAWS.get(c.key, lambda r: r.randint(0, 5))(rng) for c in item.columns}
        if in_force and item.key in in_force and "in_force" in values:
            values["repealed"] = min(values["repealed"], in_force[item.key] + values["issued"])
            values["in_force"] = in_force[item.key] + values["issued"] - values["repealed"]
        active[item.key] = values if len(values) > 1 else next(iter(values.values()))
    return active


FIRST_YEAR = 2019  # the first year of the current templates: nothing is carried into it


def template_for(year: int) -> str:
    """The template an agency uses for ``year`` (国办公开办函〔2021〕30号 from 2021 on)."""
    return "2021" if year >= 2021 else "2019"


@functools.lru_cache(maxsize=4096)
def _tables(seed: int, agency: str, year: int, template: str) -> tuple[dict, dict]:
    """Tables 二 and 三 of a balanced report, chained to the same agency's previous year."""
    carried, in_force = None, None
    if year > FIRST_YEAR:
        last_template = template_for(year - 1)
        last_active, last_apps = _tables(seed, agency, year - 1, last_template)
        carried = {k: v for k, v in last_apps["carried_forward"].items() if k != "total"}
        if last_template == template == "2021":
            in_force = {k: v["in_force"] for k, v in last_active.items() if isinstance(v, dict) and "in_force" in v}
    rng = random.Random(f"{seed}/{agency}/{year}/{template}/tables")
    return _active(rng, template, in_force), _applications(rng, template, carried)


def _break_rule(rng: random.Random, report: dict) -> str:
    """Break exactly one consistency rule, keeping every other one true; return its name."""
    rule = rng.choice(sorted(RULES))
    apps, delta = report["applications"], rng.randint(1, 5)
    column = rng.choice(_applicant_keys())
    if rule == "applications_balance":  # more came in than went out; row total kept
        apps["new"][column] += delta
        apps["new"]["total"] += delta
    elif rule == "applicant_total":  # both sides of the balance grow, their 总计 do not
        apps["new"][column] += delta
        apps["carried_forward"][column] += delta
    elif rule == "processed_total":  # a result row grows, 三（七） does not
        apps["granted"][column] += delta
        apps["granted"]["total"] += delta
    else:
        group = rng.choice(list(report["review_litigation"]))
        report["review_litigation"][group]["total"] += delta
    return rule


def _blank_zeros(rng: random.Random, report: dict) -> list[list[str | None]]:
    """Leave some zero cells blank, as agencies do; a blank is null, never 0. Returns
    each blanked cell as [table, row, column] (column None for a bare table-二 value)."""
    spots: list[list[str | None]] = [[table, row, column] for table in ("applications", "review_litigation")
                                     for row, values in report[table].items()
                                     for column, value in values.items() if value == 0]
    picked = rng.sample(spots, min(len(spots), rng.randint(3, 12)))
    for table, row, column in picked:
        report[table][row][column] = None
    bare = [key for key, value in report["active"].items() if value == 0 and not isinstance(value, float)]
    for key in bare[:1]:
        report["active"][key] = None
        picked.append(["active", key, None])
    return picked


def _count(value: int | None) -> int:
    return value or 0


def _sentences(rng: random.Random, pools: tuple[tuple[str, ...], ...]) -> str:
    """One clause from each pool, joined into a sentence."""
    return "，".join(rng.choice(pool) for pool in pools) + "。"


def _sections(rng: random.Random, report: dict) -> dict[str, list[str]]:
    """The prose of sections 一, 五 and 六, its numbers agreeing with the tables."""
    agency, year, apps = report["agency"], report["year"], report["applications"]
    received = _count(apps["new"]["total"])
    applications = (
        f"{year}年，共收到政府信息公开申请{received}件，上年结转{_count(apps['carried_over']['total'])}件，"
        f"办结{_count(apps['processed_total']['total'])}件，结转下年度继续办理"
        f"{_count(apps['carried_forward']['total'])}件。" if received else f"{year}年，未收到政府信息公开申请。")
    licensing = report["active"]["licensing"]
    decisions = licensing if not isinstance(licensing, dict) else licensing["decisions"]
    fee_note = ("本年度未收取政府信息公开信息处理费。" if report["format"] == "2021"
                else "无。")
    return {
        "overview": [
            rng.choice(OVERVIEW).format(agency=agency, year=year) + "，" + _sentences(rng, PROSE_SLOTS[:2]),
            "（一）主动公开政府信息情况",
            f"全年通过门户网站主动公开政府信息{rng.randint(20, 900)}条，作出行政许可决定{_count(decisions)}件。"
            + _sentences(rng, PROSE_SLOTS[4:6]),
            "（二）依申请公开政府信息情况",
            applications + _sentences(rng, PROSE_SLOTS[6:7]),
            "（三）政府信息管理情况",
            _sentences(rng, PROSE_SLOTS[2:4]),
            "（四）监督保障情况",
            _sentences(rng, PROSE_SLOTS[7:]),
        ],
        "problems": [_sentences(rng, PROBLEMS)],
        "other_matters": [fee_note],
    }


def sample_report(seed: int, *, agency: str, year: int, template: str = "2021", balanced: bool = True,
                  blanks: bool = False) -> dict:
    """A report as an agency would fill it in: INTERFACE section-3 keys plus ``sections``
    (prose), ``broken_rule`` (the one rule an unbalanced sample breaks, else None) and
    ``blank_cells``. Deterministic by its arguments."""
    if template not in T.TEMPLATES:
        raise ValueError(f"unknown template {template!r}")
    rng = random.Random(f"{seed}/{agency}/{year}/{template}")
    report: dict[str, Any] = {
        "agency": agency, "year": year, "title": rng.choice(TITLES).format(agency=agency, year=year),
        "format": template, **dict(zip(("active", "applications"), copy.deepcopy(_tables(seed, agency, year, template)))),
        "review_litigation": _review(rng),
    }
    report["broken_rule"] = None if balanced else _break_rule(rng, report)
    report["blank_cells"] = _blank_zeros(rng, report) if blanks else []
    report["sections"] = _sections(rng, report)
    report["signed"] = f"{year + 1}年1月{rng.randint(5, 28)}日"
    return report


# --- one layout for every format ----------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """A table cell as the template prints it, spanning rows and columns like HTML's td."""

    text: str
    rowspan: int = 1
    colspan: int = 1


Table = list[list[Cell]]


def show(value: int | float | None) -> str:
    """A value as printed: blank for null, 万元 without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def _spread(texts: list[str], width: int) -> list[Cell]:
    """Cells of a table-二 row; the last one spans the columns the item does not use."""
    return [*(Cell(t) for t in texts[:-1]), Cell(texts[-1], colspan=width - len(texts) + 1)]


def active_table(report: dict) -> Table:
    items = {item.key: item for item in T.active_items(report["format"])}
    rows: Table = []
    for article, keys in ARTICLE_ITEMS[report["format"]]:
        columns = items[keys[0]].columns
        rows.append([Cell(f"第二十条第（{article}）项", colspan=ACTIVE_WIDTH)])
        rows.append(_spread([CONTENT_HEADER, *(c.label for c in columns)], ACTIVE_WIDTH))
        for key in keys:
            value = report["active"][key]
            values = [value[c.key] for c in columns] if isinstance(value, dict) else [value]
            rows.append(_spread([items[key].label, *map(show, values)], ACTIVE_WIDTH))
    return rows


def _section_label(key: str) -> str:
    return next(s.label for s in T.APPLICATION_SECTIONS if s.key == key)


def applications_table(report: dict) -> Table:
    """Table 三 with the official merges: the note over three header rows, 申请人情况 and
    法人或其他组织 across their columns, 三、本年度办理结果 down every result row."""
    columns = T.APPLICANT_COLUMNS
    rows: Table = [
        [Cell(BALANCE_NOTE, rowspan=3, colspan=3), Cell(APPLICANT_HEADER, colspan=len(columns))],
        [Cell(columns[0].label, rowspan=2), Cell(ORGANISATION_HEADER, colspan=len(columns) - 2),
         Cell(columns[-1].label, rowspan=2)],
        [Cell(c.label) for c in columns[1:-1]],
    ]
    fields = T.application_rows(report["format"])
    results = [f for f in fields if f.label.startswith("三（")]
    groups = [f.key.partition(".")[0] for f in results if "." in f.key]
    for field in fields:
        cells: list[Cell] = []
        if field is results[0]:
            cells.append(Cell(RESULTS_HEADER, rowspan=len(results)))
        group, dot, _ = field.key.partition(".")
        if dot and field.key == next(f.key for f in results if f.key.startswith(group + ".")):
            cells.append(Cell(_section_label(group), rowspan=groups.count(group)))
        if dot:
            cells.append(Cell(re.sub(r"^三（.）", "", field.label)))
        elif field in results:
            cells.append(Cell(field.label[1:] + ROW_NOTES.get(field.key, ""), colspan=2))
        else:
            cells.append(Cell(field.label, colspan=3))
        values = report["applications"][field.key]
        rows.append(cells + [Cell(show(values[c.key])) for c in columns])
    return rows


def review_table(report: dict) -> Table:
    """Table 四: 行政复议 over five columns, 行政诉讼 over two groups of five."""
    columns = T.REVIEW_COLUMNS
    heads = [g.label.split("·") for g in T.REVIEW_GROUPS]
    top = list(dict.fromkeys(h[0] for h in heads))
    first = [Cell(name, colspan=len(columns) * sum(h[0] == name for h in heads)) for name in top]
    second: list[Cell] = []
    for head in heads:
        if len(head) == 1:
            second += [Cell(c.label, rowspan=2) for c in columns]
        else:
            second.append(Cell(head[1], colspan=len(columns)))
    third = [Cell(c.label) for head in heads if len(head) > 1 for c in columns]
    numbers = [Cell(show(report["review_litigation"][g.key][c.key])) for g in T.REVIEW_GROUPS for c in columns]
    return [first, second, third, numbers]


TABLES = {"active": active_table, "applications": applications_table, "review_litigation": review_table}


def blocks(report: dict) -> list[tuple[str, Any]]:
    """The document in reading order: ("title"|"heading"|"paragraph"|"signature", text)
    or ("table", Table)."""
    out: list[tuple[str, Any]] = [("title", report["title"])]
    for section in T.SECTIONS:
        out.append(("heading", section.label))
        out += [("paragraph", text) for text in report["sections"].get(section.key, [])]
        if section.key in TABLES:
            out.append(("table", TABLES[section.key](report)))
    out += [("signature", report["agency"]), ("signature", report["signed"])]
    return out


Placed = tuple[Cell, int, int]  # the cell covering a position, and its top-left position


def place(table: Table) -> list[list[Placed]]:
    """The grid of a table: every position with the cell covering it (HTML's algorithm)."""
    covered: dict[tuple[int, int], Placed] = {}
    for r, row in enumerate(table):
        c = 0
        for cell in row:
            while (r, c) in covered:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    covered[(r + dr, c + dc)] = (cell, r, c)
            c += cell.colspan
    height = max(r for r, _ in covered) + 1
    width = max(c for _, c in covered) + 1
    return [[covered[(r, c)] for c in range(width)] for r in range(height)]


def printed_rows(table: Table, expand: bool) -> list[list[str]]:
    """A table's rows of text: a merged cell's text in every position it covers
    (``expand``, as parsers hand rows to ``parsers.grid``) or only in its first."""
    return [[cell.text if expand or (r, c) == (top, left) else "" for c, (cell, top, left) in enumerate(row)]
            for r, row in enumerate(place(table))]


def document_rows(report: dict) -> list[list[str]]:
    """The whole document as ``parsers.grid.fill_tables`` takes it: a paragraph is a
    one-cell row, a table row its cells with merged cells expanded."""
    rows: list[list[str]] = []
    for kind, content in blocks(report):
        rows += printed_rows(content, expand=True) if kind == "table" else [[content]]
    return rows


# --- HTML -----------------------------------------------------------------------------------

def html_table(table: Table) -> str:
    rows = []
    for row in table:
        cells = []
        for cell in row:
            spans = "".join(f' {name}="{n}"' for name, n in (("rowspan", cell.rowspan), ("colspan", cell.colspan)) if n > 1)
            cells.append(f'<td{spans} valign="middle"><p style="text-align:center"><span style="font-family:仿宋">'
                         f'{html.escape(cell.text)}</span></p></td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ('<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse">'
            "<tbody>" + "\n".join(rows) + "</tbody></table>")


HTML_BLOCKS = {
    "title": lambda text: f'<p style="text-align:center"><strong>{html.escape(text)}</strong></p>',
    "heading": lambda text: f'<p style="text-indent:2em"><strong>{html.escape(text)}</strong></p>',
    "paragraph": lambda text: f'<p style="text-indent:2em">{html.escape(text)}</p>',
    "signature": lambda text: f'<p style="text-align:right">{html.escape(text)}</p>',
    "table": html_table,
}


def _chrome(report: dict, body: str, pub_date: str | None) -> str:
    """Navigation, breadcrumbs, the 发布日期 line and a footer around the article."""
    nav = "".join(f'<li><a href="/col/col{100 + i}/index.html">{name}</a></li>' for i, name in enumerate(SITE_NAV))
    info = f"发布日期：{pub_date}　" if pub_date else ""
    return (
        f'<div class="header"><div class="logo">{html.escape(report["agency"])}</div><ul class="nav">{nav}</ul></div>\n'
        '<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/col/col105/index.html">政府信息公开年报</a></div>\n'
        f'<div class="article"><h1 class="title">{html.escape(report["title"])}</h1>\n'
        f'<div class="info">{info}来源：{html.escape(report["agency"])}　浏览次数：<span id="hits">128</span>'
        '　【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>\n'
        f'<div class="content" id="zoom">{body}</div></div>\n'
        '<div class="footer"><p><a href="#">网站地图</a> | <a href="#">联系我们</a></p>'
        '<p>主办单位：县人民政府办公室　网站标识码：4102230001　豫ICP备00000000号</p></div>'
    )


def render_html(report: dict, *, encoding: str = "utf-8", declare_charset: bool = True, page_chrome: bool = True,
                pub_date: str | None = None) -> bytes:
    """A portal article page: meta tags of the government-website guideline, the report
    as paragraphs and real tables with merged cells, and (``page_chrome``) the site around it."""
    body = "\n".join(HTML_BLOCKS[kind](content) for kind, content in blocks(report))
    meta = [f'<meta http-equiv="Content-Type" content="text/html; charset={encoding}">'] if declare_charset else []
    meta += [f'<meta name="ArticleTitle" content="{html.escape(report["title"])}">',
             '<meta name="ColumnName" content="政府信息公开年报">',
             f'<meta name="ContentSource" content="{html.escape(report["agency"])}">']
    if pub_date:
        meta.append(f'<meta name="PubDate" content="{html.escape(pub_date)}">')
    page = (f'<!DOCTYPE html>\n<html><head>{"".join(meta)}<title>{html.escape(report["title"])}</title></head>\n<body>'
            + (_chrome(report, body, pub_date) if page_chrome else body) + "</body></html>\n")
    return page.encode(encoding, errors="xmlcharrefreplace")


# --- Word ---------------------------------------------------------------------------------

# Column widths (cm) of each table as the Word template sets them: a narrow first column
# of table 三 prints 三、本年度办理结果 one character per line.
_WIDTHS = {"active": [4.4] + [3.8] * 3, "applications": [1.0, 2.4, 4.4] + [1.2] * 7, "review_litigation": [1.06] * 15}
_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class WordLayout:
    """How a clerk's copy of the template departs from the tidy one (``report["word"]``):
    a narrower row-label column of table 三 wraps long labels onto two or three lines,
    ``1.`` and ``1、`` alternate down the items, page numbers ``- N -`` sit in the footer
    (between the rows of a table that breaks across pages, once exported to PDF)."""

    label_cm: float = 4.4
    mixed_numbering: bool = False
    page_numbers: bool = False


TIDY = WordLayout()


def _renumbered(table: Table) -> Table:
    """Every other numbered item written ``1、`` instead of ``1.``."""
    return [[Cell(re.sub(r"^(\d)\.", r"\1、", cell.text), cell.rowspan, cell.colspan) if r % 2 else cell
             for cell in row] for r, row in enumerate(table)]


def _page_number_footer(section: Any) -> None:
    """``- N -`` centred in the footer, N a PAGE field as Word and WPS insert it."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("- ")
    field = paragraph._p.makeelement(qn("w:fldSimple"), {qn("w:instr"): "PAGE"})
    run = field.makeelement(qn("w:r"), {})
    text = run.makeelement(qn("w:t"), {})
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" -")


def _docx_table(document: Any, table: Table, widths: list[float]) -> None:
    grid = place(table)
    word = document.add_table(rows=len(grid), cols=len(grid[0]))
    word.style, word.alignment, word.autofit = "Table Grid", WD_TABLE_ALIGNMENT.CENTER, False
    # Cells taken once from the XML: Table.cell() rebuilds the whole grid on every call.
    cells = [[_Cell(tc, word) for tc in tr.tc_lst] for tr in word._tbl.tr_lst]
    for column, width in zip(word.columns, widths):
        column.width = Cm(width)
    for row in cells:
        for cell, width in zip(row, widths):
            cell.width = Cm(width)
    for r, row in enumerate(grid):
        for c, (cell, top, left) in enumerate(row):
            if (r, c) != (top, left):
                continue
            target = cells[r][c]
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(cells[r + cell.rowspan - 1][c + cell.colspan - 1])
            target.text = cell.text
            target.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _docx_paragraph(document: Any, kind: str, text: str) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    if kind == "title":
        paragraph.alignment, run.bold, run.font.size = WD_ALIGN_PARAGRAPH.CENTER, True, Pt(18)
    elif kind == "heading":
        run.bold = True
    elif kind == "signature":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if kind in ("heading", "paragraph"):
        paragraph.paragraph_format.first_line_indent = Pt(24)


def _fixed_zip(data: bytes) -> bytes:
    """The same package with fixed member times, so equal reports give equal bytes (and
    the conversion cache, keyed by content, hits)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, _FIXED_ZIP_TIME), source.read(info),
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def render_docx(report: dict) -> bytes:
    """A Word file as agencies fill in the template: paragraphs, and tables whose header
    cells are merged (cell.merge), 三、本年度办理结果 merged down its rows; laid out as
    ``report["word"]`` (a ``WordLayout``) says, tidy by default."""
    document = Document()
    page = document.sections[0]
    page.page_width, page.page_height = Cm(21), Cm(29.7)
    page.left_margin = page.right_margin = Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "仿宋", Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋")
    document.core_properties.author = report["agency"]
    document.core_properties.title = report["title"]
    layout: WordLayout = report.get("word", TIDY)
    if layout.page_numbers:
        _page_number_footer(page)
    tables = iter(TABLES)
    for kind, content in blocks(report):
        if kind == "table":
            key = next(tables)
            widths = _WIDTHS[key] if key != "applications" else [1.0, 2.4, layout.label_cm] + [1.2] * 7
            _docx_table(document, _renumbered(content) if layout.mixed_numbering else content, widths)
        else:
            _docx_paragraph(document, kind, content)
    document.core_properties.modified = document.core_properties.created
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


# --- PDF and DOC through LibreOffice, cached by content -----------------------------------

_EXTENSIONS = {"pdf": "pdf", "doc": 'doc:MS Word 97'}


def cache_path(docx_data: bytes, fmt: str) -> Path:
    """Where the conversion of these exact bytes to ``fmt`` is kept."""
    return CACHE_DIR / f"{hashlib.sha256(docx_data).hexdigest()}.{fmt.partition(':')[0]}"


def convert_many(docx_files: list[Path], fmt: str, outdir: Path) -> list[Path]:
    """Convert Word files with one LibreOffice run (it takes seconds to start); a file
    converted before, anywhere, comes from the cache. Returns the outputs in order."""
    ext = fmt.partition(":")[0]
    outdir.mkdir(parents=True, exist_ok=True)
    cached = [cache_path(Path(f).read_bytes(), fmt) for f in docx_files]
    missing = [(f, c) for f, c in zip(docx_files, cached) if not c.exists()]
    if missing:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="nianbao-convert-") as work:
            inputs = []
            for index, (source, _) in enumerate(missing):
                inputs.append(Path(work) / f"d{index}.docx")
                shutil.copyfile(source, inputs[-1])
            soffice_convert(inputs, fmt, Path(work), timeout=30 + 3 * len(inputs))
            for path, (_, cache) in zip(inputs, missing):
                produced = path.with_suffix("." + ext)
                if not produced.exists():
                    raise RuntimeError(f"LibreOffice did not convert {path.name} to {ext}")
                partial = cache.with_suffix(f".{os.getpid()}.part")
                shutil.copyfile(produced, partial)
                os.replace(partial, cache)
    outputs = []
    for source, cache in zip(docx_files, cached):
        outputs.append(outdir / (Path(source).stem + "." + ext))
        shutil.copyfile(cache, outputs[-1])
    return outputs


def export_many(reports: list[dict], fmt: str) -> list[bytes]:
    """Each report exported by LibreOffice (``pdf`` or ``doc``) in one batch."""
    with tempfile.TemporaryDirectory(prefix="nianbao-export-") as work:
        files = []
        for index, report in enumerate(reports):
            files.append(Path(work) / f"r{index}.docx")
            files[-1].write_bytes(render_docx(report))
        return [path.read_bytes() for path in convert_many(files, _EXTENSIONS[fmt], Path(work) / "out")]


def render_pdf(report: dict) -> bytes:
    """The PDF LibreOffice exports from ``render_docx``, as agencies export from Word."""
    return export_many([report], "pdf")[0]


def render_doc(report: dict) -> bytes:
    """The Word 97 file LibreOffice saves from ``render_docx``."""
    return export_many([report], "doc")[0]


# --- plain text ----------------------------------------------------------------------------

def _cells_rows(table: Table) -> list[str]:
    """One label cell per line, a row's numbers together on one line (``0 0 0``), as
    pdftotext gives a table; a blank number is written ``—`` so it keeps its place."""
    lines = []
    for r, row in enumerate(place(table)):
        printed = [cell for c, (cell, top, left) in enumerate(row) if (r, c) == (top, left)]
        lines += [cell.text for cell in printed if not _is_value_cell(cell)]
        values = [cell.text or "—" for cell in printed if _is_value_cell(cell)]
        if values:
            lines.append(" ".join(values))
    return lines


def _is_value_cell(cell: Cell) -> bool:
    return cell.text == "" or bool(re.fullmatch(r"-?\d+(\.\d+)?", cell.text))


def _markdown_rows(table: Table) -> list[str]:
    rows = printed_rows(table, expand=False)
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    return [lines[0], "|" + "---|" * len(rows[0]), *lines[1:]]


_TEXT_TABLES = {
    "tabs": lambda table: ["\t".join(row) for row in printed_rows(table, expand=False)],
    "cells": _cells_rows,
    "markdown": _markdown_rows,
}
_MARKDOWN_PREFIX = {"title": "# ", "heading": "## "}


def render_txt(report: dict, layout: str = "tabs") -> bytes:
    """The report as text copied out of a page or a PDF: ``tabs`` (tab-separated rows),
    ``cells`` (one cell per line, a row's numbers on their own line) or ``markdown``."""
    if layout not in _TEXT_TABLES:
        raise ValueError(f"unknown layout {layout!r}")
    lines: list[str] = []
    for kind, content in blocks(report):
        if kind == "table":
            lines += ["", *_TEXT_TABLES[layout](content), ""]
        else:
            prefix = _MARKDOWN_PREFIX.get(kind, "") if layout == "markdown" else ""
            lines += [prefix + content, ""] if layout != "tabs" else [prefix + content]
    return ("\n".join(lines) + "\n").encode("utf-8")

