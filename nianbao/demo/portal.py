"""The fixture portal: county websites in the CMS styles the crawler supports, served on loopback.

It is the crawler tests' fixture, the crawl benchmark's world and what ``nianbao demo``
crawls. Every report document comes from ``nianbao.demo.documents`` (one generator).

API
---
``demo_world(seed=0) -> World``
    A few counties, one per CMS family (Hanweb, TRS, VSB, JavaScript-only, legacy GBK),
    plus one portal that refuses connections. Reports in HTML, PDF, DOCX and DOC; some
    agencies miss a year, one report is late, one is unbalanced; decoys (工作要点, 公开指南,
    编制通知, 预算, 解读/图解, another county's same-named department, a non-registry agency);
    robots.txt forbidding ``/private/`` (which holds a report the crawler must not see);
    a list page that answers 500 once and then works; a report whose attachment is empty.
``generated_world(portals, reports, seed=0) -> World``
    For the benchmark: ``portals`` sites cycling through the families, ``reports``
    reports spread over their agencies (HTML and DOCX, a few PDF).
``World``
    ``.sites`` (one per portal), ``.agencies`` (registry rows without ``start_url``),
    ``.expected``: {(agency_id, year): (published_at, published_at_source)} the crawler must store,
    ``.years`` ("2022-2024", as ``nianbao crawl --years`` takes it), ``.as_of`` (a date to run the
    monitor with), ``.registry(base_url, path=None) -> list[dict]``: the registry rows, where
    ``base_url`` maps a site name to its root URL (``PortalServer.base_url``, a callable, or a
    dict); written as CSV to ``path`` if given. ``.republish(agency_id, year)`` replaces one
    report's document with a corrected one (new bytes, new ETag and Last-Modified);
    ``.unlist(agency_id, year)`` drops it from the list pages, ``.take_down(agency_id, year)``
    makes its page and file answer 404, ``.restore(agency_id, year)`` undoes both.
``PortalServer(world, host_base=10)``
    One threaded HTTP server per site, each on its own loopback address 127.0.0.N (so the
    crawler's per-host limit applies per portal) and a free port. Context manager, or
    ``start()``/``stop()``. ``.base_url(site_name) -> "http://127.0.0.N:PORT"``,
    ``.base_urls`` {site: url}. ``.log``: every request as (site, method, path, status);
    ``.max_concurrent`` {site: the most requests served at once}; ``.document_downloads(skip=())``:
    how many document bodies (report pages and attachments, and the JSON a JavaScript
    portal draws its report from) were sent with status 200, leaving out the sites in ``skip``.
    Documents carry ETag and Last-Modified and answer conditional requests with 304.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import random
import socket
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import quote

from nianbao.demo import documents as D

REGISTRY_HEADER = ("agency_id", "agency_name", "region_code", "region_name", "agency_type", "start_url", "render")
MIME = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
}
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    document: bool = False  # a report page or attachment: what an incremental crawl must not fetch twice
    fail_once: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    modified: datetime = field(default_factory=lambda: datetime(2025, 1, 1, tzinfo=timezone.utc))

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class Site:
    name: str
    family: str
    county: str
    pages: dict[str, Page] = field(default_factory=dict)
    refuse: bool = False  # nothing listens there: a portal that is down
    unlisted: set[str] = field(default_factory=set)  # article paths the lists leave out
    taken_down: set[str] = field(default_factory=set)  # paths that answer 404


@dataclass
class Planned:
    """One report as a site publishes it."""

    agency_id: str
    agency: str
    year: int
    file_type: str
    published: str
    source: str  # where the crawler must find the date: meta, page, url
    balanced: bool = True
    hidden: bool = False  # behind robots.txt: must NOT be found


@dataclass
class World:
    sites: list[Site]
    agencies: list[dict[str, str]]
    expected: dict[tuple[str, int], tuple[str, str]]
    years: str
    as_of: date
    seed: int = 0
    _rebuild: dict[tuple[str, int], Callable[[int], None]] = field(default_factory=dict, repr=False)
    # Per report: its site, its article path and every path serving it; per site: its list pages' rebuild.
    _places: dict[tuple[str, int], tuple[Site, str, list[str]]] = field(default_factory=dict, repr=False)
    _relist: dict[str, Callable[[], None]] = field(default_factory=dict, repr=False)

    def registry(self, base_url: Callable[[str], str] | Mapping[str, str] | str,
                 path: str | Path | None = None) -> list[dict[str, str]]:
        lookup = base_url if callable(base_url) else (
            base_url.__getitem__ if isinstance(base_url, Mapping) else (lambda _site: base_url))
        rows = []
        for agency in self.agencies:
            row = {k: v for k, v in agency.items() if k not in ("site", "start_path")}
            row["start_url"] = lookup(agency["site"]).rstrip("/") + agency["start_path"]
            rows.append({k: row.get(k, "") for k in REGISTRY_HEADER})
        if path is not None:
            with Path(path).open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, REGISTRY_HEADER)
                writer.writeheader()
                writer.writerows(rows)
        return rows

    def republish(self, agency_id: str, year: int) -> None:
        """A corrected report: same address, new content, newer Last-Modified."""
        self._rebuild[(agency_id, year)](self.seed + 1000)

    def unlist(self, agency_id: str, year: int) -> None:
        """The lists stop linking a report; its page and file still answer."""
        site, article, _ = self._places[(agency_id, year)]
        site.unlisted.add(article)
        self._relist[site.name]()

    def take_down(self, agency_id: str, year: int) -> None:
        """A report's page and file answer 404; the lists still link it."""
        site, _, paths = self._places[(agency_id, year)]
        site.taken_down.update(paths)

    def restore(self, agency_id: str, year: int) -> None:
        """Undo ``unlist`` and ``take_down``."""
        site, article, paths = self._places[(agency_id, year)]
        site.unlisted.discard(article)
        site.taken_down.difference_update(paths)
        self._relist[site.name]()


