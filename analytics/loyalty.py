"""Loyalty points and tiers: the points ledger rebuilt from the orders, and tiers moved by the
recompute as part of its batch (audited like the rating, undone by the same undo).

Points: each order line earns ``amount × multiplier(category) / amount_per_point`` (a return's
negative amount subtracts), in whole points toward zero per order (``per = "order"``) or per
line (``per = "line"``); ``loyalty_points`` holds one row per order that earned any. A tier is
the highest one whose least points the customer's points of the last ``window_months`` reach
(the window of ``last 12 months``). Archived customers keep their tier.

Every tier change is a ``tier`` row of the audit log whose source says how it moved:
``loyalty promoted to gold``, ``loyalty demoted to silver``, ``loyalty joined bronze``
(no tier before); the query language's ``promoted`` / ``demoted`` read these.

Example::

    with engine.begin() as conn:
        plan = plan_tiers(conn, settings.loyalty, date(2026, 11, 22))   # rebuilds the ledger
        changed = apply_tiers(conn, plan, batch_id)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Integer,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.types import Numeric

from analytics.aggregate import default_window
from analytics.settings import LoyaltySettings
from storage.bulk import temp_table
from storage.changes import Actor, finish_batch, set_field, start_batch
from storage.schema import batches, customers, loyalty_points, order_lines, orders, products

__all__ = [
    "MOVES",
    "TierPlan",
    "rebuild_points",
    "plan_tiers",
    "apply_tiers",
    "window_points",
    "SOURCE",
    "recompute_tiers",
]

MOVES = ("promoted", "demoted", "joined")  # how a tier change is told (``SOURCE``)
SOURCE = "loyalty {move} to {tier}"  # the audit source of a tier change


def _whole(conn: Connection, x: ColumnElement[Any]) -> ColumnElement[Any]:
    """Whole points toward zero, after rounding away a float's last digits (299.99999… is 300)."""
    if conn.dialect.name == "postgresql":
        return cast(func.trunc(func.round(cast(x, Numeric), 6)), Integer)
    return cast(func.round(x, 6), Integer)  # SQLite's CAST truncates toward zero


def _line_points(settings: LoyaltySettings) -> ColumnElement[Any]:
    factor: ColumnElement[Any] = literal(1.0)
    if settings.multipliers:
        factor = case(
            *((products.c.category == cat, literal(m)) for cat, m in settings.multipliers.items()),
            else_=literal(1.0),
        )
    return order_lines.c.amount * factor / settings.amount_per_point


def rebuild_points(conn: Connection, settings: LoyaltySettings) -> int:
    """Rewrite the ledger from the orders by the formula of ``settings``; returns its rows.

    The lines are summed per order first (in the order of the lines' order index, no sort) and
    only then joined to their orders: 1.5 M lines in about 3 s on SQLite instead of 11 s. A
    deleted order's row stays until the next rebuild (the ledger has no foreign keys)."""
    raw = _line_points(settings)
    lines: Any = order_lines
    if settings.multipliers:
        lines = order_lines.join(products, products.c.id == order_lines.c.product_id)
    earned: ColumnElement[Any]
    if settings.per == "line":
        earned = func.sum(_whole(conn, raw))
    else:
        earned = _whole(conn, func.sum(raw))
    per_order = (
        select(order_lines.c.order_id, earned.label("points"))
        .select_from(lines)
        .group_by(order_lines.c.order_id)
        .subquery("per_order")
    )
    conn.execute(delete(loyalty_points))
    return conn.execute(
        loyalty_points.insert().from_select(
            ["order_id", "customer_id", "date", "points"],
            select(orders.c.id, orders.c.customer_id, orders.c.date, per_order.c.points)
            .select_from(per_order.join(orders, orders.c.id == per_order.c.order_id))
            .where(per_order.c.points != 0),
        )
    ).rowcount


def window_points(settings: LoyaltySettings, today: date) -> Any:
    """A subquery of (customer_id, points): each customer's points of the tier window."""
    window = default_window(today, settings.window_months)
    lp = loyalty_points.c
    return (
        select(lp.customer_id, func.sum(lp.points).label("points"))
        .where(lp.date >= window.start, lp.date <= window.end)
        .group_by(lp.customer_id)
        .subquery("window_points")
    )


def _rank(expr: ColumnElement[Any], tiers: list[tuple[str, int]]) -> ColumnElement[Any]:
    """A tier's place from the lowest (0, 1, …); no tier -1, a tier no longer configured -1."""
    return case(*((expr == name, literal(i)) for i, (name, _n) in enumerate(tiers)), else_=-1)


