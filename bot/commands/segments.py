"""Saved segments from chat: save (dynamic), freeze (static), list, show, drop."""

from __future__ import annotations

import re

from bot.commands.query import answer_query, interpret_for, query_error_reply
from bot.core import Context
from bot.lexicon import connector_pattern
from bot.messages import Reply, Table, Text
from bot.registry import command
from storage.segments import SegmentError, drop_segment, get_segment, list_segments, save_segment

_AS_NAME = re.compile(
    rf"^(?P<query>.+?)\s+(?:{connector_pattern('as')})\s+(?P<name>\S+)\s*$",
    re.IGNORECASE | re.DOTALL,
)


def _store(ctx: Context, args: str, kind: str) -> list[Reply]:
    from query_language import QueryError, matching_ids

    m = _AS_NAME.match(args)
    if not m:
        verb = "save" if kind == "dynamic" else "freeze"
        return [
            Reply(
                (
                    Text(
                        ctx._(
                            "Say what and under which name, e.g. '{verb} buyers of Super Drill as drill-buyers'."
                        ).format(verb=verb),
                        "error",
                    ),
                )
            )
        ]
    text, name = m.group("query").strip(), m.group("name")
    try:
        query = interpret_for(ctx, text)
    except QueryError as e:
        return [query_error_reply(ctx, e)]
    try:
        with ctx.engine.begin() as conn:
            members = matching_ids(query) if kind == "static" else None
            seg = save_segment(
                conn,
                name,
                text,
                kind=kind,
                owner_id=ctx.user.manager_id,
                language=ctx.query_language,
                members=members,
                as_of=ctx.today,
            )
    except SegmentError as e:
        return [Reply((Text(str(e), "error"),))]
    ctx.core.invalidate_catalog()
    if kind == "static":
        msg = ctx._(
            "Froze {n} customers as segment '{name}' (today's members; they will not change)."
        )
        return [Reply((Text(msg.format(n=seg.members, name=seg.name)),))]
    msg = ctx._(
        "Saved segment '{name}': {query}. It is re-evaluated every time; use it as 'in segment {name}'."
    )
    return [Reply((Text(msg.format(name=seg.name, query=text)),))]


@command("save", example="save buyers of Super Drill Pro as pro-buyers")
def save(ctx: Context, args: str) -> list[Reply]:
    """Save a query as a dynamic segment (re-evaluated each time it is used)."""
    return _store(ctx, args, "dynamic")


@command("freeze", example="freeze vip in Moscow as moscow-vip-2026")
def freeze(ctx: Context, args: str) -> list[Reply]:
    """Save today's members of a query as a static segment."""
    return _store(ctx, args, "static")


@command("segments", example="segments")
def segments_(ctx: Context, args: str) -> list[Reply]:
    """List the saved segments."""
    with ctx.engine.connect() as conn:
        segs = list_segments(conn, ctx.scope)
    if not segs:
        return [
            Reply(
                (
                    Text(
                        ctx._(
                            "No saved segments yet: try 'save buyers of Super Drill as drill-buyers'."
                        )
                    ),
                )
            )
        ]
    rows = tuple(
        (
            s.name,
            ctx._("static") if s.kind == "static" else ctx._("dynamic"),
            s.query
            if s.kind == "dynamic"
            else ctx._("{n} customers frozen on {day}").format(n=s.members, day=s.frozen_as_of),
        )
        for s in segs
    )
    return [Reply((Table((ctx._("segment"), ctx._("kind"), ctx._("definition")), rows),))]


# language -> how "in segment NAME" is typed there (the query language's own words)
_IN_SEGMENT = {"ru": "в сегменте {name}"}


@command("segment", example="segment drill-buyers")
def segment(ctx: Context, args: str) -> list[Reply]:
    """The customers of a saved segment."""
    if not args.strip():
        return segments_(ctx, "")
    try:
        with ctx.engine.connect() as conn:
            seg = get_segment(conn, args, ctx.scope)
    except SegmentError as e:
        return [Reply((Text(str(e), "error"),))]
    said = _IN_SEGMENT.get(ctx.language)  # asked in the user's language, so echoed in it
    if said is None:
        return answer_query(ctx, f"in segment {seg.name}", language="en")
    return answer_query(ctx, said.format(name=seg.name), language=ctx.language)


@command("drop segment", example="drop segment drill-buyers")
def drop(ctx: Context, args: str) -> list[Reply]:
    """Delete a saved segment (its owner, a manager or an admin)."""
    try:
        with ctx.engine.begin() as conn:
            seg = get_segment(conn, args)
            if seg.owner_id != ctx.user.manager_id and not ctx.user.at_least("manager"):
                return [
                    Reply(
                        (
                            Text(
                                ctx._(
                                    "Only its owner or a manager may drop segment '{name}'."
                                ).format(name=seg.name),
                                "error",
                            ),
                        )
                    )
                ]
            drop_segment(conn, args)
    except SegmentError as e:
        return [Reply((Text(str(e), "error"),))]
    ctx.core.invalidate_catalog()
    return [Reply((Text(ctx._("Dropped segment '{name}'.").format(name=seg.name)),))]