# --- how each family prints its pages -----------------------------------------------------

def _page(title: str, body: str, *, charset: str = "utf-8", meta: str = "", script: str = "") -> bytes:
    return (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"{meta}<title>{html.escape(title)}</title>{script}</head><body>{body}</body></html>"
            ).encode(charset, errors="xmlcharrefreplace")


def _links(items: Iterable[tuple[str, str, str]]) -> str:
    return "".join(f'<li><a href="{href}" title="{html.escape(t)}" target="_blank">{html.escape(t)}</a>'
                   f"<span>{d}</span></li>" for href, t, d in items)


def _info(planned: Planned | None, label: str = "发布日期") -> str:
    return f'<div class="info">{label}：{planned.published}　来源：本站</div>' if planned and planned.source == "page" else ""


def _meta(planned: Planned | None, title: str) -> str:
    tags = f'<meta name="ArticleTitle" content="{html.escape(title)}"><meta name="ColumnName" content="政府信息公开年报">'
    if planned and planned.source == "meta":
        tags += f'<meta name="PubDate" content="{planned.published} 09:30">'
    return tags


def _article(title: str, planned: Planned | None, content: str, *, charset: str = "utf-8", label: str = "发布日期") -> bytes:
    body = (f'<div class="nav"><a href="/">首页</a></div><div class="article"><h1>{html.escape(title)}</h1>'
            f'{_info(planned, label)}<div class="content" id="zoom">{content}</div></div>')
    return _page(title, body, charset=charset, meta=_meta(planned, title))


def _report_html(report: dict, planned: Planned, charset: str = "utf-8") -> bytes:
    """A report printed inline on its article page, its date where ``planned.source`` says."""
    page = D.render_html(report, encoding=charset, pub_date=None).decode(charset)
    if planned.source == "meta":
        page = page.replace("<title>", f'<meta name="PubDate" content="{planned.published} 10:00"><title>', 1)
    elif planned.source == "page":
        label = "发布时间" if planned.year % 2 else "发布日期"
        page = page.replace('<div class="info">', f'<div class="info">{label}：{planned.published}　', 1)
    return page.encode(charset, errors="xmlcharrefreplace")


class Family:
    """Where a CMS family puts lists, articles and attachments; subclasses fill the pages."""

    name = ""
    charset = "utf-8"
    column_path = "/"
    start_path = ""  # where the registry's start_url points: the column unless set

    def __init__(self, site: Site, rng: random.Random) -> None:
        self.site, self.rng, self.counter = site, rng, rng.randint(100, 900)

    def next_id(self) -> int:
        self.counter += self.rng.randint(1, 40)
        return self.counter

    def article_path(self, published: str) -> str:
        raise NotImplementedError

    def attachment_path(self, published: str, file_type: str) -> tuple[str, dict[str, str]]:
        day = published.replace("-", "")
        return f"/uploads/{day[:6]}/{day}{self.next_id()}.{file_type}", {}

    def list_pages(self, entries: list[tuple[str, str, str]]) -> None:
        raise NotImplementedError


