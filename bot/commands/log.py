"""Log an interaction with one customer: ``log call Romashka: agreed on a trial order``, or the
card's Log button (the kind, then the text). An audited batch of one row that its author undoes
with the Undo button under it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.batch_words import described
from bot.core import Context
from bot.crm import chat_now, in_scope, one_customer, refuse_out_of_scope
from bot.messages import Button, Reply, Text
from bot.registry import action, command
from bot.state import State
from bot.views import button_row, interaction_kind
from storage.changes import utcnow
from storage.interaction_log import log_interaction
from storage.schema import batches, customers
from storage.undo import apply_undo

__all__ = ["KIND_WORDS", "log_buttons"]

# what a person types for each kind, in any language (the stored kind is the English word)
KIND_WORDS = {
    "call": "call",
    "meeting": "meeting",
    "email": "email",
    "complaint": "complaint",
    "note": "note",
    "visit": "visit",
    "quote": "quote",
    "звонок": "call",
    "встреча": "meeting",
    "встречу": "meeting",
    "письмо": "email",
    "жалоба": "complaint",
    "жалобу": "complaint",
    "претензия": "complaint",
    "претензию": "complaint",
    "заметка": "note",
    "заметку": "note",
    "визит": "visit",
    "кп": "quote",
}
BUTTON_KINDS = ("call", "meeting", "email", "complaint", "note")


def _usage(ctx: Context) -> list[Reply]:
    return [
        Reply(
            (
                Text(
                    ctx._(
                        "Say what happened as: log call Romashka: agreed on a trial order "
                        "(call, meeting, email, complaint or note)."
                    ),
                    "error",
                ),
            )
        )
    ]


@command("log", example="log call Romashka: agreed on a trial order", topic="general")
def log(ctx: Context, args: str) -> list[Reply]:
    """Log a call, meeting, email, complaint or note with a customer."""
    kind_word, _sep, rest = args.strip().partition(" ")
    kind = KIND_WORDS.get(kind_word.lower())
    name, colon, note = rest.partition(":")
    if kind is None or not colon or not name.strip() or not note.strip():
        return _usage(ctx)
    payload = {"kind": kind, "note": note.strip()[:2000]}
    found = one_customer(ctx, name.strip(), "log_pick", payload)
    if isinstance(found, list):
        return found
    return _log(ctx, found, kind, payload["note"])


def _log(ctx: Context, customer_id: int, kind: str, note: str) -> list[Reply]:
    if not in_scope(ctx, customer_id):
        return refuse_out_of_scope(ctx)
    with ctx.engine.begin() as conn:
        batch_id, _row = log_interaction(conn, ctx.actor, customer_id, kind, note, at=chat_now(ctx))
        name = conn.execute(select(customers.c.name).where(customers.c.id == customer_id)).scalar()
    one = {"customer_id": customer_id}
    return [
        Reply(
            (
                Text(
                    ctx._("Logged: {kind} with {name} — {note}").format(
                        kind=interaction_kind(kind, ctx._), name=name, note=note
                    ),
                    "heading",
                ),
                button_row(
                    Button(ctx._("Undo"), ctx.remember("log_undo", {**one, "batch_id": batch_id})),
                    Button(ctx._("Card"), ctx.remember("card", one)),
                ),
            )
        )
    ]


@action("log_pick")
def _log_pick(ctx: Context, st: State) -> list[Reply]:
    """A customer chosen from several with the same name, to log for."""
    p = st.payload
    return _log(ctx, int(p["customer_id"]), str(p["kind"]), str(p["note"]))


@action("log_undo")
def _log_undo(ctx: Context, st: State) -> list[Reply]:
    """The Undo button under a logged interaction or a set follow-up: its author takes it back."""
    return _undo(ctx, int(st.payload["batch_id"]))


@command("undo log", example="undo log")
def undo_log(ctx: Context, args: str) -> list[Reply]:
    """Take back your last logged interaction or follow-up (any role)."""
    since = utcnow() - timedelta(days=ctx.settings.bulk.undo_days)
    with ctx.engine.connect() as conn:
        batch_id = conn.execute(
            select(batches.c.id)
            .where(
                batches.c.actor_id == ctx.user.identity.key,
                batches.c.action.in_(("log", "follow-up")),
                batches.c.undone_by_batch_id.is_(None),
                batches.c.created_at >= since,
            )
            .order_by(batches.c.id.desc())
            .limit(1)
        ).scalar()
    if batch_id is None:
        return [Reply((Text(ctx._("You have no log or follow-up to take back."), "note"),))]
    return _undo(ctx, int(batch_id))


def _undo(ctx: Context, batch_id: int) -> list[Reply]:
    with ctx.engine.begin() as conn:
        batch = conn.execute(
            select(batches).where(batches.c.id == batch_id).with_for_update()
        ).first()
        if batch is None or batch.actor_id != ctx.user.identity.key:
            return [Reply((Text(ctx._("You may undo only your own changes."), "error"),))]
        if batch.undone_by_batch_id is not None:
            return [
                Reply((Text(ctx._("Batch #{id} was undone already.").format(id=batch_id), "note"),))
            ]
        undo_id, _n = apply_undo(conn, batch_id, ctx.actor)
    return [
        Reply(
            (
                Text(
                    ctx._("Undone: {what} (undo batch #{undo}).").format(
                        what=described(ctx._, batch.description), undo=undo_id
                    ),
                    "heading",
                ),
            ),
            replace=ctx.request.action is not None,  # a typed 'undo log' answers anew
        )
    ]


def log_buttons(ctx: Context, customer_id: int) -> Any:
    """The card's row of one-customer actions: Log and Follow up."""
    one = {"customer_id": customer_id}
    return button_row(
        Button(ctx._("Log"), ctx.remember("log_start", one)),
        Button(ctx._("Follow up"), ctx.remember("follow_up_start", one)),
    )


@action("log_start")
def _log_start(ctx: Context, st: State) -> list[Reply]:
    """The card's Log button: which kind of interaction."""
    cid = int(st.payload["customer_id"])
    if not in_scope(ctx, cid):
        return refuse_out_of_scope(ctx)
    return [
        Reply(
            (
                Text(ctx._("What do you log?"), "heading"),
                button_row(
                    *(
                        Button(
                            interaction_kind(k, ctx._),
                            ctx.remember("log_kind", {"customer_id": cid, "kind": k}),
                        )
                        for k in BUTTON_KINDS
                    )
                ),
            )
        )
    ]


@action("log_kind")
def _log_kind(ctx: Context, st: State) -> list[Reply]:
    """A kind chosen: the next message is the text."""
    ctx.await_next_message("log_text", dict(st.payload))
    return [
        Reply(
            (
                Text(
                    ctx._("Type what happened (or 'cancel')."),
                    "heading",
                ),
            )
        )
    ]


@action("await:log_text")
def _log_text(ctx: Context, st: State) -> list[Reply]:
    """The text typed after the card's Log button and a kind."""
    note = (ctx.request.text or "").strip()[:2000]
    if not note:
        return _usage(ctx)
    return _log(ctx, int(st.payload["customer_id"]), str(st.payload["kind"]), note)
