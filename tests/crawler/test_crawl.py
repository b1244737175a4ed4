"""End to end: the demo portal on 127.0.0.x, ``nianbao crawl`` as a real subprocess,
real Chromium for the JavaScript portal; assertions on the SQLite it wrote."""

from __future__ import annotations

import subprocess

from nianbao.store import connect
from tests.crawler.conftest import CHANGED, NIANBAO, REPO, Crawled

DECOY_WORDS = ("工作要点", "指南", "通知", "预算", "解读", "图解", "计划")


def _requests(crawled: Crawled, site: str, run: int) -> list[tuple[str, str, int]]:
    start = crawled.logs[run - 1] if run else 0
    return [(m, p, s) for name, m, p, s in crawled.server.log[start:crawled.logs[run]] if name == site]


def test_exactly_the_expected_reports_with_their_dates(crawled: Crawled) -> None:
    rows = connect(crawled.db).execute(
        "select agency_id, year, published_at, published_at_source from reports").fetchall()
    assert {(a, y): (p, s) for a, y, p, s in rows} == crawled.world.expected


def test_every_file_type_is_stored_by_its_sha256(crawled: Crawled) -> None:
    db = connect(crawled.db)
    assert {r[0] for r in db.execute("select distinct file_type from reports")} == {"html", "pdf", "docx", "doc"}
    for sha, path in db.execute("select sha256, file_path from reports"):
        assert path.startswith(str(crawled.folder / "files" / sha))


def test_decoys_and_other_agencies_stay_out(crawled: Crawled) -> None:
    db = connect(crawled.db)
    titles = [r[0] for r in db.execute("select title from reports")]
    assert not [t for t in titles if any(w in t for w in DECOY_WORDS)]
    assert not [t for t in titles if "通许县" in t or "自然资源局" in t]
    unmatched = db.execute("select count(*) from documents where status = 'unmatched'").fetchone()[0]
    assert unmatched >= 2  # the other county's and the non-registry agency's reports were read, then left


def test_a_portal_that_is_down_is_an_error_row_and_the_rest_go_on(crawled: Crawled) -> None:
    db = connect(crawled.db)
    errors = db.execute("select agency_id, error from crawl_errors").fetchall()
    assert ("410222-gov", "refused") in {(a, "refused" if "refused" in e.lower() else e) for a, e in errors}
    statuses = dict(db.execute("select agency_ids, status from portal_runs where run_id = "
                               "(select min(run_id) from portal_runs)").fetchall())
    assert statuses["410222-gov"] == "failed"
    assert statuses["410223-gov,410223-wjw,410223-jyj,410223-zsz"] == "ok"


def test_javascript_portal_is_rendered_in_chromium(crawled: Crawled) -> None:
    lankao = _requests(crawled, "lankao", 0)
    assert ("GET", "/api/list.json", 200) in lankao  # only a browser running the page's script asks for it
    assert any(p.startswith("/api/article/") for _, p, _ in lankao)
    assert ("410225-gov", 2023) in crawled.world.expected
    db = connect(crawled.db)
    assert db.execute("select file_type from reports where agency_id = '410225-czj'").fetchone()[0] == "docx"


def test_robots_txt_is_obeyed(crawled: Crawled) -> None:
    paths = [p for _, p, _ in _requests(crawled, "xiangcheng", 0)]
    assert "/robots.txt" in paths
    assert not [p for p in paths if p.startswith("/private/")]


def test_robots_txt_is_reused_for_a_day_and_still_obeyed(crawled: Crawled) -> None:
    for run in (1, 2):
        paths = [p for _, p, _ in _requests(crawled, "xiangcheng", run)]
        assert "/robots.txt" not in paths and not [p for p in paths if p.startswith("/private/")]
    assert (crawled.folder / "robots-cache").is_dir()


def test_a_page_failing_once_is_retried(crawled: Crawled) -> None:
    hits = [s for _, p, s in _requests(crawled, "hanyin", 0) if p == "/xxgk/ndbg/index_1.htm"]
    assert hits == [500, 200]


def test_per_host_limit_is_kept(crawled: Crawled) -> None:
    assert crawled.server.max_concurrent and max(crawled.server.max_concurrent.values()) <= 2


def test_hanweb_records_after_the_first_page_come_by_post(crawled: Crawled) -> None:
    posts = [p for m, p, s in _requests(crawled, "weishi", 0) if m == "POST"]
    assert posts == ["/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=24&perpage=6"]