class Hanweb(Family):
    """大汉: /col/col1229/index.html, records in a datastore, more pages by POST to dataproxy.jsp."""

    name, column, perpage = "hanweb", 1229, 6
    column_path = "/col/col1229/index.html"

    def article_path(self, published: str) -> str:
        y, m, d = (int(p) for p in published.split("-"))
        return f"/art/{y}/{m}/{d}/art_{self.column}_{self.next_id()}.html"

    @staticmethod
    def _records(entries: list[tuple[str, str, str]]) -> str:
        return "".join(f'<record><![CDATA[<li><a href="{h}" title="{html.escape(t)}" target="_blank">{html.escape(t)}</a>'
                       f"<span>{d}</span></li>]]></record>" for h, t, d in entries)

    def list_pages(self, entries: list[tuple[str, str, str]]) -> None:
        first = entries[:self.perpage]
        store = (f'<div id="{self.column}"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/'
                 f'dataproxy.jsp?page=1&webid=1&path=/&columnid={self.column}&unitid=4001">]]></nextgroup>'
                 f"<recordset>{self._records(first)}</recordset></datastore></script></div>"
                 f"<script>var unitid='4001';$('#4001').jpage({{dataStore:dataStore,proxyUrl:'/module/web/jpage/"
                 f"dataproxy.jsp',perPage:{self.perpage},totalRecord:{len(entries)},columnid:{self.column}}});</script>")
        self.site.pages[self.column_path] = Page(_page("政府信息公开年报", f"<h2>政府信息公开年报</h2>{store}"))
        step = self.perpage * 3  # Hanweb's list script asks for three pages per call
        for start in range(self.perpage, len(entries), step):
            key = (f"POST /module/web/jpage/dataproxy.jsp?startrecord={start + 1}&endrecord={start + step}"
                   f"&perpage={self.perpage}")
            xml = (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{len(entries)}</totalrecord>'
                   f"<recordset>{self._records(entries[start:start + step])}</recordset></datastore>")
            self.site.pages[key] = Page(xml.encode(), "text/xml; charset=utf-8")


class Trs(Family):
    """TRS: ./202401/t20240120_865727.htm, index_N.htm announced by createPageHTML()."""

    name, perpage = "trs", 3
    column_path, start_path = "/xxgk/ndbg/index.htm", "/"  # start at the home page and find the column

    def article_path(self, published: str) -> str:
        day = published.replace("-", "")
        return f"/xxgk/ndbg/{day[:6]}/t{day}_{self.next_id() * 1000 + 727}.htm"

    def attachment_path(self, published: str, file_type: str) -> tuple[str, dict[str, str]]:
        day = published.replace("-", "")
        return f"/xxgk/ndbg/{day[:6]}/P0{day}{self.next_id():06d}.{file_type}", {}

    def list_pages(self, entries: list[tuple[str, str, str]]) -> None:
        chunks = [entries[i:i + self.perpage] for i in range(0, len(entries), self.perpage)] or [[]]
        for number, chunk in enumerate(chunks):
            relative = [("." + h[len("/xxgk/ndbg"):], t, d) for h, t, d in chunk]
            body = (f"<h2>政府信息公开年报</h2><ul>{_links(relative)}</ul>"
                    f'<script>createPageHTML({len(chunks)}, {number}, "index", "htm");</script>')
            path = "/xxgk/ndbg/index.htm" if number == 0 else f"/xxgk/ndbg/index_{number}.htm"
            self.site.pages[path] = Page(_page("政府信息公开年报", body), fail_once=number == 1)
        nav = '<a href="/xxgk/">政府信息公开</a> <a href="/zwdt/">政务动态</a> <a href="/hdjl/">互动交流</a>'
        self.site.pages["/"] = Page(_page(f"{self.site.county}人民政府", f"<div>{nav}</div>"))
        catalogue = ('<a href="/xxgk/zn/index.htm">政府信息公开指南</a> <a href="/xxgk/zd/index.htm">政府信息公开制度</a> '
                     '<a href="/xxgk/ndbg/index.htm">政府信息公开年报</a>')
        self.site.pages["/xxgk/"] = Page(_page("政府信息公开", catalogue))
        self.site.pages["/zwdt/"] = Page(_page("政务动态", "<p>新闻</p>"))
        self.site.pages["/hdjl/"] = Page(_page("互动交流", "<p>留言</p>"))


