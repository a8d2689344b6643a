"""The card's loyalty rows: points (all time and in the tier window) and the tier with its last
change, when ``[loyalty]`` has tiers.

Example::

    loyalty_facts(ctx, conn, 42)
    # [('loyalty points', '2 140 (1 410 in 2025-11-23..2026-11-22)'),
    #  ('tier', 'gold: promoted 2026-11-22 (silver → gold)')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection

from storage.formatting import money

if TYPE_CHECKING:
    from bot.core import Context

__all__ = ["loyalty_facts"]


def loyalty_facts(ctx: Context, conn: Connection, customer_id: int) -> list[tuple[str, str]]:
    """The card rows about loyalty (none while loyalty is off)."""
    settings = ctx.settings.loyalty
    if not settings.enabled:
        return []
    from analytics.loyalty_text import customer_loyalty, move_word

    _ = ctx._
    got = customer_loyalty(conn, customer_id, settings, ctx.today)
    points = _("{points} ({window} in {start}..{end})").format(
        points=money(got.balance),
        window=money(got.in_window),
        start=got.window.start,
        end=got.window.end,
    )
    tier = got.tier or _("no tier")
    if got.changed_at is not None:
        tier = _("{tier}: {move} {day} ({before} → {after})").format(
            tier=tier,
            move=move_word(got.move or "", _),
            day=f"{got.changed_at:%Y-%m-%d}",
            before=got.before or "—",
            after=got.after or "—",
        )
    return [(_("loyalty points"), points), (_("tier"), tier)]
