"""What the one-customer actions (log, follow-ups) share: the moment of a request, the one
customer a name means for this user, and the scope check before writing about them.

Example::

    found = one_customer(ctx, "Romashka", "log_pick", {"kind": "call", "note": "…"})
    if isinstance(found, list): return found     # an error, or buttons to choose one
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from bot.core import Context
from bot.messages import Reply, Text
from storage.changes import utcnow

NOON = time(12)

__all__ = ["chat_now", "one_customer", "refuse_out_of_scope", "in_scope"]


def chat_now(ctx: Context) -> datetime:
    """Now, naive UTC. On the day the core is pinned to (tests, demos) it is noon UTC of that
    day: the pinned day is then the day in every time zone from UTC-11 to UTC+11, so what is
    logged and when "tomorrow" falls keep to it whatever the hour the clock says (with the real
    time of day, "tomorrow" at 23:00 UTC was two days on in Moscow)."""
    fixed = getattr(ctx.core, "_fixed_today", None)
    return datetime.combine(fixed, NOON) if fixed else utcnow()


def start_of(ctx: Context) -> datetime:
    """The start of the request's day (naive)."""
    return datetime.combine(ctx.today, time())


def refuse_out_of_scope(ctx: Context) -> list[Reply]:
    return [
        Reply(
            (
                Text(
                    ctx._("You can log and set follow-ups only for your own customers."),
                    "error",
                ),
            )
        )
    ]


def in_scope(ctx: Context, customer_id: int) -> bool:
    """Whether this user may write about the customer (reps with scope "own": their own)."""
    with ctx.engine.connect() as conn:
        return ctx.scope.allows(conn, customer_id)


def one_customer(ctx: Context, name: str, kind: str, payload: dict[str, Any]) -> int | list[Reply]:
    """The id of the one customer ``name`` means to this user, or the reply: none of theirs is
    called so, or buttons (action ``kind`` with ``payload`` and the chosen ``customer_id``)."""
    from bot.commands.card import no_customer_called, which_customer

    found = ctx.find_customers(name)
    exact = [f for f in found if f[1].casefold() == " ".join(name.split()).casefold()]
    if len(exact) == 1:
        found = exact
    if not found:
        return [Reply((Text(no_customer_called(ctx, name), "error"),))]
    if len(found) == 1:
        return found[0][0]
    return [which_customer(ctx, name, found, kind, payload)]