class Vsb(Family):
    """博达 VSB: /info/1179/11129.htm, list pages numbered downwards, download.jsp attachments."""

    name, perpage = "vsb", 4
    column_path = "/xxgk/ndbg.htm"

    def article_path(self, published: str) -> str:
        return f"/info/1179/{self.next_id() + 11000}.htm"

    def attachment_path(self, published: str, file_type: str) -> tuple[str, dict[str, str]]:
        file_id = self.next_id() + 5000
        name = f"{published[:4]}年度报告附件.{file_type}"
        if file_id % 2:
            disposition = f"attachment; filename*=UTF-8''{quote(name)}"
        else:
            disposition = f'attachment; filename="{name}"'.encode("gbk").decode("latin-1")
        return (f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1179&wbfileid={file_id}",
                {"Content-Disposition": disposition})

    def list_pages(self, entries: list[tuple[str, str, str]]) -> None:
        chunks = [entries[i:i + self.perpage] for i in range(0, len(entries), self.perpage)] or [[]]
        total = len(chunks)
        for number, chunk in enumerate(chunks):
            # newest page is ndbg.htm, then ndbg/{total-1}.htm down to ndbg/1.htm
            here = "/xxgk/ndbg.htm" if number == 0 else f"/xxgk/ndbg/{total - number}.htm"
            nxt = f"/xxgk/ndbg/{total - number - 1}.htm" if number + 1 < total else None
            relative = [(".." + h if number == 0 else "../.." + h, t, d) for h, t, d in chunk]
            pager = f'<span class="p_next"><a href="{nxt}">下页</a></span>' if nxt else ""
            self.site.pages[here] = Page(_page("信息公开年度报告", f"<ul>{_links(relative)}</ul>{pager}"))


class Legacy(Family):
    """Old ASP sites in GB2312: ShowClass.asp lists, ShowArticle.asp?ArticleID= articles, .doc files."""

    name, charset = "legacy", "gb2312"
    column_path = "/ShowClass.asp?ClassID=5"

    def article_path(self, published: str) -> str:
        return f"/ShowArticle.asp?ArticleID={self.next_id()}"

    def attachment_path(self, published: str, file_type: str) -> tuple[str, dict[str, str]]:
        return f"/UploadFiles/{published[:7].replace('-', '')}/{self.next_id()}.{file_type}", {}

    def list_pages(self, entries: list[tuple[str, str, str]]) -> None:
        rows = "".join(f'<tr><td><a href="{h}">{html.escape(t)}</a></td><td>{d}</td></tr>' for h, t, d in entries)
        self.site.pages[self.column_path] = Page(_page("政务公开年报", f"<table>{rows}</table>", charset="gb2312"),
                                                 "text/html")


SPA_SCRIPT = """
async function draw() {
  const app = document.getElementById('app');
  const id = new URLSearchParams(location.search).get('id');
  if (!id) {
    const list = await (await fetch('/api/list.json')).json();
    app.innerHTML = '<h2>' + list.column + '</h2><ul>' + list.items.map(i =>
      '<li><a href="/detail.html?id=' + i.id + '">' + i.title + '</a><span>' + i.date + '</span></li>').join('') + '</ul>';
    return;
  }
  const a = await (await fetch('/api/article/' + id + '.json')).json();
  document.title = a.title;
  app.innerHTML = '<h1>' + a.title + '</h1><div class="info">发布日期：' + a.date + '</div><div id="zoom">' + a.content + '</div>';
}
draw();
"""


class Spa(Family):
    """A JavaScript-only portal: shells without links, lists and articles drawn from JSON."""

    name = "spa"
    column_path = "/"

    def article_path(self, published: str) -> str:
        return f"/detail.html?id={self.next_id()}"

    def list_pages(self, entries: list[tuple[str, str, str]]) -> None:
        shell = _page("政务公开", '<div id="app"></div><script src="/static/app.js"></script>')
        self.site.pages["/"] = Page(shell)
        self.site.pages["/detail.html"] = Page(shell)
        self.site.pages["/static/app.js"] = Page(SPA_SCRIPT.encode(), "application/javascript")
        items = [{"id": int(h.rpartition("=")[2]), "title": t, "date": d} for h, t, d in entries]
        self.site.pages["/api/list.json"] = Page(json.dumps({"column": "政府信息公开年报", "items": items},
                                                            ensure_ascii=False).encode(), "application/json")


FAMILIES: dict[str, type[Family]] = {f.name: f for f in (Hanweb, Trs, Vsb, Legacy, Spa)}


# --- building a world ---------------------------------------------------------------------------

@dataclass
class County:
    site: str
    family: str
    name: str  # 尉氏县
    code: str
    region: str
    agencies: list[tuple[str, str, str]]  # (id suffix, name, type)


