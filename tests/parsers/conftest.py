"""Shared test data for the parser tests: the seeds, and generators of whole reports of
either template as the rows a document parser hands to ``parsers.grid`` (merged cells
expanded) and as text in the layouts real reports come in. The HTML, PDF and DOCX tests
can build their documents from ``report_rows`` and compare with the same expectations."""

from __future__ import annotations

from pathlib import Path

from parsers import template as T

REPO = Path(__file__).resolve().parents[2]
# The seed reports: bundled with the repo's samples when they are, else the shared copy.
SEEDS = next((d for d in (REPO / "data" / "samples", Path("/work/shared/seeds"))
              if (d / "hanyin-wjj-2023.txt").is_file()), Path("/work/shared/seeds"))
NIANBAO = REPO / ".venv" / "bin" / "nianbao"

APPLICANT_KEYS = [c.key for c in T.APPLICANT_COLUMNS]
REVIEW_KEYS = [c.key for c in T.REVIEW_COLUMNS]


def applications(rows: dict[str, list[int | None]]) -> dict[str, dict[str, int | None]]:
    """Expected table 三 from one list of seven numbers per row, in column order."""
    return {key: dict(zip(APPLICANT_KEYS, values, strict=True)) for key, values in rows.items()}


def review(numbers: list[int | None]) -> dict[str, dict[str, int | None]]:
    """Expected table 四 from its fifteen numbers in printed order."""
    assert len(numbers) == 15
    return {g.key: dict(zip(REVIEW_KEYS, numbers[i * 5:i * 5 + 5])) for i, g in enumerate(T.REVIEW_GROUPS)}


def zero_applications(template: str) -> dict[str, list[int]]:
    return {row.key: [0] * 7 for row in T.application_rows(template)}


