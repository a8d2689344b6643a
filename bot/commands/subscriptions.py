"""Answers the bot posts by itself: ``every monday 9:00 post vip Moscow here``, ``subscriptions``,
``unsubscribe N`` and a manager's team digest ``digest daily 8:00 no purchases in 90 days``.

A rep may subscribe only their own private chat; a manager also their configured team channel
(``[[users]] team_channel``). What is posted is computed at send time as its recipient
(``bot.scheduled``); docs/subscriptions.md.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.commands.query import interpret_for, query_error_reply
from bot.core import Context
from bot.messages import Reply, Text
from bot.registry import command
from bot.schedule_words import LEADS, ScheduleError, Typed, read_schedule, read_subscription
from storage import subscriptions as subs
from storage.changes import utcnow

__all__ = ["subscribe", "team_channel", "owner_of", "every", "digest"]


def owner_of(ctx: Context) -> subs.Owner:
    ident = ctx.user.identity
    return (ident.platform, ident.user_id, ident.team_id)


def team_channel(ctx: Context, name: str) -> str | None:
    """The configured team channel of the user called ``name`` (``platform:chat``), if any."""
    return next((u.team_channel for u in ctx.settings.users if u.name == name), None)


def _now(ctx: Context) -> datetime:
    """Now, naive UTC; on a day fixed for the chat (``--as-of``, tests) its local midnight."""
    tz = ctx.settings.tz
    if ctx.today == datetime.now(tz).date():
        return utcnow()
    return (
        datetime.combine(ctx.today, time(0), tzinfo=tz)
        .astimezone(ZoneInfo("UTC"))
        .replace(tzinfo=None)
    )


def _local(ctx: Context, at: datetime, tz: str) -> str:
    return f"{at.replace(tzinfo=ZoneInfo('UTC')).astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M} {tz}"


def _error(ctx: Context, text: str) -> list[Reply]:
    return [Reply((Text(text, "error"),))]


def _schedule_help(ctx: Context) -> list[Reply]:
    return _error(
        ctx,
        ctx._(
            "I could not read when to post. Try: 'every monday 9:00 post vip Moscow here', "
            "'daily 8:00 post no purchases in last 90 days', 'weekly 9:00 Europe/Berlin post "
            "drill-buyers as xlsx' or a cron expression: 'every 0 9 * * 1-5 post vip'."
        ),
    )


def _what(ctx: Context, query: str) -> str | None:
    """``query`` as it will be asked: a saved segment's name is its list; None when it does not
    read (the caller shows the error)."""
    from storage.segments import SegmentError, get_segment

    if query.lower().startswith(("chart ", "segment ")):
        return query
    try:
        with ctx.engine.connect() as conn:
            seg = get_segment(conn, query, ctx.scope)
        return f"segment {seg.name}"
    except SegmentError:
        pass
    interpret_for(ctx, query)  # raises QueryError
    return query


def _where(ctx: Context, here: bool) -> tuple[str, bool] | list[Reply]:
    """The chat to post to and whether it is a channel, or the refusal."""
    req, who = ctx.request, ctx.user.identity
    if not req.is_group:
        return f"{who.platform}:{req.chat_id}", False
    if not here:
        return f"{who.platform}:{who.user_id}", False  # their private chat with the bot
    chat = f"{who.platform}:{req.chat_id}"
    if not ctx.user.at_least("manager"):
        return _error(
            ctx,
            ctx._(
                "A rep may subscribe only their own private chat: leave out 'here', or ask your "
                "manager to post it to the team channel."
            ),
        )
    if team_channel(ctx, ctx.user.name) != chat:
        return _error(
            ctx,
            ctx._(
                "You may post to a channel only if it is your team channel ([[users]] "
                "team_channel in the configuration); this chat is {chat}. Leave out 'here' to "
                "get it in your private chat."
            ).format(chat=chat),
        )
    return chat, True


def subscribe(ctx: Context, lead: str, args: str) -> list[Reply]:
    from query_language import QueryError

    try:
        typed = read_subscription(lead, args, ctx.settings.timezone, _now(ctx))
    except ScheduleError:
        return _schedule_help(ctx)
    if not typed.query:
        return _schedule_help(ctx)
    try:
        asked = _what(ctx, typed.query)
    except QueryError as e:
        return [query_error_reply(ctx, e)]
    where = _where(ctx, typed.here)
    if isinstance(where, list):
        return where
    chat, channel = where
    schedule = _typed(ctx, args, typed.used)
    return _store(ctx, typed, asked or typed.query, chat=chat, channel=channel, schedule=schedule)


def _typed(ctx: Context, args: str, used: int) -> str:
    """The schedule as the user typed it: the command word and ``used`` words of ``args``."""
    words = (ctx.request.text or "").split()
    return " ".join(words[: len(words) - len(args.split()) + used])


def _store(
    ctx: Context, typed: Typed, asked: str, *, chat: str | None, channel: bool, schedule: str
) -> list[Reply]:
    from mailing.when import next_run_after

    now = _now(ctx)
    first = next_run_after(typed.cron, typed.tz, now)
    digest = chat is None
    with ctx.engine.begin() as conn:
        sid = subs.add(
            conn,
            owner=owner_of(ctx),
            next_run_at=first,
            created_at=now,
            kind="digest" if digest else "post",
            chat=chat,
            channel=channel,
            query=asked,
            output=typed.output,
            language=ctx.query_language,
            schedule=schedule,
            cron=typed.cron,
            tz=typed.tz,
            team_lead_id=ctx.user.manager_id if digest else None,
            with_reps=digest,
        )
    if digest:
        where = ctx._("to you and each rep of your team, each in their own private chat")
    elif channel:
        where = ctx._("to this channel, as your team sees it")
    else:
        where = ctx._("to your private chat")
    msg = ctx._("Subscription {n}: '{query}' {where}; next run {when}. Stop it with '{stop}'.")
    stop = ctx._("unsubscribe {n}").format(n=sid)
    when = _local(ctx, first, typed.tz)
    from bot.commands.subscription_list import shown_query

    shown = shown_query(ctx, asked)
    return [Reply((Text(msg.format(n=sid, query=shown, where=where, when=when, stop=stop)),))]


@command(*LEADS, example="every monday 9:00 post vip Moscow here")
def every(ctx: Context, args: str) -> list[Reply]:
    """Post a query or saved segment on a schedule ('daily', 'weekly', 'monthly' too; 'here' for this channel, 'as xlsx' for a file)."""
    from bot.lexicon import canonical

    typed = canonical(ctx.request.text or "").split()
    lead = typed[0].lower() if typed and typed[0].lower() in LEADS else "every"
    return subscribe(ctx, lead, args)


@command("digest", example="digest daily 8:00 vip no purchases in last 90 days", role="manager")
def digest(ctx: Context, args: str) -> list[Reply]:
    """A team digest: you and each rep of your team get it privately, each with their own customers."""
    from bot.lexicon import canonical
    from query_language import QueryError

    words = canonical(args).split()
    skip = 1 if words and words[0].lower() in LEADS else 0
    lead = words[0].lower() if words and words[0].lower() in LEADS else "every"
    rest = " ".join(words[skip:])
    try:
        typed = read_schedule(lead, rest, ctx.settings.timezone, _now(ctx))
    except ScheduleError:
        return _schedule_help(ctx)
    query = " ".join(rest.split()[typed.used :])
    if query.split()[:1] and query.split()[0].lower() in ("post", "send"):
        query = " ".join(query.split()[1:])
    # an admin with no team of their own defines it for every manager (and their reps), like a
    # configured [[digests]] entry
    if (ctx.user.manager_id is None and not ctx.user.at_least("admin")) or not query:
        return _error(
            ctx, ctx._("A digest needs a query and a manager with a team (see 'whoami').")
        )
    try:
        interpret_for(ctx, query)
    except QueryError as e:
        return [query_error_reply(ctx, e)]
    schedule = " ".join(args.split()[: skip + typed.used])
    typed = Typed(typed.cron, typed.tz, typed.used, query)
    return _store(ctx, typed, query, chat=None, channel=False, schedule=schedule)
