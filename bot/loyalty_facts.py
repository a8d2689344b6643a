"""The card's loyalty rows: points (all time and in the tier window) and the tier with its last
change, when ``[loyalty]`` has tiers.

Example::

    loyalty_facts(ctx, conn, 42)
    # [('loyalty points', '2 140 (1 410 in 12 months)'),
    #  ('tier', 'gold (promoted 2026-11-22 06:00)')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from bot.messages import Table
from storage.formatting import money

if TYPE_CHECKING:
    from bot.core import Context

__all__ = ["loyalty_facts", "loyalty_history"]


def loyalty_facts(ctx: Context, conn: Connection, customer_id: int) -> list[tuple[str, str]]:
    """The card rows about loyalty (none while loyalty is off)."""
    settings = ctx.settings.loyalty
    if not settings.enabled:
        return []
    from analytics.loyalty_text import customer_loyalty, move_word, tier_name

    _ = ctx._
    got = customer_loyalty(conn, customer_id, settings, ctx.today)
    points = _("{points} ({window} in {months} months)").format(
        points=money(got.balance), window=money(got.in_window), months=settings.window_months
    )
    tier = tier_name(got.tier, _)
    if got.changed_at is not None:
        tier = _("{tier} ({move} {day})").format(
            tier=tier, move=move_word(got.move or "", _), day=f"{got.changed_at:%Y-%m-%d %H:%M}"
        )
    return [(_("loyalty points"), points), (_("tier"), tier)]


def loyalty_history(ctx: Context, conn: Connection, customer_id: int) -> list[Table]:
    """The card's table of the latest orders' points (none while loyalty is off or no order
    earned any)."""
    if not ctx.settings.loyalty.enabled:
        return []
    from analytics.loyalty_text import points_history

    _ = ctx._
    rows = points_history(conn, customer_id)
    if not rows:
        return []
    return [
        Table(
            (_("date"), _("order"), _("points")),
            tuple((f"{d:%Y-%m-%d}", no, f"{p:+,}".replace(",", " ")) for d, no, p in rows),
            title=_("Loyalty points, latest orders"),
        )
    ]
