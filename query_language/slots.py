"""Conditions being bound (slots) and what each becomes once its period and amounts are in.

A slot collects, within one ``and`` list, the period, amount and order count the resolver binds
to it; ``finish`` turns it into the AST node the compiler reads (``Bought``, ``SpendCmp``,
``OrderCountCmp``, ``Lapsed``, …), with the errors of a condition that lacks what it needs.

Example::

    finish(Slot("spend", (0, 8), spend=Cmp(">", 40000.0)), ctx)   # SpendCmp(Cmp('>', 40000.0))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from query_language import ast as a
from query_language.errors import QueryError
from query_language.values import Context, PropertyRef

__all__ = ["Slot", "finish", "to_cmp", "TAKES_PERIOD"]

TAKES_PERIOD = {
    "bought",
    "spend",
    "orders",
    "lapsed",
    "last_purchase",
    "created",
    "interaction",
    "first_purchase",
    "returning",
    "tier_move",
}


@dataclass
class Slot:
    """A condition still collecting its period and amounts."""

    kind: str
    span: a.Span
    scope: a.Scope = a.Scope()
    period: a.Period | None = None
    spend: a.Cmp | None = None
    orders: a.Cmp | None = None
    prop: PropertyRef | None = None
    payload: str | None = None
    negate: bool = False

    def takes_period(self) -> bool:
        if self.period is not None:
            return False
        if self.kind == "property":
            return self.prop is not None and self.prop.type == "date" and self.spend is None
        return self.kind in TAKES_PERIOD


def to_cmp(c: a.Comparison, ctx: Context, want: str) -> a.Cmp:
    if want == "number" and not isinstance(c.value, float):
        raise QueryError(
            "an amount must be a number",
            span=c.span,
            text=ctx.text,
            expected=["a number such as 40000, 40k or 1.5m"],
        )
    value: Any = c.value.text if isinstance(c.value, a.ValueWords) else c.value
    return a.Cmp(c.op, value, c.high, span=c.span)


def _property_cmp(slot: Slot, ctx: Context) -> a.Node:
    prop = slot.prop
    assert prop is not None
    cmp = slot.spend
    if cmp is None and slot.period is not None:
        p = slot.period
        if p.start and p.end:
            cmp = a.Cmp("between", p.start, p.end)
        elif p.start:
            cmp = a.Cmp(">=", p.start)
        else:
            assert p.end is not None  # a period is open on one side at most
            cmp = a.Cmp("<=", p.end)
    if cmp is None:
        if prop.type != "yesno":
            raise QueryError(
                f"what about {prop.name}?",
                span=prop.span,
                text=ctx.text,
                expected=["over, under, at least, at most, = or between, then a value"],
            )
        cmp = a.Cmp("=", True)
    if prop.type == "yesno" and isinstance(cmp.value, str):
        truth = cmp.value.strip().casefold()
        if truth not in ("yes", "no", "true", "false", "да", "нет"):
            raise QueryError(
                f"{prop.name} is yes or no", span=cmp.span, text=ctx.text, expected=["yes", "no"]
            )
        cmp = a.Cmp("=", truth in ("yes", "true", "да"))
    if prop.type == "number" and not isinstance(cmp.value, float):
        raise QueryError(
            f"{prop.name} is a number", span=cmp.span, text=ctx.text, expected=["a number"]
        )
    if prop.type == "date" and not isinstance(cmp.value, date):
        raise QueryError(
            f"{prop.name} is a date", span=cmp.span, text=ctx.text, expected=["a date"]
        )
    return a.PropertyCmp(prop.property_id, prop.name, prop.type, cmp, span=prop.span)


def finish(slot: Slot, ctx: Context) -> a.Node:
    k, p, span = slot.kind, slot.period, slot.span
    node: a.Node
    if k == "bought":
        node = a.Bought(slot.scope, p, slot.spend, slot.orders, span=span)
    elif k == "spend":
        assert slot.spend is not None
        node = a.SpendCmp(slot.spend, slot.scope, p, span=span)
    elif k == "orders":
        assert slot.orders is not None
        node = a.OrderCountCmp(slot.orders, slot.scope, p, span=span)
    elif k == "interaction":
        node = a.Interacted(slot.payload, p, span=span)
    elif k == "property":
        node = _property_cmp(slot, ctx)
    elif k == "tier_move":
        from query_language.loyalty import TierMoved

        node = TierMoved(slot.payload or "promoted", p, span=span)
    elif k == "created" and p is None:
        node = a.ClassIs("rfm", "new", span=span)  # "new" alone: the RFM segment
    elif p is None:
        raise QueryError(
            "since when?",
            span=span,
            text=ctx.text,
            expected=["a period, e.g. last 90 days or before 2026-01-01"],
        )
    elif k == "lapsed":
        if p.start is None:
            raise QueryError(
                "a lapse needs a start", span=span, text=ctx.text, expected=["e.g. last 90 days"]
            )
        node = a.Lapsed(p, span=span)
    elif k == "last_purchase":
        node = a.LastPurchase(p, span=span)
    elif k in ("first_purchase", "returning"):
        if p.start is None:
            raise QueryError(
                "since when?",
                span=span,
                text=ctx.text,
                expected=["a period, e.g. last 90 days or before 2026-01-01"],
            )
        node = (a.FirstPurchase if k == "first_purchase" else a.Returning)(p, span=span)
    else:
        node = a.Created(p, span=span)
    return a.Not(node, span=span) if slot.negate else node
