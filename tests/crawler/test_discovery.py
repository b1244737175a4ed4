"""Discovery on pages shaped like each CMS family's, without a network: which links are
lists, reports, attachments, and which pages need a browser."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from crawler.discovery import discover, needs_render
from crawler.discovery.families import FAMILIES
from crawler.pages import published, url_date


def page(url: str, body: str, charset: str = "utf-8") -> HtmlResponse:
    return HtmlResponse(url, body=body.encode(charset), encoding=charset)


def kinds(response: HtmlResponse, allow_nav: bool = True) -> set[tuple[str, str]]:
    return {(link.kind, link.url) for link in discover(response, FAMILIES, allow_nav)}


def test_hanweb_datastore_records_and_post_pages() -> None:
    body = ('<script type="text/xml"><datastore><recordset><record><![CDATA[<li><a href="/art/2024/1/22/art_1229_881.html"'
            ' title="某县2023年政府信息公开工作年度报告">某县2023年…</a></li>]]></record></recordset></datastore></script>'
            "<script>$('#1').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp',perPage:15,totalRecord:40,columnid:1229});"
            "</script>")
    links = discover(page("http://a.test/col/col1229/index.html", body), FAMILIES, True)
    assert ("report", "http://a.test/art/2024/1/22/art_1229_881.html") in {(l.kind, l.url) for l in links}
    posts = [l.url.split("?")[1] for l in links if l.method == "POST"]
    assert posts == ["startrecord=16&endrecord=60&perpage=15"]
    assert not needs_render(page("http://a.test/col/col1229/index.html", body))


def test_trs_create_page_html() -> None:
    body = '<a href="./202401/t20240120_865727.htm">某县2023年度政府信息公开工作报告</a><script>createPageHTML(3, 0, "index", "htm");</script>'
    assert kinds(page("http://b.test/xxgk/ndbg/index.htm", body)) == {
        ("report", "http://b.test/xxgk/ndbg/202401/t20240120_865727.htm"),
        ("list", "http://b.test/xxgk/ndbg/index_1.htm"), ("list", "http://b.test/xxgk/ndbg/index_2.htm")}


def test_vsb_download_without_extension_and_countdown_pager() -> None:
    body = ('<a href="/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid=77">附件1</a>'
            '<span class="p_next"><a href="ndbg/2.htm">下页</a></span><a href="http://elsewhere.test/x.pdf">x.pdf</a>')
    assert kinds(page("http://c.test/xxgk/ndbg.htm", body)) == {
        ("attachment", "http://c.test/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid=77"),
        ("list", "http://c.test/xxgk/ndbg/2.htm")}  # the other host's file is not followed


def test_home_page_leads_to_the_column_within_the_depth() -> None:
    body = '<a href="/xxgk/">政府信息公开</a><a href="/news/">新闻</a><a href="/zn/">政府信息公开指南</a>'
    assert kinds(page("http://d.test/", body)) == {("nav", "http://d.test/xxgk/")}
    assert kinds(page("http://d.test/", body), allow_nav=False) == set()


def test_legacy_gbk_page() -> None:
    body = ('<meta charset="gb2312"><a href="ShowArticle.asp?ArticleID=101">某县民政局2023年政府信息公开年报</a>'
            '<a href="/UploadFiles/202401/1.doc">下载</a>')
    assert kinds(page("http://e.test/ShowClass.asp?ClassID=5", body, "gb2312")) == {
        ("report", "http://e.test/ShowArticle.asp?ArticleID=101"), ("attachment", "http://e.test/UploadFiles/202401/1.doc")}


def test_javascript_shell_needs_a_browser() -> None:
    assert needs_render(page("http://f.test/", '<div id="app"></div><script src="/static/app.js"></script>'))
    assert not needs_render(page("http://f.test/", '<a href="/x">x</a><script>var a=1;</script>'))


def test_published_date_in_order_of_trust() -> None:
    meta = '<meta name="PubDate" content="2024-01-20 10:00"><p>发布日期：2024-01-21</p>'
    assert published(page("http://g.test/art/2024/1/22/art_1_2.html", meta)) == ("2024-01-20", "meta")
    assert published(page("http://g.test/art/2024/1/22/art_1_2.html", "<p>发布时间：2024-01-21</p>")) == ("2024-01-21", "page")
    assert published(page("http://g.test/art/2024/1/22/art_1_2.html", "<p>正文</p>")) == ("2024-01-22", "url")
    assert url_date("http://g.test/xxgk/202401/t20240120_865727.htm") == "2024-01-20"
    written = "<p>成文日期：2024-01-18</p><p>（落款）2024年1月15日</p>"
    assert published(page("http://g.test/art/2024/1/22/art_1_2.html", written)) == ("2024-01-22", "url")
    assert published(page("http://g.test/info/1179/11129.htm", written)) == ("2024-01-18", "written")
    assert published(page("http://g.test/info/1179/11129.htm", "<p>（落款）2024年1月15日</p>")) == (None, None)
    assert published(page("http://g.test/info/1179/11129.htm", "<p>发布日期：202311日</p>")) == (None, None)


def test_attachment_names_in_utf8_and_gbk() -> None:
    from urllib.parse import quote

    from crawler.pages import attachment_name
    assert attachment_name(f"attachment; filename*=UTF-8''{quote('2023年度报告.docx')}") == "2023年度报告.docx"
    gbk = 'attachment; filename="2023年度报告.doc"'.encode("gbk").decode("latin-1")
    assert attachment_name(gbk) == "2023年度报告.doc"


def test_report_titles_as_lists_print_them() -> None:
    body = ('<a href="/a1.htm">洧川镇二〇二三年度政府信息公开工作年度报告</a>'
            '<a href="/a2.htm">尉氏县市场监管局2023年政府信息公开...</a>'       # cut short, no title attribute
            '<a href="/a3.htm">尉氏县2023年政府信息公开工作年度报告解读…</a>'    # a look-alike stays out
            '<a href="/a4.htm">2023年度工作动态…</a>')
    assert kinds(page("http://c.test/list.htm", body), allow_nav=False) == {
        ("report", "http://c.test/a1.htm"), ("report", "http://c.test/a2.htm")}