@dataclass
class TierPlan:
    """What the tiers would do: customers per move, a sample of names per move."""

    today: date
    moves: dict[str, int]  # promoted | demoted | joined -> customers
    samples: dict[str, list[tuple[str, str | None, str | None]]] = field(default_factory=dict)
    target: Table | None = field(default=None, repr=False)  # (customer_id, tier, move)

    @property
    def changes(self) -> int:
        return sum(self.moves.values())


def _materialise(conn: Connection, settings: LoyaltySettings, today: date) -> Table:
    tiers = settings.ordered()
    pts = window_points(settings, today)
    got = func.coalesce(pts.c.points, 0)
    new_tier = case(
        *((got >= least, literal(name)) for name, least in reversed(tiers)),
        else_=null(),
    )
    target = temp_table(
        conn,
        [
            Column("customer_id", Integer, primary_key=True, autoincrement=False),
            Column("tier", String(40)),
            Column("move", String(10)),
        ],
    )
    staged = (
        select(customers.c.id.label("customer_id"), new_tier.label("tier"))
        .select_from(customers.outerjoin(pts, pts.c.customer_id == customers.c.id))
        .where(customers.c.status != "archived")
        .subquery("staged")
    )
    before, after = customers.c.tier, staged.c.tier
    move = case(
        (before.is_(None), literal("joined")),
        (after.is_(None), literal("demoted")),
        (_rank(after, tiers) > _rank(before, tiers), literal("promoted")),
        else_=literal("demoted"),
    )
    conn.execute(
        target.insert().from_select(
            ["customer_id", "tier", "move"],
            select(staged.c.customer_id, after, move)
            .select_from(staged.join(customers, customers.c.id == staged.c.customer_id))
            .where(before.is_distinct_from(after)),
        )
    )
    return target


def _samples(
    conn: Connection, target: Table, limit: int
) -> dict[str, list[tuple[str, str | None, str | None]]]:
    """Up to ``limit`` (name, tier before, tier after) per move, by name."""
    out: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for move in MOVES:
        rows = conn.execute(
            select(customers.c.name, customers.c.tier, target.c.tier)
            .select_from(target.join(customers, customers.c.id == target.c.customer_id))
            .where(target.c.move == move)
            .order_by(customers.c.name)
            .limit(limit)
        ).all()
        if rows:
            out[move] = [(n, b, a) for n, b, a in rows]
    return out


def plan_tiers(
    conn: Connection, settings: LoyaltySettings, today: date, *, sample: int = 5
) -> TierPlan:
    """Rebuild the ledger and say how the tiers would move (in ``conn``'s transaction); the
    plan keeps its table of moves for ``apply_tiers`` on the same connection."""
    rebuild_points(conn, settings)
    target = _materialise(conn, settings, today)
    counts = conn.execute(select(target.c.move, func.count()).group_by(target.c.move)).all()
    moves = {m: n for m, n in counts}
    return TierPlan(today, moves, _samples(conn, target, sample), target)


def apply_tiers(conn: Connection, plan: TierPlan, batch_id: int) -> int:
    """Move the customers of ``plan`` into their tiers within batch ``batch_id`` (audited, one
    statement group per tier and move); returns how many changed. Drops the plan's table."""
    target = plan.target
    if target is None:
        raise ValueError("this tier plan was applied already")
    plan.target = None
    changed = 0
    try:
        groups = conn.execute(select(target.c.tier, target.c.move).distinct()).all()
        for tier, move in sorted(groups, key=lambda g: (str(g[0]), g[1])):
            ids = select(target.c.customer_id).where(
                and_(target.c.tier.is_not_distinct_from(tier), target.c.move == move)
            )
            source = SOURCE.format(move=move, tier=tier or "no tier")
            changed += set_field(conn, batch_id, "tier", tier, ids, source=source)
    finally:
        target.drop(conn)
    return changed


def recompute_tiers(
    conn: Connection, settings: LoyaltySettings, today: date, actor: Actor
) -> int | None:
    """The tiers alone (the demo's first tiers), as one undoable batch of their own; None when
    no tier moved (then no batch is left behind). The recompute does this within its batch."""
    plan = plan_tiers(conn, settings, today)
    batch_id = start_batch(
        conn, actor, action="recompute", description=f"loyalty tiers for {today}"
    )
    changed = apply_tiers(conn, plan, batch_id)
    if changed == 0:
        conn.execute(delete(batches).where(batches.c.id == batch_id))
        return None
    finish_batch(conn, batch_id, changed)
    return batch_id