# The printed labels of table 三, as (first, second, third) label columns of the template.
_APPLICATION_LABELS = {
    "new": ("一、本年新收政府信息公开申请数量",) * 3,
    "carried_over": ("二、上年结转政府信息公开申请数量",) * 3,
    "granted": ("三、本年度办理结果", "（一）予以公开", "（一）予以公开"),
    "partly_granted": ("三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
                       "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    "refused.state_secret": ("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"),
    "refused.prohibited_by_law": ("三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    "refused.security_stability": ("三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"),
    "refused.third_party": ("三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"),
    "refused.internal_affairs": ("三、本年度办理结果", "（三）不予公开", "5.属于三类内部事务信息"),
    "refused.process_info": ("三、本年度办理结果", "（三）不予公开", "6.属于四类过程性信息"),
    "refused.enforcement_file": ("三、本年度办理结果", "（三）不予公开", "7.属于行政执法案卷"),
    "refused.inquiry": ("三、本年度办理结果", "（三）不予公开", "8.属于行政查询事项"),
    "unavailable.not_held": ("三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    "unavailable.needs_creation": ("三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作"),
    "unavailable.unclear": ("三、本年度办理结果", "（四）无法提供", "3.补正后申请内容仍不明确"),
    "not_processed.complaint": ("三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请"),
    "not_processed.duplicate": ("三、本年度办理结果", "（五）不予处理", "2.重复申请"),
    "not_processed.publication": ("三、本年度办理结果", "（五）不予处理", "3.要求提供公开出版物"),
    "not_processed.excessive": ("三、本年度办理结果", "（五）不予处理", "4.无正当理由大量反复申请"),
    "not_processed.confirmation": ("三、本年度办理结果", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    "other.no_correction": ("三、本年度办理结果", "（六）其他处理",
                            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other.no_fee": ("三、本年度办理结果", "（六）其他处理",
                     "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other.other": ("三、本年度办理结果", "（六）其他处理", "3.其他"),
    "other": ("三、本年度办理结果", "（六）其他处理", "（六）其他处理"),
    "processed_total": ("三、本年度办理结果", "（七）总计", "（七）总计"),
    "carried_forward": ("四、结转下年度继续办理",) * 3,
}


def _cells(values: list) -> list[str]:
    return ["" if v is None else str(v) for v in values]


def active_rows(template: str, active: dict, merged: bool = True) -> list[list[str]]:
    """Table 二 as an HTML/DOCX table gives it: four columns, merged cells repeated
    (``merged``) or left blank as a printed page shows them."""
    def block(item: str, header: list[str], rows: list[tuple[str, list]]) -> list[list[str]]:
        header = header + [header[-1]] * (3 - len(header))
        out = [[f"第二十条第（{item}）项"] * 4, ["信息内容", *header]]
        for label, values in rows:
            pad = [values[-1] if merged else None] * (3 - len(values))
            out.append([label, *_cells(values + pad)])
        return out

    if template == "2021":
        docs = ["本年制发件数", "本年废止件数", "现行有效件数"]
        return [
            *block("一", docs, [("规章", list(active["rules"].values())),
                               ("行政规范性文件", list(active["normative_documents"].values()))]),
            *block("五", ["本年处理决定数量"], [("行政许可", [active["licensing"]])]),
            *block("六", ["本年处理决定数量"], [("行政处罚", [active["punishment"]]), ("行政强制", [active["coercion"]])]),
            *block("八", ["本年收费金额（单位：万元）"], [("行政事业性收费", [active["fees"]])]),
        ]
    items = ["上一年项目数量", "本年增/减", "处理决定数量"]
    return [
        *block("一", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
               [("规章", list(active["rules"].values())), ("规范性文件", list(active["normative_documents"].values()))]),
        *block("五", items, [("行政许可", list(active["licensing"].values())),
                            ("其他对外管理服务事项", list(active["other_services"].values()))]),
        *block("六", items, [("行政处罚", list(active["punishment"].values())),
                            ("行政强制", list(active["coercion"].values()))]),
        *block("八", items[:2], [("行政事业性收费", list(active["fees"].values()))]),
        *block("九", ["采购项目数量", "采购总金额"], [("政府集中采购", list(active["procurement"].values()))]),
    ]


def application_rows(template: str, values: dict[str, list]) -> list[list[str]]:
    """Table 三 with its three header rows, label columns expanded (10 columns)."""
    note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    rows = [
        [note] * 3 + ["申请人情况"] * 7,
        [note] * 3 + ["自然人"] + ["法人或其他组织"] * 5 + ["总计"],
        [note] * 3 + ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
    ]
    for row in T.application_rows(template):
        rows.append([*_APPLICATION_LABELS[row.key], *_cells(values[row.key])])
    return rows


def review_rows(numbers: list) -> list[list[str]]:
    """Table 四 with its three header rows (15 columns)."""
    results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return [
        ["行政复议"] * 5 + ["行政诉讼"] * 10,
        results + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5,
        results + results + results,
        _cells(numbers),
    ]


def report_rows(template: str, active: dict, apps: dict[str, list], review_numbers: list,
                agency: str = "某某县民政局", year: int = 2020, merged: bool = True) -> list[list[str]]:
    """A whole report as rows: title, prose, and the three tables under their headings."""
    return [
        [f"{agency}{year}年政府信息公开工作年度报告"],
        ["一、总体情况"],
        [f"{year}年，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》，办理行政许可 12 件。"],
        ["二、主动公开政府信息情况"],
        *active_rows(template, active, merged),
        ["三、收到和处理政府信息公开申请情况"],
        *application_rows(template, apps),
        ["四、政府信息公开行政复议、行政诉讼情况"],
        *review_rows(review_numbers),
        ["五、存在的主要问题及改进情况"],
        ["无。"],
        ["六、其他需要报告的事项"],
        ["本年度未收取信息处理费。"],
    ]


def printed_once(rows: list[list[str]]) -> list[list[str]]:
    """Rows as a document prints them: a merged cell's text once, the cells it covers blank."""
    out: list[list[str]] = []
    for r, row in enumerate(rows):
        printed = []
        for c, cell in enumerate(row):
            above = rows[r - 1][c] if r and c < len(rows[r - 1]) else None
            left = row[c - 1] if c else None
            merged = cell and not cell.replace(".", "").isdigit() and cell in (above, left)
            printed.append("" if merged else cell)
        out.append(printed)
    return out


def as_tsv(rows: list[list[str]]) -> str:
    """Tab-separated rows, as a table copied out of Word or a web page."""
    return "\n".join("\t".join(row) for row in printed_once(rows)) + "\n"


def as_markdown(rows: list[list[str]]) -> str:
    """Paragraphs as ``##`` headings or lines, tables as ``| a | b |`` rows."""
    lines: list[str] = []
    for row in printed_once(rows):
        if len(row) == 1:
            lines += ["", ("## " if row[0][:2] in ("一、", "二、", "三、", "四、", "五、", "六、") else "") + row[0], ""]
        else:
            lines.append("| " + " | ".join(row) + " |")
            if len(lines) < 2 or not lines[-2].startswith("|"):
                lines.append("|" + "---|" * len(row))
    return "\n".join(lines) + "\n"


def as_cell_per_line(rows: list[list[str]]) -> str:
    """One cell per line and numbers on their own lines, as pdftotext gives a table."""
    return "\n\n".join(cell for row in printed_once(rows) for cell in row if cell) + "\n"


def as_narrow_columns(rows: list[list[str]], width: int = 2) -> str:
    """Tables with narrow columns as ``pdftotext -layout`` prints them: every label cell
    wrapped every ``width`` characters, its pieces on the lines below the numbers."""
    lines: list[str] = []
    for row in printed_once(rows):
        if len(row) == 1:
            lines.append(row[0])
            continue
        pieces = [[cell] if cell.replace(".", "").isdigit() else
                  [cell[i:i + width] for i in range(0, len(cell), width)] or [""] for cell in row]
        for depth in range(max(map(len, pieces))):
            lines.append("   ".join(p[depth] if depth < len(p) else "" for p in pieces).rstrip())
    return "\n".join(lines) + "\n"


LAYOUTS = {"tsv": as_tsv, "markdown": as_markdown, "cell_per_line": as_cell_per_line, "narrow_columns": as_narrow_columns}
