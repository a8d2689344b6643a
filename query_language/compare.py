"""Running a vs answer: per group, the measure in each period, the change and the change in per
cent (None when the second period's measure is 0 or has no value).

Each period is one grouped answer of ``groups.customer_groups`` over the same customers, so a
vs answer's parts are exactly the two separate ``… by <key> <period>`` answers. ``customers`` is
the number of the group's customers with a purchase in the period. By product or category, each
period is the ``… by product <period>`` answer (``dimensions.line_groups``): the lines of the
matching customers in that period; a product sold in one period only has 0 in the other.

Example::

    q = interpret("spend this quarter vs last quarter by manager", catalog)
    compare_groups(conn, q, matching_conditions(q))[0]
    # {'key': 'Ivanov', 'first': 120000.0, 'second': 100000.0, 'change': 20000.0, 'pct': 20.0}
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from query_language import ast as a
from query_language.compile import compile_where
from query_language.dimensions import line_groups
from query_language.groups import customer_groups

__all__ = ["compare_groups", "measure_by_group"]


def measure_by_group(
    conn: Connection, query: a.Query, conds: list[Any], period: a.Period
) -> dict[Any, float | None]:
    """The compared measure of each group of the matching customers in ``period``."""
    out = query.output
    assert isinstance(out, a.Compare)
    if out.by in a.GOODS_DIMENSIONS:  # per product or category: its lines in the period
        lines = replace(query, output=a.Group(out.by, "spend"), period=period)
        column = {"spend": "spend", "orders": "orders"}.get(out.measure, "customers")
        return {r["key"]: float(r[column]) for r in line_groups(conn, lines, conds)}
    measure = "aov" if out.measure in ("spend", "orders", "customers") else out.measure
    group = a.Group(out.by, measure, property_id=out.property_id, label=out.label)
    q = replace(query, output=group, period=period)
    rows = customer_groups(conn, q, conds)
    if out.measure == "customers":
        bought = compile_where(a.Bought(period=period))
        buyers = {r["key"]: r["count"] for r in customer_groups(conn, q, [*conds, bought])}
        return {r["key"]: float(buyers.get(r["key"], 0)) for r in rows}
    column = {"spend": "spend", "orders": "orders"}.get(out.measure, "value")
    return {r["key"]: (None if r[column] is None else float(r[column])) for r in rows}


def _row(key: Any, first: float | None, second: float | None) -> dict[str, Any]:
    change = None if first is None or second is None else round(first - second, 2)
    pct = round(100 * change / second, 1) if change is not None and second else None
    return {"key": key, "first": first, "second": second, "change": change, "pct": pct}


def compare_groups(conn: Connection, query: a.Query, conds: list[Any]) -> list[dict[str, Any]]:
    """One row per group (see the module docstring), the largest first-period measure first."""
    out = query.output
    assert isinstance(out, a.Compare)
    first = measure_by_group(conn, query, conds, out.first)
    second = measure_by_group(conn, query, conds, out.second)
    absent = 0.0 if out.by in a.GOODS_DIMENSIONS else None  # not sold then: nothing sold
    rows = [_row(k, first.get(k, absent), second.get(k, absent)) for k in {**first, **second}]
    rows.sort(key=lambda r: (r["first"] is None, -(r["first"] or 0), str(r["key"])))
    if out.by == "all":
        for r in rows:
            r["key"] = None
    return rows
