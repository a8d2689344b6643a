"""The loyalty conditions of the query language: ``tier gold``, ``points over 500``,
``promoted this month`` / ``demoted last month`` — their nodes, reading, SQL and echo.

Tiers are ``customers.tier``; points are the sum of a customer's ``loyalty_points`` rows (none
is 0); a promotion or demotion is a ``tier`` row of the audit log that the recompute wrote
(``loyalty promoted to gold``) in a batch not undone since (analytics/loyalty.py). Tier names are
the configuration's; a language's lexicon may name them (``DESCRIBE["tier_gold"] = "золотой"``).

Example::

    compile_loyalty(TierIs(("gold",)), False)   # customers.tier IN (:tier_1)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, select

from query_language import ast as a
from query_language.errors import QueryError
from query_language.fields import OPERATORS, holds
from storage import schema as s

__all__ = [
    "TierIs",
    "PointsCmp",
    "TierMoved",
    "LOYALTY_NODES",
    "read_tier",
    "compile_loyalty",
    "describe_loyalty",
]

C = s.customers.c
_TIER = re.compile(r"[a-z][a-z0-9_-]{0,39}")


@dataclass(frozen=True)
class TierIs(a.Node):
    """``tier gold``, ``tier silver or gold``: the customer's loyalty tier is one of these."""

    tiers: tuple[str, ...]


@dataclass(frozen=True)
class PointsCmp(a.Node):
    """``points over 500``: the loyalty points balance (customers without points have 0)."""

    cmp: a.Cmp


@dataclass(frozen=True)
class TierMoved(a.Node):
    """``promoted this month``: a tier change up (``promoted``) or down (``demoted``) within
    the period (None: ever), by a batch that was not undone."""

    move: str
    period: a.Period | None = None


LOYALTY_NODES = (TierIs, PointsCmp, TierMoved)  # none is in the analytical copy but TierIs


def read_tier(v: a.ValueWords, text: str, named: dict[str, str], normalise: Any) -> TierIs:
    """The tier ``v`` names: a configured name as such (``gold``) or in the lexicon's words
    (``named``: tier → word, e.g. ``gold`` → ``золотой``); raises QueryError otherwise."""
    if v.modifier is not None:
        raise QueryError(
            "tiers have no order in a query",
            span=v.span,
            text=text,
            expected=["a tier, or several: tier silver or gold"],
        )
    word = " ".join(normalise(w) for w in v.text.split())
    for tier, local in named.items():
        if word in (tier, " ".join(normalise(w) for w in local.split())):
            return TierIs((tier,), span=v.span)
    if _TIER.fullmatch(word):
        return TierIs((word,), span=v.span)
    raise QueryError(
        f"'{v.text}' is not a tier",
        span=v.span,
        text=text,
        expected=["a tier of the configuration, e.g. bronze, silver or gold"],
    )


# --- SQL ----------------------------------------------------------------------------------
def _points(n: PointsCmp) -> Any:
    lp = s.loyalty_points.c
    total = func.sum(lp.points)
    cmp = n.cmp
    cond = (
        total.between(cmp.value, cmp.high)
        if cmp.op == "between"
        else OPERATORS[cmp.op].apply(total, cmp.value)
    )
    q = select(lp.customer_id).group_by(lp.customer_id)
    if holds(cmp.op, 0, cmp.value, cmp.high):  # no points is 0 points
        return C.id.not_in(q.having(not_(cond)))
    return C.id.in_(q.having(cond))


def _moved(n: TierMoved) -> Any:
    from query_language.compile import in_period

    al, b = s.audit_log.c, s.batches.c
    kept = select(b.id).where(b.undone_by_batch_id.is_(None))
    return C.id.in_(
        select(al.customer_id).where(
            al.field == "tier",
            al.source.like(f"loyalty {n.move} %"),
            al.batch_id.in_(kept),
            *in_period(al.at, n.period, timestamps=True),
        )
    )


def compile_loyalty(node: a.Node, neg: bool) -> ColumnElement[bool]:
    """The condition on ``customers`` for a loyalty node (``neg``: under a NOT)."""
    if isinstance(node, TierIs):
        cond = C.tier.in_(node.tiers)
        return and_(C.tier.is_not(None), cond) if neg else cond
    if isinstance(node, PointsCmp):
        return _points(node)  # type: ignore[no-any-return]
    assert isinstance(node, TierMoved)
    return _moved(node)  # type: ignore[no-any-return]


# --- the echo -----------------------------------------------------------------------------
def describe_loyalty(
    node: a.Node,
    w: dict[str, Any],
    cmp_text: Callable[[a.Cmp, dict[str, Any]], str],
    period_text: Callable[[a.Period | None, dict[str, Any]], str],
) -> str | None:
    """``tier = gold``, ``points over 500``, ``promoted in 2026-11-01..2026-11-30``; None for a
    node that is not a loyalty one."""
    if isinstance(node, TierIs):
        names = [str(w.get(f"tier_{t}", t)) for t in node.tiers]
        return f"{w.get('tier', 'tier')} = " + f" {w['or']} ".join(names)
    if isinstance(node, PointsCmp):
        return f"{w.get('points', 'points')} {cmp_text(node.cmp, w)}"
    if isinstance(node, TierMoved):
        return f"{w.get(node.move, node.move)}{period_text(node.period, w)}"
    return None