class _Builder:
    """Fills sites with reports, decoys and list pages; remembers how to rebuild each report."""

    def __init__(self, seed: int) -> None:
        self.seed, self.sites, self.agencies = seed, [], []
        self.expected: dict[tuple[str, int], tuple[str, str]] = {}
        self.rebuild: dict[tuple[str, int], Callable[[int], None]] = {}
        self.places: dict[tuple[str, int], tuple[Site, str, list[str]]] = {}
        self.relist: dict[str, Callable[[], None]] = {}
        self.exports: list[tuple[dict, str, Page]] = []  # PDF/DOC made in one LibreOffice batch

    def county(self, county: County, plans: list[Planned], decoys: list[tuple[str, str, str]],
               render: str = "") -> Family:
        site = Site(county.site, county.family, county.name)
        family = FAMILIES[county.family](site, random.Random(f"{self.seed}/{county.site}"))
        self.sites.append(site)
        for suffix, name, kind in county.agencies:
            self.agencies.append({"agency_id": f"{county.code}-{suffix}", "agency_name": name, "region_code": county.code,
                                  "region_name": county.region, "agency_type": kind, "site": county.site,
                                  "start_path": family.start_path or family.column_path, "render": render})
        entries: list[tuple[str, str, str]] = []
        for plan in plans:
            entries.append(self.publish(family, plan))
            if not plan.hidden:
                self.expected[(plan.agency_id, plan.year)] = (plan.published, plan.source)
        for title, published, kind in decoys:
            entries.append(self.decoy(family, title, published, kind))
        entries.sort(key=lambda e: e[2], reverse=True)
        hidden = [e for e in entries if e[0].startswith("/private/")]
        site.pages["/robots.txt"] = Page(ROBOTS, "text/plain")
        if hidden:
            site.pages["/private/index.html"] = Page(_page("内部", f"<ul>{_links(hidden)}</ul>"))

        def relist() -> None:
            family.list_pages([e for e in entries if e not in hidden and e[0] not in site.unlisted])
            if hidden:
                site.pages[family.column_path].body = site.pages[family.column_path].body.replace(
                    b"</body>", b'<a href="/private/index.html">\xe5\xb9\xb4\xe6\x8a\xa5\xe5\xbd\x92\xe6\xa1\xa3</a></body>')

        relist()
        self.relist[site.name] = relist
        return family

    def publish(self, family: Family, plan: Planned) -> tuple[str, str, str]:
        site = family.site
        path = family.article_path(plan.published)
        if plan.hidden:
            path = "/private" + path
        attachment = family.attachment_path(plan.published, plan.file_type) if plan.file_type != "html" else None
        title_holder: dict[str, str] = {}

        def build(seed: int) -> None:
            report = D.sample_report(seed, agency=plan.agency, year=plan.year, balanced=plan.balanced,
                                     template=D.template_for(plan.year))
            title_holder["title"] = report["title"]
            modified = datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(days=seed)
            if family.name == "spa":
                self._spa_article(site, path, report, plan, attachment)
            elif attachment is None:
                site.pages[path] = Page(_report_html(report, plan, family.charset),
                                        MIME["html"].replace("utf-8", family.charset), document=True, modified=modified)
            else:
                link = f'<p>附件：<a href="{html.escape(attachment[0])}">{html.escape(report["title"])}.{plan.file_type}</a></p>'
                site.pages[path] = Page(_article(report["title"], plan, f"<p>{html.escape(report['title'])}</p>{link}",
                                                 charset=family.charset, label="发布时间" if family.name == "vsb" else "发布日期"),
                                        MIME["html"].replace("utf-8", family.charset))
            if attachment is not None:
                page = Page(b"", MIME[plan.file_type], document=True, headers=attachment[1], modified=modified)
                site.pages[attachment[0]] = page
                if plan.file_type == "docx":
                    page.body = D.render_docx(report)
                else:
                    self.exports.append((report, plan.file_type, page))

        build(self.seed)
        self.rebuild[(plan.agency_id, plan.year)] = lambda seed: (build(seed), self.export())
        served = f"/api/article/{path.rpartition('=')[2]}.json" if family.name == "spa" else path
        self.places[(plan.agency_id, plan.year)] = (site, path, [served] + ([attachment[0]] if attachment else []))
        return path, title_holder["title"], plan.published

    def _spa_article(self, site: Site, path: str, report: dict, plan: Planned, attachment: Any) -> None:
        article_id = path.rpartition("=")[2]
        if attachment is None:
            content = D.render_html(report, page_chrome=False).decode()
            content = content.split("<body>", 1)[1].rsplit("</body>", 1)[0]
        else:
            content = f'<p>附件：<a href="{attachment[0]}">{html.escape(report["title"])}.{plan.file_type}</a></p>'
        site.pages[f"/api/article/{article_id}.json"] = Page(json.dumps(
            {"title": report["title"], "date": plan.published, "content": content}, ensure_ascii=False).encode(),
            "application/json", document=attachment is None)

    def decoy(self, family: Family, title: str, published: str, kind: str) -> tuple[str, str, str]:
        """A page that looks like a report from its list entry but is not one."""
        path = family.article_path(published)
        if kind == "report":  # a real report, but of an agency the registry does not hold
            agency = title.split("20")[0]
            report = D.sample_report(self.seed, agency=agency, year=int(published[:4]) - 1)
            report["title"] = title
            plan = Planned("", agency, report["year"], "html", published, "meta")
            body = _report_html(report, plan, family.charset)
        elif kind == "broken":  # a report whose attachment comes back empty
            attachment, headers = family.attachment_path(published, "doc")
            family.site.pages[attachment] = Page(b"", MIME["doc"], headers=headers)
            body = _article(title, None, f'<p>附件：<a href="{html.escape(attachment)}">{html.escape(title)}.doc</a></p>',
                            charset=family.charset)
        else:
            body = _article(title, None, f"<p>{html.escape(title)}。各单位要高度重视，认真组织实施。</p>",
                            charset=family.charset)
        if family.name == "spa":
            article_id = path.rpartition("=")[2]
            text = body.decode(family.charset).split("<body>", 1)[1].rsplit("</body>", 1)[0]
            family.site.pages[f"/api/article/{article_id}.json"] = Page(json.dumps(
                {"title": title, "date": published, "content": text}, ensure_ascii=False).encode(), "application/json")
        else:
            family.site.pages[path] = Page(body, MIME["html"].replace("utf-8", family.charset))
        return path, title, published

    def export(self) -> None:
        """Make the PDF and DOC files waiting, in one LibreOffice run per type (cached by content)."""
        for file_type in ("pdf", "doc"):
            waiting = [(r, p) for r, t, p in self.exports if t == file_type]
            for (_, page), data in zip(waiting, D.export_many([r for r, _ in waiting], file_type) if waiting else []):
                page.body = data
        self.exports.clear()

    def world(self, years: str, as_of: date) -> World:
        self.export()
        return World(self.sites, self.agencies, self.expected, years, as_of, self.seed, self.rebuild, self.places,
                     self.relist)


