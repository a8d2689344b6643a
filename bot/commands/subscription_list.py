"""``subscriptions`` (what you get on a schedule, how its last run went) and ``unsubscribe N``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands.subscriptions import owner_of
from bot.core import Context
from bot.messages import Part, Reply, Table, Text
from bot.registry import command
from storage import subscriptions as subs

__all__ = ["list_subscriptions", "unsubscribe", "shown_query"]

_UTC = ZoneInfo("UTC")


def _at(at: datetime | None, tz: str) -> str:
    if at is None:
        return "—"
    return f"{at.replace(tzinfo=_UTC).astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M}"


def _status(ctx: Context, sub: subs.Subscription, last: tuple[Any, int] | None) -> str:
    """The last delivery: when and how it went (with the error and the retry)."""
    if last is None:
        return ctx._("not run yet")
    row, _failures = last
    words = {
        "sent": ctx._("sent"),
        "sending": ctx._("sending"),
        "empty": ctx._("nothing to send"),
        "skipped": ctx._("skipped"),
        "failed": ctx._("failed, retrying at {at}"),
        "gave_up": ctx._("failed, gave up"),
    }
    said = words.get(row.status, row.status).format(at=_at(row.next_attempt_at, sub.tz))
    if row.error and row.status in ("failed", "gave_up", "skipped"):
        said += f": {ctx._(row.error)}"
    return f"{_at(row.scheduled_for, sub.tz)} {said}"


def _where(ctx: Context, sub: subs.Subscription) -> str:
    if sub.kind == "digest":
        return (
            ctx._("each of the team, privately") if sub.owner else ctx._("each manager, privately")
        )
    return ctx._("team channel") if sub.channel else ctx._("private chat")


def shown_query(ctx: Context, query: str) -> str:
    """The query as the user reads it (a saved segment: its name after the word)."""
    if query.startswith("segment "):
        return f"{ctx._('segment')} {query[len('segment ') :]}"
    return query


def _what(ctx: Context, sub: subs.Subscription) -> str:
    query = shown_query(ctx, sub.query)
    what = query if sub.output == "answer" else f"{query} → {sub.output}"
    return f"{sub.name}: {what}" if sub.name else what


@command("subscriptions", example="subscriptions")
def list_subscriptions(ctx: Context, args: str) -> list[Reply]:
    """Your subscriptions and digests: when they run, where, and how the last run went."""
    with ctx.engine.connect() as conn:
        mine = subs.owned_by(conn, owner_of(ctx))
        if ctx.user.at_least("manager"):
            from sqlalchemy import select

            from storage.schema import subscriptions

            configured = conn.execute(
                select(subscriptions.c.id).where(
                    subscriptions.c.kind == "digest",
                    subscriptions.c.owner_user.is_(None),
                    subscriptions.c.active.is_(True),
                )
            ).scalars()
            mine += [s for s in (subs.get(conn, i) for i in configured) if s is not None]
        last = subs.last_runs(conn, [s.id for s in mine])
    if not mine:
        return [
            Reply(
                (
                    Text(
                        ctx._(
                            "No subscriptions yet: try 'every monday 9:00 post vip Moscow' "
                            "(see 'help')."
                        ),
                        "note",
                    ),
                )
            )
        ]
    rows = tuple(
        (
            str(s.id),
            _what(ctx, s),
            s.schedule if s.tz in s.schedule else f"{s.schedule} ({s.tz})",
            _where(ctx, s),
            _at(s.next_run_at, s.tz),
            _status(ctx, s, last.get(s.id)),
            str(last[s.id][1]) if s.id in last else "0",
        )
        for s in mine
    )
    header = (
        "#",
        ctx._("what"),
        ctx._("when"),
        ctx._("where"),
        ctx._("next run"),
        ctx._("last run"),
        ctx._("failures"),
    )
    parts: list[Part] = [Table(header, rows)]
    parts.append(Text(ctx._("Stop one with 'unsubscribe N'."), "note"))
    return [Reply(tuple(parts))]


@command("unsubscribe", example="unsubscribe 1")
def unsubscribe(ctx: Context, args: str) -> list[Reply]:
    """Stop one of your subscriptions or digests (its number in 'subscriptions')."""
    number = args.strip().lstrip("#")
    sub = None
    if number.isdigit():
        with ctx.engine.begin() as conn:
            sub = subs.get(conn, int(number))
            if sub is not None and sub.active and sub.owner == owner_of(ctx):
                subs.deactivate(conn, sub.id)
            else:
                sub = None
    if sub is None:
        return [
            Reply(
                (
                    Text(
                        ctx._("You have no subscription {n}; 'subscriptions' lists yours.").format(
                            n=number or "?"
                        ),
                        "note",
                    ),
                )
            )
        ]
    return [
        Reply(
            (
                Text(
                    ctx._("Unsubscribed {n}: '{query}'.").format(
                        n=sub.id, query=shown_query(ctx, sub.query)
                    )
                ),
            )
        )
    ]
