"""Saved segments: static ones are member rows, dynamic ones their stored query, read again.

A dynamic segment's query is resolved with the same catalog and *today*, in its own language;
a segment that (directly or not) refers to itself is a QueryError.

Example::

    segment_node(3, ValueWords("drill-buyers", field="segment"), ctx)   # InSegment(3, 'drill-buyers', …)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from query_language import ast as a
from query_language.errors import QueryError

if TYPE_CHECKING:
    from query_language.values import Context

__all__ = ["segment_node", "without_archived"]


def without_archived(where: a.Node) -> a.Node:
    """``where`` and not archived, unless it asks about the archived status itself."""
    if mentions_archived(where):
        return where
    return a.And((where, a.Not(a.StatusIs("archived"))))


def mentions_archived(node: a.Node) -> bool:
    if isinstance(node, a.StatusIs):
        return node.status == "archived"
    if isinstance(node, (a.And, a.Or, a.AnyOf)):
        return any(mentions_archived(n) for n in node.items)
    if isinstance(node, a.Not):
        return mentions_archived(node.item)
    return False


def segment_node(segment_id: int, v: a.ValueWords, ctx: Context) -> a.InSegment:
    seg = ctx.catalog.segments[segment_id]
    if seg["kind"] != "dynamic":
        return a.InSegment(segment_id, seg["name"], span=v.span)
    if segment_id in ctx.segments_seen:
        raise QueryError(
            f"segment '{seg['name']}' refers to itself",
            span=v.span,
            text=ctx.text,
            expected=["a segment whose query does not use itself"],
        )
    from query_language.resolve import resolve_where

    try:
        where = resolve_where(
            seg["query"],
            ctx.catalog,
            today=ctx.today,
            language=seg["language"] or "en",
            segments_seen=ctx.segments_seen | {segment_id},
        )
    except QueryError as e:
        raise QueryError(
            f"segment '{seg['name']}' has a query I cannot read ({e.message})",
            span=v.span,
            text=ctx.text,
            expected=e.expected,
            suggestions=e.suggestions,
        ) from None
    return a.InSegment(segment_id, seg["name"], dynamic=without_archived(where), span=v.span)
