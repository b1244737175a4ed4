"""The flags as a person reads them on the terminal: grouped by audience and kind, in Chinese."""

from __future__ import annotations

from itertools import groupby
from typing import Any

KIND_NAMES = {
    "missing": "未发布", "late": "逾期发布", "unbalanced": "表格数据不平衡", "incomplete": "表格不完整",
    "carryover": "与上年数据不衔接", "template": "未按统一格式", "early": "提前发布", "narrative": "正文与表格不符",
    "copied": "内容雷同", "changed": "发布后被修改", "removed": "被撤下", "unreachable": "门户无法访问",
    "discovery_dropped": "门户抓取结果骤减",
}
AUDIENCE_NAMES = {"agency": "机构问题", "operator": "抓取程序运维（非机构问题）"}


def format_flags(flags: list[dict[str, Any]]) -> str:
    """One block per audience, one heading per kind with its count, one line per flag."""
    if not flags:
        return "未发现问题 No flags."
    lines = [f"共{len(flags)}个问题 {len(flags)} flags"]
    by_group = sorted(flags, key=lambda f: (f.get("audience") != "agency", f.get("audience") or "", f["kind"]))
    for audience, in_audience in groupby(by_group, key=lambda f: f.get("audience") or "agency"):
        lines.append(f"\n【{AUDIENCE_NAMES.get(audience, audience)}】")
        for kind, of_kind in groupby(in_audience, key=lambda f: f["kind"]):
            items = sorted(of_kind, key=lambda f: (f.get("region_code") or "", f["agency_name"] or "", f["year"], f["rule"]))
            lines.append(f"{KIND_NAMES.get(kind, kind)} {kind}（{len(items)}）")
            for flag in items:
                year = f"{flag['year']}年度 " if flag["year"] else ""
                lines.append(f"  {year}{flag['agency_name']}：{flag['message']}  [{flag['rule']}]")
    return "\n".join(lines)
