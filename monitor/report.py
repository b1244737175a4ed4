"""The flags as a person reads them on the terminal: grouped by audience and kind, in Chinese."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from monitor.rules import KIND_NAMES

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
