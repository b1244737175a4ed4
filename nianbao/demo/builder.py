"""Building a world: each report's page and attachment in its family's style, the decoys,
list pages and robots.txt, what the crawler must find, and how to rebuild a report later.
The worlds themselves (which counties, which reports) are in ``nianbao.demo.counties``."""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable

from nianbao.demo import documents as D
from nianbao.demo.families import FAMILIES, Family, render_links, render_page
from nianbao.demo.site import Page, Site
from nianbao.demo.world import World

if TYPE_CHECKING:
    from nianbao.demo.variety import Style

MIME = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
}
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


@dataclass
class Planned:
    """One report as a site publishes it."""

    agency_id: str
    agency: str
    year: int
    file_type: str
    published: str
    source: str | None  # where the crawler must find the date: meta, page, url; None: nowhere
    balanced: bool = True
    hidden: bool = False  # behind robots.txt: must NOT be found
    style: Style | None = None  # how the page departs from the tidy one (nianbao.demo.variety)


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
    return render_page(title, body, charset=charset, meta=_meta(planned, title))


def _report_html(report: dict, planned: Planned, charset: str = "utf-8") -> bytes:
    """A report printed inline on its article page, its date where ``planned.source`` says."""
    page = D.render_html(report, encoding=charset, pub_date=None).decode(charset)
    if planned.source == "meta":
        page = page.replace("<title>", f'<meta name="PubDate" content="{planned.published} 10:00"><title>', 1)
    elif planned.source == "page":
        label = "发布时间" if planned.year % 2 else "发布日期"
        page = page.replace('<div class="info">', f'<div class="info">{label}：{planned.published}　', 1)
    return page.encode(charset, errors="xmlcharrefreplace")


@dataclass
class County:
    site: str
    family: str
    name: str  # 尉氏县
    code: str
    region: str
    agencies: list[tuple[str, str, str]]  # (id suffix, name, type)


class Builder:
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
                self.expected[(plan.agency_id, plan.year)] = (plan.published if plan.source else None, plan.source)
        for title, published, kind in decoys:
            entries.append(self.decoy(family, title, published, kind))
        entries.sort(key=lambda e: e[2], reverse=True)
        hidden = [e for e in entries if e[0].startswith("/private/")]
        site.pages["/robots.txt"] = Page(ROBOTS, "text/plain")
        if hidden:
            site.pages["/private/index.html"] = Page(render_page("内部", f"<ul>{render_links(hidden)}</ul>"))

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
            if plan.style:
                plan.style.dress(report, plan)
            title_holder["title"] = report["title"]
            modified = datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(days=seed)
            if family.name == "spa":
                self._spa_article(site, path, report, plan, attachment)
            elif attachment is None:
                body = plan.style.page(report, plan, site, path) if plan.style else _report_html(report, plan, family.charset)
                site.pages[path] = Page(body, MIME["html"].replace("utf-8", family.charset), document=True, modified=modified)
            else:
                link = f'<p>附件：<a href="{html.escape(attachment[0])}">{html.escape(report["title"])}.{plan.file_type}</a></p>'
                content = f"<p>{html.escape(report['title'])}</p>{link}"
                site.pages[path] = Page(plan.style.article(report, plan, content) if plan.style else
                                        _article(report["title"], plan, content, charset=family.charset,
                                                 label="发布时间" if family.name == "vsb" else "发布日期"),
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
        return path, title_holder["title"], plan.published if plan.source else ""  # an undated page is listed undated

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
        return World(self.sites, self.agencies, self.expected, years, as_of, self.seed, _rebuild=self.rebuild,
                     _places=self.places, _relist=self.relist)