DEMO_COUNTIES = (
    County("weishi", "hanweb", "尉氏县", "410223", "河南省开封市尉氏县",
           [("gov", "尉氏县人民政府", "government"), ("wjw", "尉氏县卫生健康委员会", "department"),
            ("jyj", "尉氏县教育局", "department"), ("zsz", "尉氏县张市镇人民政府", "township")]),
    County("hanyin", "trs", "汉阴县", "610921", "陕西省安康市汉阴县",
           [("gov", "汉阴县人民政府", "government"), ("wjj", "汉阴县卫生健康局", "department")]),
    County("xiangcheng", "vsb", "襄城县", "411025", "河南省许昌市襄城县",
           [("gov", "襄城县人民政府", "government"), ("jyj", "襄城县教育局", "department")]),
    County("lankao", "spa", "兰考县", "410225", "河南省开封市兰考县",
           [("gov", "兰考县人民政府", "government"), ("czj", "兰考县财政局", "department")]),
    County("qixian", "legacy", "杞县", "410221", "河南省开封市杞县",
           [("gov", "杞县人民政府", "government"), ("mzj", "杞县民政局", "department")]),
)
DOWN = County("tongxu", "hanweb", "通许县", "410222", "河南省开封市通许县", [("gov", "通许县人民政府", "government")])


