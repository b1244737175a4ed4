"""Each rule on a crafted report that breaks exactly that rule: the baseline world (every
agency, 2022 and 2023, balanced, on time, distinct texts) yields no flag at all, and
each case below yields exactly the flags of its rule, with the numbers in the message."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.rules import KIND_NAMES, NARRATIVE_ANCHORS, NARRATIVE_PATTERNS, RULES, stated_count
from monitor.similarity import Corpus, fingerprint
from nianbao.views import VIEW_NAMES
from tests.monitor.conftest import AS_OF, STORIES, World, make_report

W, GOV, HY = "410223-wjw", "410223-gov", "610921-wjj"
WEISHI, HANYIN = "http://127.0.0.1/weishi/", "http://127.0.0.1/hanyin/"


def replace(world: World, agency_id: str, year: int, **kw: object) -> None:
    """Store a changed 2023 (or 2022) report in place of the balanced one."""
    world.db["reports"].delete_where("agency_id = ? and year = ?", [agency_id, year])
    report = kw.pop("report")
    world.save(report, agency_id, **kw)


def messages(flags: list[dict]) -> dict[str, str]:
    return {f["rule"]: f["message"] for f in flags}


def test_the_baseline_is_clean(world: World) -> None:
    world.full()
    assert world.check() == []


def test_every_rule_kind_has_a_case_below() -> None:
    assert {r.kind for r in RULES} == {"incomplete", "unbalanced", "template", "early", "late", "narrative", "changed",
                                       "inconsistent",
                                       "removed", "missing", "carryover", "copied", "unreachable", "discovery_dropped",
                                       "review"}
    assert set(KIND_NAMES) == {r.kind for r in RULES}     # each has the name a clerk reads


def test_balance_per_column(world: World) -> None:
    world.full()
    report = make_report(W, 2023)
    apps = report.applications
    apps["new"]["natural_person"] += 1     # one more application that was never processed
    apps["new"]["total"] += 1
    replace(world, W, 2023, report=report)
    flags = world.check()
    assert {(f["kind"], f["rule"]) for f in flags} == {
        ("unbalanced", "applications.balance.natural_person"), ("unbalanced", "applications.balance.total")}
    assert messages(flags)["applications.balance.natural_person"] == (
        "三、收到和处理政府信息公开申请情况 自然人列：第一项+第二项=5，第三项总计+第四项=4")


def test_results_sum(world: World) -> None:
    world.full()
    report = make_report(W, 2023)
    apps = report.applications
    apps["granted"]["commercial"] = 2      # a result nobody counted in 三（七）; the row total kept
    apps["granted"]["total"] += 2
    replace(world, W, 2023, report=report)
    flags = world.check()
    assert {f["rule"] for f in flags} == {"applications.results.commercial", "applications.results.total"}
    assert messages(flags)["applications.results.commercial"] == (
        "三、收到和处理政府信息公开申请情况 商业企业列：三（七）总计=0，三（一）至三（六）各项之和=2")


def test_row_total(world: World) -> None:
    world.full()
    report = make_report(W, 2023)
    report.applications["refused.third_party"]["total"] = 4
    replace(world, W, 2023, report=report)
    flags = world.check()
    assert {f["rule"] for f in flags} == {"applications.row_total.refused.third_party",
                                          "applications.results.total"}
    assert messages(flags)["applications.row_total.refused.third_party"] == (
        "三、收到和处理政府信息公开申请情况 三（三）4.保护第三方合法权益行：总计=4，自然人与法人或其他组织各列之和=0")


def test_review_total(world: World) -> None:
    world.full()
    report = make_report(W, 2023)
    report.review_litigation["litigation_direct"].update(corrected=1, total=0)
    replace(world, W, 2023, report=report)
    flags = world.check()
    assert messages(flags) == {"review_litigation.total.litigation_direct": (
        "四、政府信息公开行政复议、行政诉讼情况 行政诉讼·未经复议直接起诉：总计=0，结果维持+结果纠正+其他结果+尚未审结=1")}


def test_blank_cell_is_incomplete_never_balanced(world: World) -> None:
    world.full()
    report = make_report(W, 2023)
    report.applications["new"]["natural_person"] = None
    replace(world, W, 2023, report=report)
    flags = world.check()
    assert [(f["kind"], f["rule"]) for f in flags] == [("incomplete", "applications.blank")]
    assert "1个单元格为空" in flags[0]["message"] and "一、本年新收政府信息公开申请数量 自然人列" in flags[0]["message"]


@pytest.mark.parametrize("doubts, kind", [
    ({"applications": ["new"]}, "review"),            # a row the balance rests on was misread
    ({"applications": ["*"]}, "review"),              # the whole table is in doubt (OCR, a dropped row)
    ({"applications": ["granted"]}, "unbalanced"),    # a row the balance does not rest on
    ({"review_litigation": ["*"]}, "unbalanced"),
])
def test_an_imbalance_on_doubted_rows_is_a_review(world: World, doubts: dict, kind: str) -> None:
    world.full()
    report = make_report(W, 2023)
    report.applications["new"]["natural_person"] += 1
    report.applications["new"]["total"] += 1
    report.doubts = doubts
    replace(world, W, 2023, report=report)
    flags = world.check()
    assert {(f["kind"], f["rule"]) for f in flags} == {
        (kind, ("review." if kind == "review" else "") + f"applications.balance.{column}")
        for column in ("natural_person", "total")}
    assert {f["audience"] for f in flags} == {"operator" if kind == "review" else "agency"}
    if kind == "review":
        assert flags[0]["message"].startswith("表格读取存疑") and "第一项+第二项=5" in flags[0]["message"]


def test_report_without_tables(world: World) -> None:
    world.full()
    report = make_report(W, 2023)
    report.applications, report.review_litigation, report.active = {}, {}, {}
    replace(world, W, 2023, report=report)
    flags = world.check()
    assert [(f["kind"], f["rule"]) for f in flags] == [("incomplete", "tables")]


def test_template_mismatch_and_2019_warning(world: World) -> None:
    world.settings["years"] = "2019-2023"
    world.full()
    for year, template in ((2019, "2021"), (2020, "2019"), (2021, "2021")):
        world.save(make_report(W, year, template=template), W)
    replace(world, W, 2023, report=make_report(W, 2023, template="2019"))
    flags = [f for f in world.check() if f["agency_id"] == W]
    assert {(f["year"], f["rule"]) for f in flags} == {(2019, "template.2019"), (2023, "template")}
    assert messages(flags)["template"] == "表格应使用2021年版统一格式（国办公开办函〔2021〕30号），实际为2019年版格式"
    assert messages(flags)["template.2019"].startswith("提示：")


def test_early(world: World) -> None:
    world.full()
    replace(world, W, 2023, report=make_report(W, 2023), published_at="2023-12-20")
    assert messages(world.check()) == {"early": "报告发布日期2023-12-20早于所述年度结束，请核对年度与发布日期"}


def test_late_by_published_date_and_by_deadline_type(world: World) -> None:
    world.full()
    replace(world, W, 2023, report=make_report(W, 2023), published_at="2024-02-01")
    replace(world, GOV, 2023, report=make_report(GOV, 2023), published_at="2024-03-30")  # government: 03-31
    flags = world.check()
    assert [(f["agency_id"], f["rule"]) for f in flags] == [(W, "late")]
    assert flags[0]["message"] == "逾期发布：报告发布于2024-02-01，晚于截止日期2024-01-31"


def test_late_without_date_only_when_we_were_watching(world: World) -> None:
    world.full()
    replace(world, W, 2023, report=make_report(W, 2023), published_at=None, fetched_at="2024-03-05T08:00:00+00:00")
    flags = world.check()
    assert [f["rule"] for f in flags] == ["late"]
    assert "未注明发布日期" in flags[0]["message"] and "2020-06-01起监测" in flags[0]["message"]
    world.db.execute("update portal_runs set started_at = '2024-03-01T00:00:00+00:00'")
    world.db.conn.commit()
    assert world.check() == []   # first crawl after the deadline: timeliness unknown, no flag


def test_narrative(world: World) -> None:
    world.full()
    replace(world, W, 2023, report=make_report(W, 2023, extra_text="全年共受理依申请公开 7 件。"))
    flags = world.check()
    assert messages(flags) == {"narrative.applications": (
        "正文称“共受理依申请公开7件”（7件），与三、收到和处理政府信息公开申请情况总计列不符：一、本年新收=3，二、上年结转=1")}
    replace(world, W, 2023, report=make_report(W, 2023, extra_text="全年收到申请4件，新收政府信息公开申请3件。"))
    assert world.check() == []
    replace(world, W, 2023, report=make_report(W, 2023, extra_text="共收到公民、法人和其他组织提出的政府信息公开申请五件。"))
    assert [f["message"].split("”")[0] for f in world.check()] == ["正文称“收到公民、法人和其他组织提出的政府信息公开申请五件"]
    replace(world, W, 2023, report=make_report(W, 2023, extra_text="全年办理依申请公开事项六件。"))
    assert [f["message"].split("”")[0] for f in world.check()] == ["正文称“办理依申请公开事项六件"]
    replace(world, W, 2023, report=make_report(W, 2023, extra_text="全年办理依申请公开事项四件，未收到其他申请。"))
    assert world.check() == []
    replace(world, W, 2023, report=make_report(W, 2023, extra_text="受理群众咨询12次，办理政务服务申请30件。"))
    assert world.check() == []          # not about disclosure applications


def test_statistics_period_of_another_year(world: World) -> None:
    world.full()
    stated = "本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。"
    replace(world, W, 2023, report=make_report(W, 2023, extra_text=stated))
    assert messages(world.check()) == {"period": (
        "报告为2023年度，正文所述统计期限却是2022年（“统计期限自2022年1月1日”），请核对年度与数据期间")}
    replace(world, W, 2023, report=make_report(W, 2023, extra_text=stated.replace("2022", "2023")))
    assert world.check() == []


@pytest.mark.parametrize(("text", "count"), [("3", 3), ("１２", 12), ("十二", 12), ("二十", 20), ("一百零五", 105),
                                             ("两", 2), ("", 0)])
def test_stated_count(text: str, count: int) -> None:
    assert stated_count(text) == count


def test_every_narrative_pattern_needs_an_anchor_word() -> None:
    """Texts without an anchor are not searched, so no pattern may match without one."""
    assert [p for p in NARRATIVE_PATTERNS if not any(anchor in p for anchor in NARRATIVE_ANCHORS)] == []


def test_changed_and_removed(world: World) -> None:
    world.full()
    report = make_report(W, 2023)
    report.text += "（已更正）"
    world.save(report, W, fetched_at="2024-04-01T00:00:00+00:00")
    world.db.execute("update reports set removed_at = '2024-05-02T00:00:00+00:00' where agency_id = ? and year = 2022",
                     [GOV])
    world.db.conn.commit()
    flags = messages(world.check())
    assert flags == {"changed": "年报发布后被修改：2024-04-01发现内容不同的新版本（共2个版本，旧版本已保存）",
                     "removed": "年报已从网站撤下：2024-05-02起原网址http://127.0.0.1/410223-gov/2022.html不再提供该报告"}


def test_same_text_new_bytes_is_not_a_change(world: World) -> None:
    world.full()
    world.save(make_report(W, 2023), W, digest="0" * 64)
    assert world.check() == []


def test_missing_after_deadline_only(world: World) -> None:
    world.full()
    world.db["reports"].delete_where("year = 2023")
    assert world.check(as_of=date(2024, 1, 31)) == []
    flags = world.check(as_of=date(2024, 2, 1))
    assert {(f["agency_id"], f["rule"]) for f in flags} == {(W, "missing"), (HY, "missing")}
    assert flags[0]["message"] == "截至2024-02-01未发现该年度政府信息公开工作年度报告（截止日期2024-01-31）"
    assert {(f["agency_id"], f["rule"]) for f in world.check(as_of=date(2024, 4, 1))} == {
        (W, "missing"), (HY, "missing"), (GOV, "missing")}


def test_missing_needs_the_whole_listing_read(world: World) -> None:
    world.full()
    world.db["reports"].delete_where("agency_id = ? and year = 2023", [W])
    world.run(WEISHI, "partial", 3, listing_complete=False)
    flags = world.check()
    assert [(f["agency_id"], f["year"], f["kind"], f["rule"], f["audience"]) for f in flags] == [
        (WEISHI, 0, "review", "review.listing_incomplete", "operator")]
    assert "尉氏县卫生健康委员会" in flags[0]["message"]


def test_a_document_that_may_be_the_report_is_a_review_not_missing(world: World) -> None:
    world.full()
    world.db["reports"].delete_where("year = 2023 and agency_id != ?", [GOV])
    world.unresolved("http://127.0.0.1/weishi/a.pdf", WEISHI, 2023, W, status="error", reason="cannot parse: damaged")
    world.unresolved("http://127.0.0.1/weishi/b.html", WEISHI, 2022, W)   # another year: no evidence for 2023
    flags = world.check()
    assert {(f["agency_id"], f["kind"], f["rule"], f["audience"]) for f in flags} == {
        (W, "review", "review.missing.candidate", "operator"), (HY, "missing", "missing", "agency")}
    review = next(f for f in flags if f["kind"] == "review")
    assert review["report_url"] == "http://127.0.0.1/weishi/a.pdf" and "cannot parse: damaged" in review["message"]


def test_a_document_naming_no_body_could_be_anyones(world: World) -> None:
    world.full()
    world.db["reports"].delete_where("year = 2023")
    world.unresolved("http://127.0.0.1/hanyin/x.html", HANYIN, 2023, "*")
    flags = world.check()
    assert {(f["agency_id"], f["kind"]) for f in flags} == {(W, "missing"), (GOV, "missing"), (HY, "review")}


def test_unreachable_portal_is_not_missing(world: World) -> None:
    world.full()
    world.db["reports"].delete_where("agency_id = ?", [HY])
    for day in (1, 2, 3):
        world.run(HANYIN, "failed", 0, started=f"2024-05-0{day}T00:00:00+00:00")
    flags = world.check()
    assert [(f["agency_id"], f["year"], f["kind"], f["audience"]) for f in flags] == [
        (HANYIN, 0, "unreachable", "operator")]
    assert "连续3次抓取失败" in flags[0]["message"] and "汉阴县卫生健康局" in flags[0]["message"]


def test_discovery_dropped(world: World) -> None:
    world.full()
    world.run(WEISHI, "empty", 0)
    flags = world.check()
    assert [(f["agency_id"], f["kind"], f["audience"]) for f in flags] == [(WEISHI, "discovery_dropped", "operator")]
    assert "上次抓取发现3份年报" in flags[0]["message"] and "仅发现0份" in flags[0]["message"]


def test_carryover_applications_and_in_force(world: World) -> None:
    world.full()
    report = make_report(W, 2023)
    report.applications["carried_over"]["natural_person"] = 2
    report.applications["carried_over"]["total"] = 2
    report.applications["new"]["natural_person"] = 2
    report.applications["new"]["total"] = 2
    report.active["normative_documents"]["in_force"] = 9
    replace(world, W, 2023, report=report)
    flags = messages(world.check())
    assert flags == {
        "carryover.applications.natural_person":
            "三、收到和处理政府信息公开申请情况 自然人列：二、上年结转=2，2022年度报告四、结转下年度继续办理=1",
        "carryover.applications.total":
            "三、收到和处理政府信息公开申请情况 总计列：二、上年结转=2，2022年度报告四、结转下年度继续办理=1",
        "carryover.active.normative_documents":
            "二、主动公开政府信息情况 行政规范性文件：现行有效件数=9，2022年度5+本年制发1−本年废止0=6",
    }
    assert messages(world.check(year=2023)) == flags      # last year's report is read for a one-year run
    assert world.check(year=2022) == []


def test_copied_from_last_year_and_from_another_agency(world: World) -> None:
    world.full()
    last_year = world.db.execute("select text from reports where agency_id = ? and year = 2022", [W]).fetchone()[0]
    story = last_year.split("年，", 1)[1].split("\n", 1)[0]
    replace(world, W, 2023, report=make_report(W, 2023, story=story))
    hy_2022 = world.db.execute("select text from reports where agency_id = ? and year = 2022", [HY]).fetchone()[0]
    copied = hy_2022.split("年，", 1)[1].split("\n", 1)[0]
    replace(world, GOV, 2023, report=make_report(GOV, 2023, story=copied))
    flags = world.check()
    assert {(f["agency_id"], f["rule"]) for f in flags} == {(W, "copied.previous_year"), (GOV, "copied.other_agency")}
    by_agency = {f["agency_id"]: f["message"] for f in flags}
    assert by_agency[W].startswith("正文与尉氏县卫生健康委员会2022年度报告雷同（相似度100%")
    assert by_agency[W].endswith("http://127.0.0.1/410223-wjw/2022.html")
    assert "汉阴县卫生健康局2022年度报告" in by_agency[GOV]


def test_fingerprint_ignores_names_years_numbers_and_tables() -> None:
    a = fingerprint("尉氏县卫生健康委员会2023年共发布信息12条，持续加强平台建设。二、主动公开政府信息情况 规章 0 0 0 "
                    "五、存在的主要问题及改进情况 宣传培训有待加强，公开内容需要充实。", ["尉氏县卫生健康委员会"])
    b = fingerprint("汉阴县卫生健康局 2021 年共发布信息 5 条，持续加强平台建设。二、主动公开政府信息情况 规章 9 9 9 "
                    "行政许可 637 五、存在的主要问题及改进情况 宣传培训有待加强，公开内容需要充实。", ["汉阴县卫生健康局"])
    assert list(a) == list(b) and len(a) == 4


def test_similar_pairs_are_found_without_comparing_everything() -> None:
    corpus = Corpus()
    base = STORIES["410223-wjw"].split("。") + STORIES["410223-gov"].split("。")
    for i in range(300):
        corpus.add(i, "。".join(f"第{chr(0x4e00 + i)}{chr(0x4e00 + j)}项工作{s}" for j, s in enumerate(base)), [])
    corpus.add(1000, "。".join(f"第{chr(0x4e00 + 7)}{chr(0x4e00 + j)}项工作{s}" for j, s in enumerate(base)), [])
    assert [(m.a, m.b, m.similarity) for m in corpus.matches(0.9)] == [(7, 1000, 1.0)]


def test_wide_views_read_like_the_template(world: World) -> None:
    world.full()
    assert set(VIEW_NAMES.values()) <= set(world.db.view_names())
    row = next(world.db.query("select * from applications_wide where agency_id = ? and year = 2023 and row_key = 'new'",
                              [W]))
    assert (row["项目"], row["自然人"], row["总计"], row["agency_name"]) == (
        "一、本年新收政府信息公开申请数量", 3, 3, "尉氏县卫生健康委员会")
    keys = [r["row_key"] for r in world.db.query(
        "select row_key from applications_wide where agency_id = ? and year = 2023", [W])]
    assert keys[:3] == ["new", "carried_over", "granted"] and keys[-1] == "carried_forward" and len(keys) == 25
    review = next(world.db.query("select * from review_litigation_wide where agency_id = ? and row_key = 'review'", [W]))
    assert (review["项目"], review["结果维持"], review["尚未审结"], review["总计"]) == ("行政复议", 1, 1, 2)
    active = {r["row_key"]: r for r in world.db.query("select * from active_wide where agency_id = ? and year = 2023", [W])}
    assert active["normative_documents"]["现行有效件数"] == 6
    assert active["licensing"]["本年处理决定数量或收费金额"] == 637


@pytest.mark.parametrize("year", [1900, 2999])
def test_year_out_of_range_is_a_flag_not_a_crash(world: World, year: int) -> None:
    world.full()
    world.db.execute("update reports set year = ?, text = null where agency_id = ? and year = 2022", [year, W])
    world.db.conn.commit()
    flags = world.check(as_of=AS_OF)
    assert {(f["year"], f["kind"], f["rule"]) for f in flags if f["agency_id"] == W} == {
        (year, "incomplete", "year"), (2022, "missing", "missing")}


@pytest.mark.parametrize("stored", ["not json", "[1, 2]", '{"applications": 3}', None])
def test_tables_stored_wrong_read_as_no_tables_not_a_crash(world: World, stored: str | None) -> None:
    world.full()
    world.db.execute("update reports set tables = ? where agency_id = ? and year = 2023", [stored, W])
    world.db.conn.commit()
    flags = world.check()
    assert [(f["agency_id"], f["kind"], f["rule"]) for f in flags] == [(W, "incomplete", "tables")]


def test_a_value_that_is_not_a_number_is_a_warning_not_a_crash(world: World, caplog: pytest.LogCaptureFixture
                                                               ) -> None:
    world.full()
    world.db.execute("update reports set tables = json_set(tables, '$.applications.new.total', 'many') "
                     "where agency_id = ? and year = 2023", [W])
    world.db.conn.commit()
    flags = world.check()
    assert {f["agency_id"] for f in flags} <= {W}
    assert "bad data" in caplog.text and "applications.balance" in caplog.text
