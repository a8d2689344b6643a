"""Answers by a dimension of the order lines: products, categories, months, weeks, quarters, years.

The customers the conditions match are chosen first; their order lines in the query's period
(all time without one) are then grouped by the dimension. Each row is the group's label and its
measures: net spend, distinct orders with a purchase, and buying customers (also as ``count``,
so a chart or a table of groups reads every kind of grouping the same way). Time dimensions are
calendar buckets (ISO weeks from Monday) and every bucket of the period is a row, empty ones 0.
Asked for (``average order value by product``, ``share of spend by category``), a row also
has its ``value``: average order value (net spend ÷ orders), average spend per buying customer,
or the share of the net spend of every group of the period, in per cent (``ast.LINE_MEASURES``);
products and categories are then ranked by it.

Example::

    q = interpret("spend by month this year", catalog, today=date(2026, 11, 22))
    line_groups(conn, q, matching_conditions(q))[0]   # {'key': '2026-01', 'spend': …, …}
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Integer, case, cast, func, select

from query_language import ast as a
from query_language.compile import C, L, O, in_period
from storage import schema as s

__all__ = ["line_groups", "bucket_start", "bucket_label"]

P = s.products.c
_TRUNC = {"week": "week", "month": "month", "quarter": "quarter", "year": "year"}


def _bucket(unit: str, dialect: str) -> Any:
    """The first day of the line's calendar bucket, as 'YYYY-MM-DD' text, in ``dialect``."""
    d = O.date
    if dialect == "postgresql":
        return func.to_char(func.date_trunc(_TRUNC[unit], d), "YYYY-MM-DD")
    if dialect == "duckdb":
        return func.strftime(func.date_trunc(_TRUNC[unit], d), "%Y-%m-%d")
    if unit == "week":  # SQLite: the Sunday on or after, less six days
        return func.date(d, "weekday 0", "-6 days")
    if unit == "month":
        return func.strftime("%Y-%m-01", d)
    if unit == "year":
        return func.strftime("%Y-01-01", d)
    month = (cast(func.strftime("%m", d), Integer) - 1) // 3 * 3 + 1
    return func.printf("%s-%02d-01", func.strftime("%Y", d), month)


def bucket_start(d: date, unit: str) -> date:
    """The first day of the week (Monday), month, quarter or year that contains ``d``."""
    if unit == "week":
        return d - timedelta(days=d.weekday())
    if unit == "month":
        return d.replace(day=1)
    if unit == "quarter":
        return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
    return date(d.year, 1, 1)


def _next(d: date, unit: str) -> date:
    if unit == "week":
        return d + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


def bucket_label(d: date, unit: str) -> str:
    """``2026-03`` (month), ``2026-W10`` (ISO week), ``2026-Q1``, ``2026``."""
    if unit == "week":
        y, w, _ = d.isocalendar()
        return f"{y}-W{w:02d}"
    if unit == "month":
        return f"{d.year}-{d.month:02d}"
    if unit == "quarter":
        return f"{d.year}-Q{(d.month - 1) // 3 + 1}"
    return str(d.year)


def _row(key: Any, r: Any, measure: str = "count", total: float | None = None) -> dict[str, Any]:
    customers = int(r["customers"] or 0) if r is not None else 0
    row: dict[str, Any] = {
        "key": key,
        "spend": round(float(r["spend"] or 0), 2) if r is not None else 0.0,
        "orders": int(r["orders"] or 0) if r is not None else 0,
        "customers": customers,
        "count": customers,
    }
    if measure in a.LINE_MEASURES:
        spend = float(r["spend"] or 0) if r is not None else 0.0
        if measure == "share":
            row["value"] = round(100 * spend / total, 2) if total else None
        else:
            per = row["orders"] if measure == "aov" else customers
            row["value"] = round(spend / per, 2) if per else None
    return row


def _total(query: a.Query, got: Any) -> float | None:
    """What a share is of: the net spend of every group of the period, the rows' own sum (a
    share is never cut to the first N: no form asks for a top N by a measure). None: no share."""
    out = query.output
    assert isinstance(out, a.Group)
    if out.measure != "share":
        return None
    assert out.n is None, "a share of the first N would need the whole period's spend"
    return sum(float(r["spend"] or 0) for r in got)


def line_groups(conn: Connection, query: a.Query, conds: list[Any]) -> list[dict[str, Any]]:
    """One row per product, category or calendar bucket (see the module docstring)."""
    out = query.output
    assert isinstance(out, a.Group)
    purchase = L.quantity > 0
    key: Any
    lines: Any = s.orders.join(s.order_lines, L.order_id == O.id)
    if out.by in ("product", "category"):
        lines = lines.join(s.products, P.id == L.product_id)
        key = P.name if out.by == "product" else P.category
    else:
        key = _bucket(out.by, conn.dialect.name)
    spend = func.coalesce(func.sum(L.amount), 0)
    orders = func.count(case((purchase, O.id)).distinct())
    customers = func.count(case((purchase, O.customer_id)).distinct())
    stmt = (
        select(
            key.label("key"),
            spend.label("spend"),
            orders.label("orders"),
            customers.label("customers"),
        )
        .select_from(lines)
        .where(O.customer_id.in_(select(C.id).where(*conds)), *in_period(O.date, query.period))
        .group_by(key)
    )
    if out.by in ("product", "category"):
        measure = {
            "spend": spend,
            "orders": orders,
            "share": spend,
            "aov": spend / func.nullif(orders, 0),
            "avg_spend": spend / func.nullif(customers, 0),
        }.get(out.measure, customers)
        stmt = stmt.order_by(
            (measure.asc() if out.ascending else measure.desc()).nulls_last(),
            key.asc().nulls_last(),
        )
        if out.n is not None:
            stmt = stmt.limit(out.n)
        got = conn.execute(stmt).mappings().all()
        total = _total(query, got)
        return [_row(r["key"], r, out.measure, total) for r in got]
    got = conn.execute(stmt).mappings().all()
    total = _total(query, got)
    found = {date.fromisoformat(str(r["key"])[:10]): r for r in got}
    p = query.period
    first = p.start if p is not None and p.start is not None else min(found, default=None)
    last = p.end if p is not None and p.end is not None else max(found, default=None)
    if first is None or last is None:
        return []
    rows, b = [], bucket_start(first, out.by)
    while b <= last:
        rows.append(_row(bucket_label(b, out.by), found.get(b), out.measure, total))
        b = _next(b, out.by)
    return rows
