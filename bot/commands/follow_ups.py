"""Setting follow-ups from the chat: ``remind me friday 10:00 call Romashka about the trial``,
``follow up Romashka in 2 weeks`` (or the card's Follow up button). Listing them, the reminder
and its Done / Snooze buttons are in ``bot.commands.follow_up_list``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core import Context
from bot.crm import chat_now, in_scope, one_customer, refuse_out_of_scope
from bot.messages import Button, Reply, Text
from bot.registry import action, command
from bot.state import State
from bot.views import button_row
from bot.when import find_when
from storage import follow_ups as fu
from storage.folding import fold, folded
from storage.schema import customers, managers

__all__ = ["user_tz", "when_text"]

CARD_CHOICES = ("tomorrow", "in 3 days", "in a week", "in 2 weeks")


def user_tz(ctx: Context) -> ZoneInfo:
    """The person's own time zone (``managers.timezone``), else the configured one."""
    if ctx.user.manager_id is not None:
        with ctx.engine.connect() as conn:
            name = conn.execute(
                select(managers.c.timezone).where(managers.c.id == ctx.user.manager_id)
            ).scalar()
        if name:
            try:
                return ZoneInfo(name)
            except (KeyError, ValueError):
                pass
    return ctx.settings.tz


def when_text(ctx: Context, due: datetime) -> str:
    """A due moment (naive UTC) in the person's time zone: ``2026-11-27 at 10:00 Europe/Moscow``."""
    tz = user_tz(ctx)
    local = due.replace(tzinfo=UTC).astimezone(tz)
    return ctx._("{date} at {time}").format(date=f"{local:%Y-%m-%d}", time=f"{local:%H:%M}") + (
        f" {tz.key}"
    )


def _usage(ctx: Context) -> list[Reply]:
    return [
        Reply(
            (
                Text(
                    ctx._(
                        "When, and for whom? For example: remind me friday 10:00 call Romashka "
                        "about the trial, or follow up Romashka in 2 weeks."
                    ),
                    "error",
                ),
            )
        )
    ]


