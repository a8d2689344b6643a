"""Running a query: the count, the page of rows with their measures, or the groups.

Spend, orders and last purchase are measured in the query's period (all time when it has
none) by one aggregate per customer, restricted to the matching customers, then joined.

Example::

    with engine.connect() as conn:
        result = run_query(conn, interpret("top 10 Kazan customers by spend this year", catalog))
    result.count, result.rows[0]["spend"], result.interpretation
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, and_, case, func, select

from query_language import ast as a
from query_language.compile import C, L, O, in_period, latest_run, matching_ids
from query_language.describe import describe
from query_language.fields import GROUP_KEYS
from storage import schema as s

__all__ = ["QueryResult", "run_query", "ROW_KEYS"]

ROW_KEYS = ("id", "external_id", "name", "city", "region", "country", "industry", "manager",
            "rating", "status", "spend", "orders", "last_purchase", "abc", "xyz", "rfm_segment",
            "r_score", "f_score", "m_score")


@dataclass
class QueryResult:
    count: int
    interpretation: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    period: tuple[date | None, date | None] | None = None
    output: a.Output = field(default_factory=a.Count)


def _metrics(ids: Select, period: a.Period | None) -> Any:
    purchase = L.quantity > 0
    return (
        select(O.customer_id.label("cid"),
               func.sum(L.amount).label("spend"),
               func.count(case((purchase, O.id)).distinct()).label("orders"),
               func.max(case((purchase, O.date))).label("last_purchase"))
        .select_from(s.orders.join(s.order_lines, L.order_id == O.id))
        .where(O.customer_id.in_(ids), *in_period(O.date, period))
        .group_by(O.customer_id)
        .subquery("m")
    )


def _joined(m: Any, cc: Any) -> Any:
    return (s.customers.outerjoin(s.managers, s.managers.c.id == C.manager_id)
            .outerjoin(m, m.c.cid == C.id)
            .outerjoin(cc, and_(cc.c.customer_id == C.id, cc.c.run_id == latest_run())))


def _as_date(x: Any) -> date | None:
    if x is None or isinstance(x, date):
        return x
    return date.fromisoformat(str(x)[:10])


def _rows(conn: Connection, query: a.Query, ids: Select, offset: int, limit: int | None) -> list[dict]:
    m = _metrics(ids, query.period)
    cc = s.customer_classes.alias("cc")
    spend = func.coalesce(m.c.spend, 0)
    orders = func.coalesce(m.c.orders, 0)
    stmt = select(
        C.id, C.external_id, C.name, C.city, C.region, C.country, C.industry,
        s.managers.c.name.label("manager"), C.rating, C.status, spend.label("spend"),
        orders.label("orders"), m.c.last_purchase.label("last_purchase"), cc.c.abc, cc.c.xyz,
        cc.c.rfm_segment, cc.c.r_score, cc.c.f_score, cc.c.m_score,
    ).select_from(_joined(m, cc)).where(C.id.in_(ids))
    out = query.output
    if isinstance(out, a.Top):
        measure = {"spend": spend.desc(), "orders": orders.desc(),
                   "last_purchase": m.c.last_purchase.desc().nulls_last()}[out.by]
        stmt = stmt.order_by(measure, C.name, C.id)
        end = out.n if limit is None else min(out.n, offset + limit)
        limit = max(0, end - offset)
    else:
        stmt = stmt.order_by(C.name, C.id)
    stmt = stmt.offset(offset) if offset else stmt
    stmt = stmt.limit(limit) if limit is not None else stmt
    rows = []
    for r in conn.execute(stmt).mappings():
        row = dict(r)
        row["spend"] = round(float(row["spend"] or 0), 2)
        row["orders"] = int(row["orders"] or 0)
        row["last_purchase"] = _as_date(row["last_purchase"])
        rows.append(row)
    return rows


def _groups(conn: Connection, query: a.Query, ids: Select) -> list[dict]:
    out = query.output
    assert isinstance(out, a.Group)
    m = _metrics(ids, query.period)
    cc = s.customer_classes.alias("cc")
    source = GROUP_KEYS[out.by]
    key = (s.managers.c.name if source == "managers"
           else cc.c[{"rfm": "rfm_segment"}.get(out.by, out.by)] if source == "classes" else C[out.by])
    count = func.count(C.id)
    spend = func.coalesce(func.sum(m.c.spend), 0)
    order = spend.desc() if out.measure == "spend" else count.desc()
    stmt = (select(key.label("key"), count.label("count"), spend.label("spend"))
            .select_from(_joined(m, cc)).where(C.id.in_(ids))
            .group_by(key).order_by(order, key.asc().nulls_last()))
    return [{"key": r.key, "count": int(r.count), "spend": round(float(r.spend or 0), 2)} for r in conn.execute(stmt)]


def run_query(conn: Connection, query: a.Query, *, offset: int = 0, limit: int | None = 10,
              scope_manager_id: int | None = None) -> QueryResult:
    """Count, page of rows (or groups) and the echo of ``query`` (see the module docstring).

    Rows come in a stable order: by the measure for ``top`` (then name, id), else by name, id.
    """
    ids = matching_ids(query, scope_manager_id=scope_manager_id)
    count = int(conn.execute(select(func.count()).select_from(ids.subquery())).scalar_one())
    period = (query.period.start, query.period.end) if query.period else None
    result = QueryResult(count, describe(query), period=period, output=query.output)
    if isinstance(query.output, a.Group):
        result.groups = _groups(conn, query, ids)
    else:
        result.rows = _rows(conn, query, ids, offset, limit)
    return result