def demo_world(seed: int = 0) -> World:
    """The demo's counties; what the crawler must find is ``World.expected``."""
    b = _Builder(seed)
    weishi, hanyin, xiangcheng, lankao, qixian = DEMO_COUNTIES
    P = Planned
    b.county(weishi, [
        P("410223-gov", "尉氏县人民政府", 2023, "html", "2024-03-20", "url"),
        P("410223-gov", "尉氏县人民政府", 2024, "pdf", "2025-03-25", "meta"),
        P("410223-wjw", "尉氏县卫生健康委员会", 2023, "html", "2024-01-22", "url", balanced=False),
        P("410223-wjw", "尉氏县卫生健康委员会", 2024, "html", "2025-01-20", "meta"),
        P("410223-jyj", "尉氏县教育局", 2023, "docx", "2024-01-25", "page"),
        P("410223-zsz", "尉氏县张市镇人民政府", 2023, "html", "2024-01-30", "page"),
        P("410223-zsz", "尉氏县张市镇人民政府", 2024, "html", "2025-02-18", "meta"),
    ], [
        ("尉氏县2025年政务公开工作要点", "2025-03-01", "notice"),
        ("尉氏县人民政府信息公开指南", "2024-06-01", "notice"),
        ("关于做好2024年度政府信息公开工作年度报告编制和发布工作的通知", "2025-01-05", "notice"),
        ("尉氏县卫生健康委员会2024年部门预算公开", "2024-02-10", "notice"),
        ("图解：尉氏县2023年政府信息公开工作年度报告", "2024-03-21", "notice"),
        ("通许县卫生健康委员会2023年政府信息公开工作年度报告", "2024-01-18", "report"),
        ("尉氏县自然资源局2023年政府信息公开工作年度报告", "2024-01-19", "report"),
    ])
    b.county(hanyin, [
        P("610921-gov", "汉阴县人民政府", 2023, "html", "2024-03-28", "meta"),
        P("610921-gov", "汉阴县人民政府", 2024, "docx", "2025-03-30", "meta"),
        P("610921-wjj", "汉阴县卫生健康局", 2023, "pdf", "2024-01-26", "meta"),
        P("610921-wjj", "汉阴县卫生健康局", 2024, "html", "2025-01-24", "meta"),
    ], [("汉阴县卫健局2024年政府信息公开工作年度报告解读", "2025-01-25", "notice")])
    b.county(xiangcheng, [
        P("411025-gov", "襄城县人民政府", 2023, "html", "2024-03-15", "page"),
        P("411025-gov", "襄城县人民政府", 2024, "docx", "2025-03-18", "page"),
        P("411025-jyj", "襄城县教育局", 2023, "doc", "2024-01-29", "page"),
        P("411025-jyj", "襄城县教育局", 2024, "html", "2025-01-16", "page", hidden=True),
    ], [("襄城县2024年政府信息公开工作计划", "2024-02-01", "notice")])
    b.county(lankao, [
        P("410225-gov", "兰考县人民政府", 2023, "html", "2024-03-26", "page"),
        P("410225-czj", "兰考县财政局", 2024, "docx", "2025-01-21", "page"),
    ], [])
    b.county(qixian, [
        P("410221-gov", "杞县人民政府", 2023, "doc", "2024-03-22", "page"),
        P("410221-mzj", "杞县民政局", 2023, "html", "2024-01-23", "page"),
        P("410221-mzj", "杞县民政局", 2024, "html", "2025-01-27", "page"),
    ], [("杞县人民政府2024年政府信息公开工作年度报告", "2025-03-28", "broken")])
    b.sites.append(Site(DOWN.site, DOWN.family, DOWN.name, refuse=True))
    b.agencies.append({"agency_id": "410222-gov", "agency_name": "通许县人民政府", "region_code": "410222",
                       "region_name": DOWN.region, "agency_type": "government", "site": DOWN.site,
                       "start_path": "/col/col1229/index.html", "render": ""})
    return b.world("2023-2024", date(2025, 6, 1))


_NAMES = ("人民政府", "卫生健康委员会", "教育局", "财政局", "民政局", "自然资源局", "交通运输局", "农业农村局",
          "市场监督管理局", "人力资源和社会保障局", "住房和城乡建设局", "生态环境局", "公安局", "司法局", "水利局",
          "应急管理局", "文化广电和旅游局", "审计局", "统计局", "退役军人事务局")
_PLACES = "安宁平和永兴长乐清河华阳新丰东源西林南峰北川嘉定临泉宝山青城金川"