def test_second_crawl_asks_for_lists_only(crawled: Crawled) -> None:
    outside_lankao = [key for key in crawled.world.expected if not key[0].startswith("410225")]
    assert crawled.downloads[0] == len(outside_lankao)  # each report document fetched exactly once
    assert crawled.downloads[1] == crawled.downloads[0]
    assert crawled.snapshots[1] == crawled.snapshots[0]
    documents = {(site.name, path) for site in crawled.world.sites for path, page in site.pages.items() if page.document}
    again = [(site, p) for site, _, p, _ in crawled.server.log[crawled.logs[0]:crawled.logs[1]] if (site, p) in documents]
    assert again == []  # no recheck due: not even a conditional request
    assert ("GET", "/col/col1229/index.html", 200) in _requests(crawled, "weishi", 1)  # first list pages: always
    assert not [p for _, p, _ in _requests(crawled, "lankao", 1) if p.startswith("/api/article/")]  # nothing rendered


def test_further_list_pages_wait_while_their_first_page_is_unchanged(crawled: Crawled) -> None:
    further = {("weishi", "POST", "/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=24&perpage=6"),
               ("hanyin", "GET", "/xxgk/ndbg/index_1.htm")}
    asked = [{(site, method, path) for site, method, path in further
              if (method, path, 200) in _requests(crawled, site, run)} for run in range(3)]
    assert asked[0] == further  # the first crawl reads every page of every listing
    assert asked[1] == set()    # unchanged first pages stand for the rest: the reports behind them were all found
    assert asked[2] == further  # recheck due (recheck_days = 0): read again
    db = connect(crawled.db)
    assert {url for (url,) in db.execute("select url from list_pages")} >= {
        crawled.server.base_url("hanyin") + "/xxgk/ndbg/index_1.htm"}


def test_changed_document_becomes_a_new_version(crawled: Crawled) -> None:
    conditional = [s for site in ("weishi", "hanyin", "qixian") for _, p, s in _requests(crawled, site, 2) if s == 304]
    assert len(conditional) >= 8  # recheck due: every known document revalidated, unchanged ones answer 304
    assert crawled.downloads[2] - crawled.downloads[1] == 1  # only the corrected report
    db = connect(crawled.db)
    current = db.execute("select id, sha256, versions, changed_at from reports where agency_id = ? and year = ?",
                         list(CHANGED)).fetchone()
    before = dict(((a, y), sha) for a, y, sha, *_ in crawled.snapshots[1])[CHANGED]
    assert current[1] != before and current[2] == 2 and current[3]
    old = db.execute("select sha256 from report_versions where report_id = ?", [current[0]]).fetchall()
    assert old == [(before,)]
    others = [row for row in crawled.snapshots[2] if (row[0], row[1]) != CHANGED]
    assert others == [row for row in crawled.snapshots[1] if (row[0], row[1]) != CHANGED]


def test_no_report_still_offered_is_marked_removed(crawled: Crawled) -> None:
    db = connect(crawled.db)
    assert db.execute("select count(*) from reports").fetchone()[0] == len(crawled.world.expected)
    assert db.execute("select count(*) from reports where removed_at is not null").fetchone()[0] == 0


def test_portal_runs_remember_last_time(crawled: Crawled) -> None:
    db = connect(crawled.db)
    runs = db.execute("select run_id, reports_found, reports_previous from portal_runs "
                      "where agency_ids like '410223-gov%' order by id").fetchall()
    assert [(found, previous) for _, found, previous in runs] == [(7, None), (7, 7), (7, 7)]


def test_progress_and_summary_on_stderr(crawled: Crawled) -> None:
    err = crawled.runs[0].stderr
    assert "[6/6]" in err and "Traceback" not in err
    assert "reports_found 19" in err
    assert "Scrapy 2" not in err and "Using CrawlerProcess" not in err     # no library banner
    done = {line.split(": ", 1)[0].split()[1]: int(line.split(": ", 1)[1].split()[0])
            for line in err.splitlines() if line.startswith("[")}
    found = connect(crawled.db).execute("select count(*) from reports").fetchone()[0]
    assert sum(done.values()) == found      # each portal's line counts its reports once they are stored


def test_bad_registry_is_one_line(crawled: Crawled) -> None:
    bad = crawled.folder / "bad.csv"
    bad.write_text("agency_id,agency_name\nx,y\n", encoding="utf-8")
    result = subprocess.run([NIANBAO, "crawl", "--registry", str(bad), "--db", str(crawled.folder / "x.db")],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "lacks column" in result.stderr


def test_an_empty_attachment_is_an_error_row_not_a_report(crawled: Crawled) -> None:
    db = connect(crawled.db)
    errors = db.execute("select url, error from crawl_errors where url like '%/UploadFiles/%'").fetchall()
    assert len(errors) == len(crawled.runs) and all("empty document" in e for _, e in errors)  # once per crawl
    assert db.execute("select count(*) from reports where agency_id = '410221-gov' and year = 2024").fetchone()[0] == 0
