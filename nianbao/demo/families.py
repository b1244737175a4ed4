"""How each CMS family prints its pages: where it puts lists, articles and attachments
(Hanweb, TRS, VSB, a legacy GB2312 site, a JavaScript-only portal), and the ``FAMILIES``
table the builder picks a site's family from by name."""

from __future__ import annotations

import html
import json
import random
from typing import Iterable
from urllib.parse import quote

from nianbao.demo.site import Page, Site


def render_page(title: str, body: str, *, charset: str = "utf-8", meta: str = "", script: str = "") -> bytes:
    return (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"{meta}<title>{html.escape(title)}</title>{script}</head><body>{body}</body></html>"
            ).encode(charset, errors="xmlcharrefreplace")


def render_links(items: Iterable[tuple[str, str, str]]) -> str:
    return "".join(f'<li><a href="{href}" title="{html.escape(t)}" target="_blank">{html.escape(t)}</a>'
                   f"<span>{d}</span></li>" for href, t, d in items)


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
        self.site.pages[self.column_path] = Page(render_page("政府信息公开年报", f"<h2>政府信息公开年报</h2>{store}"))
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
            body = (f"<h2>政府信息公开年报</h2><ul>{render_links(relative)}</ul>"
                    f'<script>createPageHTML({len(chunks)}, {number}, "index", "htm");</script>')
            path = "/xxgk/ndbg/index.htm" if number == 0 else f"/xxgk/ndbg/index_{number}.htm"
            self.site.pages[path] = Page(render_page("政府信息公开年报", body), fail_once=number == 1)
        nav = '<a href="/xxgk/">政府信息公开</a> <a href="/zwdt/">政务动态</a> <a href="/hdjl/">互动交流</a>'
        self.site.pages["/"] = Page(render_page(f"{self.site.county}人民政府", f"<div>{nav}</div>"))
        catalogue = ('<a href="/xxgk/zn/index.htm">政府信息公开指南</a> <a href="/xxgk/zd/index.htm">政府信息公开制度</a> '
                     '<a href="/xxgk/ndbg/index.htm">政府信息公开年报</a>')
        self.site.pages["/xxgk/"] = Page(render_page("政府信息公开", catalogue))
        self.site.pages["/zwdt/"] = Page(render_page("政务动态", "<p>新闻</p>"))
        self.site.pages["/hdjl/"] = Page(render_page("互动交流", "<p>留言</p>"))


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
            self.site.pages[here] = Page(render_page("信息公开年度报告", f"<ul>{render_links(relative)}</ul>{pager}"))


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
        self.site.pages[self.column_path] = Page(render_page("政务公开年报", f"<table>{rows}</table>", charset="gb2312"),
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
        shell = render_page("政务公开", '<div id="app"></div><script src="/static/app.js"></script>')
        self.site.pages["/"] = Page(shell)
        self.site.pages["/detail.html"] = Page(shell)
        self.site.pages["/static/app.js"] = Page(SPA_SCRIPT.encode(), "application/javascript")
        items = [{"id": int(h.rpartition("=")[2]), "title": t, "date": d} for h, t, d in entries]
        self.site.pages["/api/list.json"] = Page(json.dumps({"column": "政府信息公开年报", "items": items},
                                                            ensure_ascii=False).encode(), "application/json")


FAMILIES: dict[str, type[Family]] = {f.name: f for f in (Hanweb, Trs, Vsb, Legacy, Spa)}