def generated_world(portals: int, reports: int, seed: int = 0) -> World:
    """``portals`` counties cycling through the server-rendered families, ``reports``
    reports spread over their agencies and the years 2021 on; every 20th a PDF, every 4th a DOCX."""
    rng = random.Random(seed)
    families = ("hanweb", "trs", "vsb", "legacy")
    per_portal = -(-reports // portals)
    years_needed = max(1, -(-per_portal // 8))
    years = range(2024 - years_needed + 1, 2025)
    b = _Builder(seed)
    made = 0
    for index in range(portals):
        place = _PLACES[(2 * index) % len(_PLACES)] + _PLACES[(2 * index + 1 + index // len(_PLACES)) % len(_PLACES)]
        county_name = f"{place}县"
        code = f"{419000 + index:06d}"
        count = min(per_portal, reports - made)
        agencies_needed = -(-count // len(years)) if count else 1
        names = [("gov" if n == "人民政府" else f"d{i:02d}", county_name + n, "government" if n == "人民政府" else "department")
                 for i, n in enumerate(_NAMES[:agencies_needed])]
        county = County(f"p{index:03d}", families[index % len(families)], county_name, code, f"某省某市{county_name}", names)
        plans = []
        for number in range(count):
            suffix, name, _ = names[number // len(years)]
            year = years[number % len(years)]
            kind = "pdf" if (made + number) % 20 == 7 else "docx" if (made + number) % 4 == 1 else "html"
            if county.family == "legacy" and kind == "docx":
                kind = "html"
            day = date(year + 1, 1, 10) + timedelta(days=rng.randint(0, 60))
            source = {"hanweb": "url", "trs": "meta"}.get(county.family, "page")
            if kind != "html" and source == "url":
                source = "page"
            plans.append(Planned(f"{code}-{suffix}", name, year, kind, day.isoformat(), source))
        made += count
        b.county(county, plans, [(f"{county_name}{years[-1] + 1}年政务公开工作要点", f"{years[-1] + 1}-03-01", "notice")])
    return b.world(f"{years[0]}-{years[-1]}", date(years[-1] + 1, 6, 1))


# --- serving --------------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    server: "_SiteServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    def do_GET(self) -> None:
        self._answer("GET")

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._answer("POST")

    def _lookup(self, method: str) -> Page | None:
        pages = self.server.site.pages
        if method == "POST":
            return pages.get("POST " + self.path)
        if self.path in pages:
            return pages[self.path]
        return pages.get(self.path.partition("?")[0]) if self.server.site.family == "spa" else None

    def _answer(self, method: str) -> None:
        owner = self.server.owner
        # Counted from the request's arrival until its answer is ready: once the answer is on
        # the wire the client may rightly send its next request before this thread runs again.
        owner.enter(self.server.site.name)
        try:
            page = self._lookup(method)
            status, body, headers = self._respond(page, method)
            owner.record(self.server.site.name, method, self.path, status, bool(page and page.document))
        finally:
            owner.leave(self.server.site.name)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(body)

    def _respond(self, page: Page | None, method: str) -> tuple[int, bytes, dict[str, str]]:
        if page is None or self.path in self.server.site.taken_down:
            return 404, b"<html><body>404 Not Found</body></html>", {"Content-Type": "text/html"}
        if page.fail_once and self.server.owner.first_time(self.server.site.name, self.path):
            return 500, b"<html><body>500 Internal Server Error</body></html>", {"Content-Type": "text/html"}
        headers = {"Content-Type": page.content_type, **page.headers}
        if page.document:
            headers.update(ETag=page.etag, **{"Last-Modified": format_datetime(page.modified, usegmt=True)})
            if self.headers.get("If-None-Match") == page.etag:
                return 304, b"", {"ETag": page.etag}
        return 200, page.body, headers


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: Site, owner: "PortalServer") -> None:
        self.site, self.owner = site, owner
        super().__init__(address, _Handler)


class PortalServer:
    """Every site of a world on its own loopback address; see the module docstring."""

    def __init__(self, world: World, host_base: int = 10) -> None:
        self.world, self.host_base = world, host_base
        self.servers: dict[str, _SiteServer] = {}
        self.base_urls: dict[str, str] = {}
        self.log: list[tuple[str, str, str, int]] = []
        self.max_concurrent: dict[str, int] = {}
        self._downloads: dict[str, int] = {}
        self._active: dict[str, int] = {}
        self._failed: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def base_url(self, site: str) -> str:
        return self.base_urls[site]

    def start(self) -> "PortalServer":
        for index, site in enumerate(self.world.sites):
            host = f"127.0.0.{self.host_base + index}"
            if site.refuse:
                with socket.socket() as probe:  # a port nobody listens on once the probe closes
                    probe.bind((host, 0))
                    port = probe.getsockname()[1]
                self.base_urls[site.name] = f"http://{host}:{port}"
                continue
            server = _SiteServer((host, 0), site, self)
            self.servers[site.name] = server
            self.base_urls[site.name] = f"http://{host}:{server.server_address[1]}"
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        self.servers.clear()

    def __enter__(self) -> "PortalServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # bookkeeping the handlers call
    def enter(self, site: str) -> None:
        with self._lock:
            self._active[site] = self._active.get(site, 0) + 1
            self.max_concurrent[site] = max(self.max_concurrent.get(site, 0), self._active[site])

    def leave(self, site: str) -> None:
        with self._lock:
            self._active[site] -= 1

    def first_time(self, site: str, path: str) -> bool:
        with self._lock:
            if (site, path) in self._failed:
                return False
            self._failed.add((site, path))
            return True

    def record(self, site: str, method: str, path: str, status: int, document: bool) -> None:
        with self._lock:
            self.log.append((site, method, path, status))
            if document and status == 200 and method != "HEAD":
                self._downloads[site] = self._downloads.get(site, 0) + 1

    def document_downloads(self, skip: tuple[str, ...] = ()) -> int:
        """Document bodies sent so far, all sites but those in ``skip``."""
        with self._lock:
            return sum(n for site, n in self._downloads.items() if site not in skip)