def _customer_in(ctx: Context, text: str, payload: dict[str, Any]) -> int | list[Reply]:
    """The customer named somewhere in ``text`` (the longest name of one of this user's
    customers found among its words), or the reply."""
    words = text.split()[:40]
    phrases: dict[str, str] = {}
    for n in range(min(6, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            phrase = " ".join(words[i : i + n]).strip(",.;:!?\"'«»()")
            if phrase:
                phrases.setdefault(fold(phrase), phrase)
    with ctx.engine.connect() as conn:
        names = conn.execute(
            select(customers.c.name)
            .where(folded(customers.c.name).in_(sorted(phrases)), ctx.scope.condition())
            .distinct()
        ).scalars()
        longest = max(names, key=len, default=None)
    if longest is None:  # a part of a name ("Agro-Market" for "Agro-Market JSC")
        longest = _part_of_a_name(ctx, phrases)
    if longest is None:
        return [
            Reply(
                (
                    Text(
                        ctx._(
                            "Which customer? None of your customers is named in '{text}'; "
                            "write their name as on their card."
                        ).format(text=text),
                        "error",
                    ),
                )
            )
        ]
    return one_customer(ctx, longest, "follow_up_pick", payload)


def _part_of_a_name(ctx: Context, phrases: dict[str, str]) -> str | None:
    """The longest phrase (capitalised ones first) that is part of the names of some of this
    user's customers (at most 10 of them), as typed; None when none is."""
    order = sorted(phrases.values(), key=lambda p: (-len(p.split()), not p[:1].isupper()))
    for phrase in order:
        if len(phrase) < 4:
            continue
        found = ctx.find_customers(phrase, limit=11)
        if 0 < len(found) <= 10:
            return phrase
    return None


def _set(ctx: Context, args: str) -> list[Reply]:
    now = chat_now(ctx)
    found = find_when(args, now=now.replace(tzinfo=UTC).astimezone(user_tz(ctx)))
    if found is None or not found[1]:
        return _usage(ctx)
    due, rest = found
    payload = {"due": due.replace(tzinfo=None).isoformat(), "text": rest[:1000]}
    cid = _customer_in(ctx, rest, payload)
    if isinstance(cid, list):
        return cid
    if _only_a_name(ctx, rest, cid):  # "follow up Romashka in 2 weeks": no text of its own
        rest = ""
    return _create(ctx, cid, due.replace(tzinfo=None), rest[:1000])


def _only_a_name(ctx: Context, text: str, customer_id: int) -> bool:
    """Whether ``text`` is nothing but (a part of) the customer's name."""
    with ctx.engine.connect() as conn:
        name = conn.execute(select(customers.c.name).where(customers.c.id == customer_id)).scalar()
    return bool(name) and fold(text.strip(",.;:!?\"'«»() ")) in fold(str(name))


def _create(ctx: Context, customer_id: int, due: datetime, text: str) -> list[Reply]:
    if not in_scope(ctx, customer_id):
        return refuse_out_of_scope(ctx)
    now = chat_now(ctx)
    if due <= now:
        return [Reply((Text(ctx._("That moment has passed; name a later one."), "error"),))]
    with ctx.engine.begin() as conn:
        batch_id, fid = fu.add_follow_up(
            conn, ctx.actor, ctx.user.identity.key, customer_id, text, due, now=now
        )
        name = conn.execute(select(customers.c.name).where(customers.c.id == customer_id)).scalar()
    one = {"customer_id": customer_id}
    return [
        Reply(
            (
                Text(
                    ctx._("Follow-up set: {name}, {when} — {text}").format(
                        name=name, when=when_text(ctx, due), text=text or ctx._("follow up")
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


@command("remind me", example="remind me friday 10:00 call Romashka about the trial")
def remind_me(ctx: Context, args: str) -> list[Reply]:
    """Remind yourself about a customer at a time (in your DM, with their card)."""
    return _set(ctx, args)


@command("follow up", example="follow up Romashka in 2 weeks")
def follow_up(ctx: Context, args: str) -> list[Reply]:
    """Set a follow-up with a customer: 'follow up Romashka in 2 weeks'."""
    return _set(ctx, args)


@action("follow_up_pick")
def _pick(ctx: Context, st: State) -> list[Reply]:
    """A customer chosen from several with the same name, to follow up."""
    p = st.payload
    return _create(
        ctx, int(p["customer_id"]), datetime.fromisoformat(str(p["due"])), str(p["text"])
    )


@action("follow_up_start")
def _start(ctx: Context, st: State) -> list[Reply]:
    """The card's Follow up button: when."""
    cid = int(st.payload["customer_id"])
    if not in_scope(ctx, cid):
        return refuse_out_of_scope(ctx)
    labels = {
        "tomorrow": ctx._("Tomorrow"),
        "in 3 days": ctx._("In 3 days"),
        "in a week": ctx._("In a week"),
        "in 2 weeks": ctx._("In 2 weeks"),
    }
    return [
        Reply(
            (
                Text(ctx._("When should I remind you?"), "heading"),
                button_row(
                    *(
                        Button(
                            labels[w], ctx.remember("follow_up_in", {"customer_id": cid, "when": w})
                        )
                        for w in CARD_CHOICES
                    )
                ),
            )
        )
    ]


@action("follow_up_in")
def _in(ctx: Context, st: State) -> list[Reply]:
    """A moment chosen under the card's Follow up button."""
    now = chat_now(ctx).replace(tzinfo=UTC).astimezone(user_tz(ctx))
    found = find_when(str(st.payload["when"]), now=now)
    assert found is not None
    return _create(ctx, int(st.payload["customer_id"]), found[0].replace(tzinfo=None), "")
