"""Segment watches from chat: ``watch <query or segment> [here]``, ``watches``, ``unwatch N``.

A watch tells a chat who entered and who left a query's customers since its last notice (see
``bot.watch_run``). It goes to the user's private chat; ``here`` in a group chat is allowed only
to a manager whose configured ``team_channel`` the group is. The baseline is taken at once, so
the first notice tells what changed after the watch was set up.
"""

from __future__ import annotations

import re
from datetime import UTC

from bot.commands.query import interpret_for, query_error_reply
from bot.core import Context
from bot.messages import Reply, Table, Text
from bot.registry import command
from bot.watch_run import private_chat, run_watch, team_channel
from storage.changes import utcnow
from storage.segments import SegmentError, get_segment
from storage.watches import (
    Watch,
    add_watch,
    data_generation,
    drop_watch,
    get_watch,
    list_watches,
    member_count,
)

__all__ = ["watch", "watches_", "unwatch", "HERE_WORDS"]

HERE_WORDS = {"en": ("here",), "ru": ("здесь", "сюда", "тут", "в этот чат")}
_HERE = re.compile(
    r"\s+(?:"
    + "|".join(w.replace(" ", r"\s+") for ws in HERE_WORDS.values() for w in ws)
    + r")\s*$",
    re.IGNORECASE,
)
_SEGMENT_WORD = {"en": "segment", "ru": "сегмент"}


def _error(text: str) -> list[Reply]:
    return [Reply((Text(text, "error"),))]


def _address(ctx: Context, here: bool) -> str | list[Reply]:
    """Where the notices go: the user's private chat, or (``here`` in a group) the chat itself
    when it is their team channel; a refusal otherwise."""
    req = ctx.request
    own = private_chat(ctx.user.identity.key)
    if not (here and req.is_group):
        return own
    chat = f"{ctx.user.identity.platform}:{req.chat_id}"
    if not ctx.user.at_least("manager"):
        return _error(
            ctx._(
                "A rep's watch goes to their private chat only: say it without 'here', and I will "
                "write to you privately."
            )
        )
    if team_channel(ctx.settings, ctx.user.name) != chat:
        return _error(
            ctx._(
                "This chat is not your team channel, so its members may see customers they "
                'should not. Ask your administrator to set team_channel = "{chat}" for you, or '
                "say it without 'here'."
            ).format(chat=chat)
        )
    return chat


def _query_text(ctx: Context, text: str) -> tuple[str, str]:
    """(the query to store, its language): a saved segment's name becomes ``segment NAME``."""
    if len(text.split()) == 1:
        try:
            with ctx.engine.connect() as conn:
                seg = get_segment(conn, text, ctx.scope)
        except SegmentError:
            pass
        else:
            language = ctx.query_language if ctx.query_language in _SEGMENT_WORD else "en"
            return f"{_SEGMENT_WORD[language]} {seg.name}", language
    return text, ctx.query_language


@command("watch", example="watch vip at risk")
def watch(ctx: Context, args: str) -> list[Reply]:
    """Tell me who enters and leaves a query or saved segment, after each data change."""
    from query_language import QueryError, describe

    text = args.strip()
    here = bool(_HERE.search(" " + text))
    text = _HERE.sub("", " " + text).strip()
    if not text:
        return _error(ctx._("Say what to watch, e.g. 'watch vip at risk' or 'watch drill-buyers'."))
    where = _address(ctx, here)
    if isinstance(where, list):
        return where
    query_text, language = _query_text(ctx, text)
    try:
        query = interpret_for(ctx, query_text, language=language)
    except QueryError as e:
        return [query_error_reply(ctx, e)]
    with ctx.engine.begin() as conn:
        watch_id = add_watch(
            conn,
            chat=where,
            owner_key=ctx.user.identity.key,
            owner_id=ctx.user.manager_id,
            query=query_text,
            query_language=language,
            language=ctx.language,
        )
    with ctx.engine.connect() as conn:
        generation = data_generation(conn)
        created = get_watch(conn, watch_id)
    assert created is not None
    # the baseline, at once: the first notice tells what changed after the watch was set up
    run_watch(ctx.core, created, today=ctx.today, now=utcnow(), generation=generation)
    with ctx.engine.connect() as conn:
        n = member_count(conn, watch_id)
    dest = ctx._("here") if where != private_chat(ctx.user.identity.key) else ctx._("privately")
    return [
        Reply(
            (
                Text(describe(query), "echo"),
                Text(
                    ctx.ngettext(
                        "Watch {id}: {n} customer now.", "Watch {id}: {n} customers now.", n
                    ).format(id=watch_id, n=n),
                    "heading",
                ),
                Text(
                    ctx._(
                        "I will tell you {where} who enters and who leaves, after each data change "
                        "and at least once a day. 'watches' lists them, 'unwatch {id}' stops this one."
                    ).format(where=dest, id=watch_id),
                    "note",
                ),
            ),
            private=where == private_chat(ctx.user.identity.key),  # a team channel's: for all
        )
    ]


@command("watches", example="watches")
def watches_(ctx: Context, args: str) -> list[Reply]:
    """List your watches and those of this chat."""
    chat = f"{ctx.user.identity.platform}:{ctx.request.chat_id}"
    with ctx.engine.connect() as conn:
        found = list_watches(conn, owner_key=ctx.user.identity.key, chat=chat)
        counts = {w.id: member_count(conn, w.id) for w in found}
    if not found:
        return [Reply((Text(ctx._("No watches yet: try 'watch vip at risk'.")),))]
    own = private_chat(ctx.user.identity.key)
    rows = tuple(
        (
            str(w.id),
            w.query,
            ctx._("privately") if w.chat == own else w.chat,
            str(counts[w.id]),
            _checked(ctx, w),
        )
        for w in found
    )
    head = ("#", ctx._("query"), ctx._("to"), ctx._("customers"), ctx._("last checked"))
    return [Reply((Table(head, rows),))]


def _checked(ctx: Context, w: Watch) -> str:
    """When it last ran, and a notice still owed: retried at …, or given up, and why."""
    day = w.last_day.isoformat() if w.last_day else "—"
    if w.unsent_run is None:
        return day
    why = ctx._(w.notice_error) if w.notice_error else ""
    if w.notice_retry_at is None:
        said = ctx._("notice not delivered, gave up: {why}").format(why=why)
    else:
        at = w.notice_retry_at.replace(tzinfo=UTC).astimezone(ctx.settings.tz)
        said = ctx._("notice not delivered, retrying at {at}: {why}").format(
            at=f"{at:%Y-%m-%d %H:%M}", why=why
        )
    return f"{day}, {said}"


@command("unwatch", example="unwatch 1")
def unwatch(ctx: Context, args: str) -> list[Reply]:
    """Stop a watch (its owner, a manager or an admin)."""
    number = args.strip().lstrip("#")
    with ctx.engine.begin() as conn:
        found = get_watch(conn, int(number)) if number.isdigit() else None
        if found is None:
            return [
                Reply(
                    (
                        Text(
                            ctx._("There is no watch {n}; 'watches' lists yours.").format(
                                n=number or "?"
                            ),
                            "note",
                        ),
                    )
                )
            ]
        if found.owner_key != ctx.user.identity.key and not ctx.user.at_least("manager"):
            return _error(ctx._("Only its owner or a manager may stop watch {n}.").format(n=number))
        drop_watch(conn, found.id)
    return [
        Reply((Text(ctx._("Stopped watch {n}: {query}.").format(n=found.id, query=found.query)),))
    ]
