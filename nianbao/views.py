"""Wide views over the long ``cells`` table, one per report table, laid out like the
printed template: one row per report and template row, one column per template column,
named with the template's own labels (from ``parsers.template``, never retyped).
"""

from __future__ import annotations

import sqlite_utils

from parsers.template import (ACTIVE_ITEMS, APPLICANT_COLUMNS, APPLICATION_ROWS, REVIEW_COLUMNS, REVIEW_GROUPS,
                              SECTIONS)

# A 2021 table 二 item with one column is stored as a bare number under this column key.
BARE_VALUE = "value"


def _unique(pairs: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """(key, label) pairs in first-seen order, one per key."""
    seen: dict[str, str] = {}
    for key, label in pairs:
        seen.setdefault(key, label)
    return tuple(seen.items())


# Per table: (column key, label) and (row key, label), in printed order.
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "applications": tuple((f.key, f.label) for f in APPLICANT_COLUMNS),
    "review_litigation": tuple((f.key, f.label) for f in REVIEW_COLUMNS),
    "active": _unique([(c.key, c.label) for item in ACTIVE_ITEMS if len(item.columns) > 1 for c in item.columns]
                      + [(BARE_VALUE, "本年处理决定数量或收费金额")]),
}
ROWS: dict[str, tuple[tuple[str, str], ...]] = {
    "applications": tuple((f.key, f.label) for f in APPLICATION_ROWS),
    "review_litigation": tuple((f.key, f.label) for f in REVIEW_GROUPS),
    "active": _unique([(item.key, item.label) for item in ACTIVE_ITEMS]),
}
TABLE_LABELS: dict[str, str] = {s.key: s.label for s in SECTIONS if s.key in COLUMNS}
VIEW_NAMES: dict[str, str] = {table: f"{table}_wide" for table in COLUMNS}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def pivot_sql(table: str) -> str:
    """One row per (report_id, row_key) with a column per column key (a blank cell is
    null), in the order of the cells' primary key."""
    values = ", ".join(f"max(value) filter (where col_key = {_literal(key)}) as {_quote(key)}"
                       for key, _ in COLUMNS[table])
    return (f"select report_id, row_key, {values} "
            f"from cells where tbl = {_literal(table)} group by report_id, row_key")


def wide_view_sql(table: str) -> str:
    """The printed layout: agency, year, the row's label and one column per template label."""
    row_label = " ".join(f"when {_literal(key)} then {_literal(label)}" for key, label in ROWS[table])
    row_order = " ".join(f"when {_literal(key)} then {number}" for number, (key, _) in enumerate(ROWS[table]))
    values = ", ".join(f"p.{_quote(key)} as {_quote(label)}" for key, label in COLUMNS[table])
    return (f"select r.agency_id, a.agency_name, r.year, r.format, p.report_id, "
            f"case p.row_key {row_order} end as row_order, p.row_key, "
            f"coalesce(case p.row_key {row_label} end, p.row_key) as {_quote('项目')}, {values} "
            f"from ({pivot_sql(table)}) p join reports r on r.id = p.report_id "
            f"left join agencies a on a.agency_id = r.agency_id "
            f"order by p.report_id, row_order")


def create_views(db: sqlite_utils.Database) -> None:
    """(Re)create the wide views; cheap, so safe on every ``ensure_schema``."""
    for table, name in VIEW_NAMES.items():
        db.create_view(name, wide_view_sql(table), replace=True)
