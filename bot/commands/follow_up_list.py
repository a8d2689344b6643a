"""Follow-ups once set: ``my follow-ups``, what the card shows of them, the reminder sent to the
author's DM (``reminder_reply``, by ``bot.reminders``) and its Done / Snooze buttons."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.commands.follow_ups import when_text
from bot.core import Context
from bot.crm import chat_now, start_of
from bot.messages import Button, Buttons, Part, Reply, Table, Text
from bot.registry import action, command
from bot.state import State
from bot.views import button_row
from storage import follow_ups as fu

__all__ = ["card_parts", "reminder_reply"]


def _state(ctx: Context, due: datetime) -> str:
    if due < start_of(ctx):
        return ctx._("overdue")
    return ctx._("due") if due <= chat_now(ctx) else ""


@command("my follow-ups", "my follow ups", "my reminders", example="my follow-ups")
def my_follow_ups(ctx: Context, args: str) -> list[Reply]:
    """Your open follow-ups, soonest first (overdue ones flagged)."""
    with ctx.engine.connect() as conn:
        rows = fu.open_follow_ups(conn, ctx.user.identity.key, ctx.user.manager_id)
    if not rows:
        return [Reply((Text(ctx._("You have no open follow-ups."), "note"),))]
    parts: list[Part] = [
        Table(
            ("#", ctx._("due"), ctx._("customer"), ctx._("what"), ""),
            tuple(
                (str(n), when_text(ctx, f.due_at), f.customer, f.text or "—", _state(ctx, f.due_at))
                for n, f in enumerate(rows, 1)
            ),
            title=ctx._("Your open follow-ups"),
        ),
        button_row(
            *(
                Button(
                    ctx._("Done #{n}").format(n=n),
                    ctx.remember(
                        "follow_up_done", {"follow_up_id": f.id, "customer_id": f.customer_id}
                    ),
                )
                for n, f in enumerate(rows[:5], 1)
            )
        ),
    ]
    return [Reply(tuple(parts))]


def card_parts(ctx: Context, customer_id: int) -> list[Part]:
    """What the card shows of follow-ups: the open ones (anyone's), then Log and Follow up."""
    from bot.commands.log import log_buttons

    with ctx.engine.connect() as conn:
        rows = fu.open_for_customer(conn, customer_id)
    parts: list[Part] = []
    if rows:
        parts.append(
            Table(
                (ctx._("due"), ctx._("what"), ""),
                tuple(
                    (when_text(ctx, f.due_at), f.text or "—", _state(ctx, f.due_at)) for f in rows
                ),
                title=ctx._("Open follow-ups"),
            )
        )
    parts.append(log_buttons(ctx, customer_id))
    return parts


def reminder_reply(ctx: Context, f: fu.FollowUp) -> Reply:
    """The reminder in the author's DM: what, the card, Done and Snooze."""
    from bot.commands.card import card_reply

    one = {"follow_up_id": f.id, "customer_id": f.customer_id}
    card = card_reply(ctx, f.customer_id)
    head = Text(
        ctx._("Reminder: {name} — {text}").format(
            name=f.customer, text=f.text or ctx._("follow up")
        ),
        "heading",
    )
    buttons = button_row(
        Button(ctx._("Done"), ctx.remember("follow_up_done", one)),
        Button(ctx._("Snooze 1 hour"), ctx.remember("follow_up_snooze", {**one, "hours": 1})),
        Button(ctx._("Snooze 1 day"), ctx.remember("follow_up_snooze", {**one, "hours": 24})),
    )
    return Reply((head, *card.parts, buttons), private=True)


def _mine(ctx: Context, fid: int) -> fu.FollowUp | None:
    with ctx.engine.connect() as conn:
        f = fu.get(conn, fid)
    if f is None:
        return None
    if f.author_key == ctx.user.identity.key:
        return f
    return f if f.manager_id is not None and f.manager_id == ctx.user.manager_id else None


@action("follow_up_done")
def _done(ctx: Context, st: State) -> list[Reply]:
    """Done: the follow-up is closed."""
    f = _mine(ctx, int(st.payload["follow_up_id"]))
    if f is None:
        return [Reply((Text(ctx._("This follow-up is not yours or is gone."), "error"),))]
    with ctx.engine.begin() as conn:
        batch_id = fu.close(conn, f.id, now=chat_now(ctx), actor=ctx.actor)
    msg = ctx._("Done: {name} — {text}") if batch_id else ctx._("Already done: {name} — {text}")
    heading = Text(msg.format(name=f.customer, text=f.text or ctx._("follow up")), "heading")
    return [Reply((heading, *_undo_row(ctx, f, batch_id)), replace=True)]


def _undo_row(ctx: Context, f: fu.FollowUp, batch_id: int | None) -> tuple[Buttons, ...]:
    """The Undo button under a Done or Snooze (its author takes it back: ``log_undo``)."""
    if batch_id is None:
        return ()
    payload = {"customer_id": f.customer_id, "batch_id": batch_id}
    return (button_row(Button(ctx._("Undo"), ctx.remember("log_undo", payload))),)


@action("follow_up_snooze")
def _snooze(ctx: Context, st: State) -> list[Reply]:
    """Snooze: remind again later."""
    f = _mine(ctx, int(st.payload["follow_up_id"]))
    if f is None:
        return [Reply((Text(ctx._("This follow-up is not yours or is gone."), "error"),))]
    until = chat_now(ctx) + timedelta(hours=int(st.payload["hours"]))
    with ctx.engine.begin() as conn:
        batch_id = fu.snooze(conn, f.id, until=until, now=chat_now(ctx), actor=ctx.actor)
    if batch_id is None:
        return [Reply((Text(ctx._("This follow-up is done already."), "note"),))]
    said = ctx._("Snoozed: {name}, again {when}.").format(
        name=f.customer, when=when_text(ctx, until)
    )
    return [Reply((Text(said, "heading"), *_undo_row(ctx, f, batch_id)), replace=True)]
