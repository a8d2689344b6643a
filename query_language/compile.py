"""The query as understood → SQLAlchemy Core: one function per node kind, values always bound.

Spend and order counts are aggregated per customer in a subquery (``GROUP BY customer_id``)
and then matched against customers; a spend or order-count condition that 0 satisfies is
written as *not among those who fail it*, so customers without lines count as 0.

Example::

    compile_where(FieldIs("city", ("Moscow",), "Moscow"))   # customers.city IN (:city_1)
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, not_, or_, select, true

from query_language import ast as a
from query_language.fields import FIELDS, OPERATORS, holds
from storage import schema as s

__all__ = ["compile_where", "matching_ids", "latest_run", "purchase_lines", "in_period"]

C, O, L = s.customers.c, s.orders.c, s.order_lines.c  # noqa: E741
_LINES = s.orders.join(s.order_lines, L.order_id == O.id)


def latest_run() -> Any:
    """The id of the newest class run (None when there is none)."""
    return select(func.max(s.class_runs.c.id)).scalar_subquery()


def in_period(col: Any, period: a.Period | None, *, timestamps: bool = False) -> list[Any]:
    """Conditions that put ``col`` inside ``period`` (both ends inclusive)."""
    if period is None:
        return []
    out = []
    if period.start is not None:
        out.append(col >= (datetime.combine(period.start, time()) if timestamps else period.start))
    if period.end is not None:
        if timestamps:
            out.append(col < datetime.combine(period.end + timedelta(days=1), time()))
        else:
            out.append(col <= period.end)
    return out


def _scope(scope: a.Scope) -> list[Any]:
    out = []
    if scope.products:
        out.append(L.product_id.in_(scope.products))
    if scope.categories:
        out.append(L.product_id.in_(select(s.products.c.id).where(s.products.c.category.in_(scope.categories))))
    return out


def purchase_lines(scope: a.Scope, period: a.Period | None) -> Select:
    """Customer ids with a purchase line (positive quantity) in scope and period."""
    return select(O.customer_id).select_from(_LINES).where(L.quantity > 0, *_scope(scope), *in_period(O.date, period))


def _cmp(expr: Any, cmp: a.Cmp) -> Any:
    if cmp.op == "between":
        return expr.between(cmp.value, cmp.high)
    return OPERATORS[cmp.op].apply(expr, cmp.value)


def _aggregate(measure: str, cmp: a.Cmp, scope: a.Scope, period: a.Period | None) -> Any:
    """Customers whose spend / order count satisfies ``cmp``; no lines count as 0."""
    if measure == "spend":
        agg: Any = func.sum(L.amount)
        q = select(O.customer_id).select_from(_LINES).where(*_scope(scope), *in_period(O.date, period))
    else:
        agg = func.count(O.id.distinct())
        q = purchase_lines(scope, period)
    q = q.group_by(O.customer_id)
    if holds(cmp.op, 0, cmp.value, cmp.high):
        return C.id.not_in(q.having(not_(_cmp(agg, cmp))))
    return C.id.in_(q.having(_cmp(agg, cmp)))


def _classes(kind: str, value: str) -> Any:
    cc = s.customer_classes.c
    col = {"abc": cc.abc, "xyz": cc.xyz, "rfm": cc.rfm_segment}[kind]
    return C.id.in_(select(cc.customer_id).where(cc.run_id == latest_run(), col == value))


def _property(n: a.PropertyCmp) -> Any:
    cp = s.customer_properties.c
    col = {"number": cp.number_value, "date": cp.date_value, "yesno": cp.bool_value,
           "text": cp.text_value}[n.type]
    cmp = n.cmp
    if n.type == "text":
        col = func.lower(col)
        cmp = a.Cmp(cmp.op, str(cmp.value).lower(), cmp.high)
    return C.id.in_(select(cp.customer_id).where(cp.property_id == n.property_id, _cmp(col, cmp)))


def compile_where(node: a.Node) -> ColumnElement[bool]:
    """A condition on ``customers`` for a resolved node (see module docstring)."""
    if isinstance(node, a.And):
        return and_(true(), *(compile_where(n) for n in node.items))
    if isinstance(node, a.Or):
        return or_(false(), *(compile_where(n) for n in node.items))
    if isinstance(node, a.Not):
        return not_(compile_where(node.item))
    if isinstance(node, a.Everyone):
        return true()
    if isinstance(node, a.FieldIs):
        col = FIELDS[node.field].column
        return and_(col.is_not(None), col.in_(node.values))  # never NULL, so NOT works
    if isinstance(node, a.CustomerIs):
        return C.id.in_(node.ids)
    if isinstance(node, a.Bought):
        conds = [C.id.in_(purchase_lines(node.scope, node.period))]
        if node.spend is not None:
            conds.append(_aggregate("spend", node.spend, node.scope, node.period))
        if node.orders is not None:
            conds.append(_aggregate("orders", node.orders, node.scope, node.period))
        return and_(*conds)
    if isinstance(node, a.SpendCmp):
        return _aggregate("spend", node.cmp, node.scope, node.period)
    if isinstance(node, a.OrderCountCmp):
        return _aggregate("orders", node.cmp, node.scope, node.period)
    if isinstance(node, a.Lapsed):
        before = a.Period(None, node.period.start - timedelta(days=1)) if node.period.start else None
        return and_(C.id.in_(purchase_lines(a.Scope(), before)),
                    C.id.not_in(purchase_lines(a.Scope(), node.period)))
    if isinstance(node, a.LastPurchase):
        last = func.max(O.date)
        q = purchase_lines(a.Scope(), None).group_by(O.customer_id)
        return C.id.in_(q.having(and_(true(), *in_period(last, node.period))))
    if isinstance(node, a.Created):
        return and_(true(), *in_period(C.created_at, node.period))
    if isinstance(node, a.RatingIn):
        letters = [r for r in node.ratings if r]
        parts = ([and_(C.rating.is_not(None), C.rating.in_(letters))] if letters else []) + ([C.rating.is_(None)] if "" in node.ratings else [])
        return or_(false(), *parts)
    if isinstance(node, a.HasTag):
        ct = s.customer_tags.c
        return C.id.in_(select(ct.customer_id).where(ct.tag_id == node.tag_id))
    if isinstance(node, a.StatusIs):
        return C.status == node.status
    if isinstance(node, a.PropertyCmp):
        return _property(node)
    if isinstance(node, a.Interacted):
        it = s.interactions.c
        conds = ([it.kind == node.kind] if node.kind else []) + in_period(it.date, node.period, timestamps=True)
        return C.id.in_(select(it.customer_id).where(*conds))
    if isinstance(node, a.ClassIs):
        return _classes(node.kind, node.value)
    if isinstance(node, a.InSegment):
        if node.dynamic is not None:
            return compile_where(node.dynamic)
        sm = s.segment_members.c
        return C.id.in_(select(sm.customer_id).where(sm.segment_id == node.segment_id))
    raise TypeError(f"cannot compile {type(node).__name__}")


def matching_ids(query: a.Query, *, scope_manager_id: int | None = None) -> Select:
    """``SELECT customers.id`` of the customers ``query`` matches (archived left out unless
    asked for), within a manager's scope (their own and their team's customers) when given.

    Example: ``conn.execute(matching_ids(interpret("vip", catalog))).scalars().all()``.
    """
    conds = [compile_where(query.where)]
    if not query.include_archived:
        conds.append(C.status != "archived")
    if scope_manager_id is not None:
        team = select(s.managers.c.id).where(s.managers.c.team_lead_id == scope_manager_id)
        conds.append(or_(C.manager_id == scope_manager_id, C.manager_id.in_(team)))
    return select(C.id).where(*conds)
