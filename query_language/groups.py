"""Answers by a customer field: one row per group of the matching customers, with a measure.

Each matching customer is joined to its own lines of the period (index orders(customer_id,
date)) and measured once (net spend, orders), then the customers are counted per group: the
conditions are evaluated once, and only the table the key lives in is joined. A customer with
no lines counts as 0. Measures: ``count`` and ``spend`` (rows: customers and net spend), and
``aov`` (net spend ÷ orders), ``avg_spend`` (net spend ÷ customers), ``median_orders``,
``median_spend`` (over the group's customers) and ``share`` (the group's net spend as a per
cent of the total), given as ``value``. ``by = "all"`` is one row for every match.

Example::

    q = interpret("average order value by city", catalog)
    customer_groups(conn, q, matching_conditions(q))[0]   # {'key': 'Kazan', 'value': …, …}
"""

from __future__ import annotations

import statistics
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, select

from query_language import ast as a
from query_language.compile import C, L, O, compile_where, in_period
from query_language.fields import GROUP_KEYS
from storage import schema as s

__all__ = ["customer_groups", "MEASURES"]

MEASURES = ("aov", "avg_spend", "median_orders", "median_spend", "share")


def _key(conn: Connection, out: a.Group) -> tuple[Any, Any]:
    """The grouping column and the customers joined to the table it lives in."""
    base: Any = s.customers
    if out.by == "all":
        return literal(""), base
    if out.by == "property":
        cp = s.customer_properties.alias("cp")
        types = {"number": "number_value", "date": "date_value", "yesno": "bool_value"}
        prop_type = conn.execute(
            select(s.property_definitions.c.type).where(
                s.property_definitions.c.id == out.property_id
            )
        ).scalar_one()
        on = and_(cp.c.customer_id == C.id, cp.c.property_id == out.property_id)
        return cp.c[types.get(prop_type, "text_value")], base.outerjoin(cp, on)
    source = GROUP_KEYS[out.by]
    if source == "managers":
        return s.managers.c.name, base.outerjoin(s.managers, s.managers.c.id == C.manager_id)
    if source == "classes":
        cc = s.customer_classes.alias("cc")
        on = cc.c.customer_id == C.id
        return cc.c[{"rfm": "rfm_segment"}.get(out.by, out.by)], base.outerjoin(cc, on)
    return C[out.by], base


def _value(measure: str, row: dict[str, Any], total: float, values: list[float]) -> float | None:
    if measure == "aov":
        return round(row["spend"] / row["orders"], 2) if row["orders"] else None
    if measure == "avg_spend":
        return round(row["spend"] / row["count"], 2) if row["count"] else None
    if measure == "share":
        return round(100 * row["spend"] / total, 2) if total else None
    return float(statistics.median(values)) if values else None


def _bought_in_period(query: a.Query, conds: list[Any]) -> list[Any] | None:
    """When the question's whole condition is "bought in its own period" (``spend by city this
    year``) and ``conds`` starts with it, the other conditions (archived, the reader's scope);
    else None. The period's sums then say who bought (``max(quantity) > 0``), so the copy reads
    the period's lines once instead of twice (a semi-join for the condition, a join for the
    sums)."""
    w = query.where
    if not (
        isinstance(w, a.Bought)
        and w.spend is None
        and w.orders is None
        and not w.scope.products
        and not w.scope.categories
        and w.period is not None
        and w.period == query.period
        and conds
        and conds[0].compare(compile_where(w))
    ):
        return None
    return conds[1:]


def customer_groups(conn: Connection, query: a.Query, conds: list[Any]) -> list[dict[str, Any]]:
    """One row per group (see the module docstring), largest measure first."""
    out = query.output
    assert isinstance(out, a.Group)
    key, base = _key(conn, out)
    plain = out.measure in ("count", "spend")
    purchases = func.count(case((L.quantity > 0, O.id)).distinct())
    if conn.dialect.name == "duckdb":
        # The columnar copy: the period's lines summed per customer in one pass, then the
        # matching customers joined to the sums (1.19x DuckDB's hand SQL at 1M customers).
        sums = [func.sum(L.amount).label("spend")]
        if not plain:
            sums.append(purchases.label("orders"))
        rest = _bought_in_period(query, conds)
        if rest is not None:
            sums.append(func.max(L.quantity).label("most"))
        spent = (
            select(O.customer_id.label("cid"), *sums)
            .select_from(s.orders.join(s.order_lines, L.order_id == O.id))
            .where(*in_period(O.date, query.period))
            .group_by(O.customer_id)
            .subquery("spent")
        )
        cols = [C.id, key.label("key"), func.coalesce(spent.c.spend, 0).label("spend")]
        if not plain:
            cols.append(func.coalesce(spent.c.orders, 0).label("orders"))
        if rest is None:
            joined, where = base.outerjoin(spent, spent.c.cid == C.id), conds
        else:  # the buyers of the period are those with a purchase line among its sums
            joined, where = base.join(spent, spent.c.cid == C.id), [spent.c.most > 0, *rest]
        per = select(*cols).select_from(joined).where(*where).subquery("per")
    else:
        # The row stores: each matching customer joined to its own lines of the period (index
        # orders(customer_id, date)), so the conditions choose the customers first (lines
        # first was 2.7x slower at 1M customers on SQLite, docs/benchmarks.md).
        lines = base.outerjoin(
            s.orders, and_(O.customer_id == C.id, *in_period(O.date, query.period))
        ).outerjoin(s.order_lines, L.order_id == O.id)
        cols = [C.id, key.label("key"), func.coalesce(func.sum(L.amount), 0).label("spend")]
        if not plain:
            cols.append(purchases.label("orders"))
        per = select(*cols).select_from(lines).where(*conds).group_by(C.id, key).subquery("per")
    values: dict[Any, list[float]] = {}  # per group, each customer's measure (for medians)
    if out.measure.startswith("median_"):
        col = per.c.orders if out.measure == "median_orders" else per.c.spend
        for k, v in conn.execute(select(per.c.key, col)):
            values.setdefault(k, []).append(float(v or 0))
    count, spend = func.count(), func.coalesce(func.sum(per.c.spend), 0)
    columns = [per.c.key, count.label("count"), spend.label("spend")]
    if not plain:
        columns.append(func.coalesce(func.sum(per.c.orders), 0).label("orders"))
    stmt = select(*columns).group_by(per.c.key)
    if plain:
        order = spend.desc() if out.measure == "spend" else count.desc()
        stmt = stmt.order_by(order, per.c.key.asc().nulls_last())
    rows = []
    total = 0.0
    for r in conn.execute(stmt).mappings():
        row: dict[str, Any] = {
            "key": r["key"] if out.by != "all" else None,
            "count": int(r["count"]),
            "spend": round(float(r["spend"] or 0), 2),
        }
        if not plain:
            row["orders"] = int(r["orders"] or 0)
        total += row["spend"]
        rows.append((r["key"], row))
    if not plain:
        for raw, row in rows:
            row["value"] = _value(out.measure, row, total, values.get(raw, []))
        rows.sort(key=lambda kr: (kr[1]["value"] is None, -(kr[1]["value"] or 0), str(kr[0])))
    return [row for _raw, row in rows]
