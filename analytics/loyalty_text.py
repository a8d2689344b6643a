"""What people read about loyalty: a customer's points, tier and last tier change (for the card
and ``explain``), and the tier moves of a recompute (for its preview and report).

Example::

    customer_loyalty(conn, 42, settings.loyalty, date(2026, 11, 22)).lines()
    # ['Loyalty: 1 234 points (820 in 2025-11-23..2026-11-22), tier gold',
    #  'Last tier change: 2026-11-22 promoted to gold (silver → gold)']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, func, select

from analytics.aggregate import Window, default_window
from analytics.loyalty import MOVES, TierPlan
from analytics.settings import LoyaltySettings
from storage.formatting import money
from storage.schema import audit_log, customers, loyalty_points, orders

__all__ = [
    "CustomerLoyalty",
    "customer_loyalty",
    "tier_lines",
    "tier_summary",
    "move_word",
    "tier_name",
    "points_history",
]


def _english(message: str) -> str:
    """The identity translation: messages are written in English."""
    return message


def move_word(move: str, _: Callable[[str], str]) -> str:
    """How a tier moved, in the language of ``_``: promoted, demoted, joined, undone."""
    words = {
        "promoted": _("promoted"),
        "demoted": _("demoted"),
        "joined": _("joined"),
        "undo": _("undone"),
    }
    return words.get(move, move)


def tier_name(tier: str | None, _: Callable[[str], str] = _english) -> str:
    """A tier as people read it: the usual names translated, any other as configured."""
    if not tier:
        return _("no tier")
    names = {
        "bronze": _("bronze"),
        "silver": _("silver"),
        "gold": _("gold"),
        "platinum": _("platinum"),
    }
    return names.get(tier, tier)


def tier_summary(plan: TierPlan, _: Callable[[str], str] = _english) -> str:
    """``3 promoted, 1 demoted, 40 joined a tier`` (in the language of ``_``)."""
    return _("{promoted} promoted, {demoted} demoted, {joined} joined a tier").format(
        promoted=plan.moves.get("promoted", 0),
        demoted=plan.moves.get("demoted", 0),
        joined=plan.moves.get("joined", 0),
    )


def tier_lines(plan: TierPlan, _: Callable[[str], str] = _english) -> list[str]:
    """The recompute report's lines about tiers, with a sample of names per move."""
    out = [_("Loyalty tiers: {summary}.").format(summary=tier_summary(plan, _))]
    labels = {
        "promoted": _("Promoted: {names}"),
        "demoted": _("Demoted: {names}"),
        "joined": _("Joined a tier: {names}"),
    }
    for move in MOVES:
        names = plan.samples.get(move)
        if not names:
            continue
        listed = ", ".join(
            f"{n} ({tier_name(b, _) if b else '-'} → {tier_name(a, _) if a else '-'})"
            for n, b, a in names
        )
        more = plan.moves.get(move, 0) - len(names)
        if more > 0:
            listed = _("{names} and {more} more").format(names=listed, more=more)
        out.append(labels[move].format(names=listed))
    return out


@dataclass(frozen=True)
class CustomerLoyalty:
    """One customer's points (all time and in the tier window), tier and last tier change."""

    balance: int
    in_window: int
    window: Window
    tier: str | None
    changed_at: datetime | None = None
    move: str | None = None  # promoted | demoted | joined (from the audit source)
    before: str | None = None
    after: str | None = None

    def lines(self, _: Callable[[str], str] = _english) -> list[str]:
        tier = tier_name(self.tier, _)
        out = [
            _("Loyalty: {points} points ({window} in {start}..{end}), tier {tier}").format(
                points=money(self.balance),
                window=money(self.in_window),
                start=self.window.start,
                end=self.window.end,
                tier=tier,
            )
        ]
        if self.changed_at is not None:
            out.append(
                _("Last tier change: {day} {move} ({before} → {after})").format(
                    day=f"{self.changed_at:%Y-%m-%d %H:%M}",
                    move=move_word(self.move or "", _),
                    before=tier_name(self.before, _) if self.before else "-",
                    after=tier_name(self.after, _) if self.after else "-",
                )
            )
        return out


def customer_loyalty(
    conn: Connection, customer_id: int, settings: LoyaltySettings, today: date
) -> CustomerLoyalty:
    """Points, tier and the last tier change of one customer, from the ledger and audit log."""
    window = default_window(today, settings.window_months)
    lp = loyalty_points.c
    in_window = func.sum(lp.points).filter(lp.date >= window.start, lp.date <= window.end)
    balance, windowed = conn.execute(
        select(func.coalesce(func.sum(lp.points), 0), func.coalesce(in_window, 0)).where(
            lp.customer_id == customer_id
        )
    ).one()
    tier = conn.execute(select(customers.c.tier).where(customers.c.id == customer_id)).scalar()
    last = conn.execute(
        select(audit_log.c.at, audit_log.c.source, audit_log.c.before, audit_log.c.after)
        .where(audit_log.c.customer_id == customer_id, audit_log.c.field == "tier")
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return CustomerLoyalty(int(balance), int(windowed), window, tier)
    source = last.source or ""
    move = next((m for m in MOVES if source.startswith(f"loyalty {m}")), "undo")
    return CustomerLoyalty(
        int(balance), int(windowed), window, tier, last.at, move, last.before, last.after
    )


def points_history(
    conn: Connection, customer_id: int, limit: int = 5
) -> list[tuple[date, str, int]]:
    """The customer's latest ledger rows, newest first: (date, order number, points)."""
    lp = loyalty_points.c
    rows = conn.execute(
        select(lp.date, orders.c.order_no, lp.points)
        .select_from(loyalty_points.join(orders, orders.c.id == lp.order_id))
        .where(lp.customer_id == customer_id)
        .order_by(lp.date.desc(), lp.order_id.desc())
        .limit(limit)
    ).all()
    return [(d, str(no), int(p)) for d, no, p in rows]
