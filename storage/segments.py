"""Saved segments: dynamic (the query is re-evaluated each time) and static (today's members).

Example::

    save_segment(conn, "drill-buyers", "buyers of Super Drill", kind="dynamic", owner_id=3)
    freeze ... members=select(customers.c.id).where(...)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, ScalarSelect, Select, delete, func, insert, literal, select

from storage.changes import utcnow
from storage.schema import customers, segment_members, segments
from storage.scope import CustomerScope

__all__ = [
    "SegmentError",
    "Segment",
    "save_segment",
    "list_segments",
    "get_segment",
    "drop_segment",
    "NAME_RULE",
]

NAME_RULE = re.compile(r"^[\w][\w.-]{0,59}$", re.UNICODE)


class SegmentError(Exception):
    """A segment that cannot be saved, found or dropped; the message says what to do."""


@dataclass(frozen=True)
class Segment:
    id: int
    name: str
    query: str
    language: str
    kind: str
    owner_id: int | None
    members: int | None  # static segments only
    frozen_as_of: date | None


def normalise_name(name: str) -> str:
    name = name.strip().strip("'\"«»").lower()
    if not NAME_RULE.match(name):
        raise SegmentError(
            f"'{name}' cannot be a segment name: use letters, digits, '-', '_' or '.', no spaces "
            "(e.g. drill-buyers)"
        )
    return name


def save_segment(
    conn: Connection,
    name: str,
    query: str,
    *,
    kind: str,
    owner_id: int | None,
    language: str = "en",
    members: Select[Any] | None = None,
    as_of: date | None = None,
) -> Segment:
    name = normalise_name(name)
    if conn.execute(select(segments.c.id).where(segments.c.name == name)).first():
        raise SegmentError(
            f"a segment called '{name}' exists already: drop it first ('drop segment {name}') "
            "or choose another name"
        )
    seg_id = conn.execute(
        insert(segments)
        .values(
            name=name,
            query=query,
            language=language,
            kind=kind,
            owner_id=owner_id,
            created_at=utcnow(),
            frozen_as_of=as_of if kind == "static" else None,
        )
        .returning(segments.c.id)
    ).scalar_one()
    if kind == "static":
        if members is None:
            raise ValueError("a static segment needs its members")
        sub = members.subquery()
        conn.execute(
            insert(segment_members).from_select(
                ["segment_id", "customer_id"], select(literal(seg_id), sub.c[0]).distinct()
            )
        )
    return get_segment(conn, name)


def _members_count(scope: CustomerScope | None) -> ScalarSelect[int]:
    """A static segment's members, counting only the customers ``scope`` allows."""
    own = segment_members.c.segment_id == segments.c.id
    if scope is None or not scope.limited:
        return select(func.count()).where(own).scalar_subquery()
    visible = segment_members.c.customer_id.in_(select(customers.c.id).where(scope.condition()))
    return select(func.count()).where(own, visible).scalar_subquery()


def _segment(r: Row[Any]) -> Segment:
    return Segment(
        r.id,
        r.name,
        r.query,
        r.language,
        r.kind,
        r.owner_id,
        r.members if r.kind == "static" else None,
        r.frozen_as_of,
    )


def _with_members(scope: CustomerScope | None) -> Select[Any]:
    return select(segments, _members_count(scope).label("members"))


def list_segments(conn: Connection, scope: CustomerScope | None = None) -> list[Segment]:
    """Every saved segment; a static one's member count is of the customers ``scope`` allows."""
    return [_segment(r) for r in conn.execute(_with_members(scope).order_by(segments.c.name))]


def get_segment(conn: Connection, name: str, scope: CustomerScope | None = None) -> Segment:
    key = name.strip().strip("'\"«»").lower()
    r = conn.execute(_with_members(scope).where(segments.c.name == key)).first()
    if r is None:
        known = (
            conn.execute(select(segments.c.name).order_by(segments.c.name).limit(20))
            .scalars()
            .all()
        )
        hint = (
            f"; known segments: {', '.join(known)}"
            if known
            else "; there are no saved segments yet"
        )
        raise SegmentError(f"no segment is called '{key}'{hint}")
    return _segment(r)


def drop_segment(conn: Connection, name: str) -> Segment:
    seg = get_segment(conn, name)
    conn.execute(delete(segment_members).where(segment_members.c.segment_id == seg.id))
    conn.execute(delete(segments).where(segments.c.id == seg.id))
    return seg
