"""What a bulk change would do, counted before it is confirmed: the customers it would really
change (by the very condition ``set_field`` / ``add_tag`` / ``remove_tag`` apply) and their
current values, so that a preview's numbers are the confirmation's.

Example::

    matched, counts = change_counts(conn, "rating", "A", ids)   # 105845, {"B": 61000, None: …}
    sample = select(customers.c.name).where(members(changing(conn, "rating", "A", ids)))
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, case, false, func, literal, select, true

from storage.changes import FIELDS, _as_text, _has_tag, members
from storage.schema import customers, tags

__all__ = ["breakdown", "change_counts", "changing"]


def _tag_of(conn: Connection, field: str) -> int | None:
    """The id of the tag a ``tag:NAME`` field names, as ``storage.changes`` stores names
    (stripped, lower case); None when there is no such tag yet, or the field is not a tag."""
    if not field.startswith("tag:"):
        return None
    name = field[4:].strip().lower()
    found: int | None = conn.execute(select(tags.c.id).where(tags.c.name == name)).scalar()
    return found


def _would_change(
    field: str, value: str | bool | int | None, remove: bool, tag_id: int | None
) -> ColumnElement[Any]:
    """The very condition ``set_field`` / ``add_tag`` / ``remove_tag`` (``remove``) apply;
    ``tag_id``: the tag a ``tag:`` field names (``_tag_of``)."""
    if field.startswith("tag:"):
        if tag_id is None:
            return false() if remove else true()
        return _has_tag(tag_id) if remove else ~_has_tag(tag_id)
    return FIELDS[field].is_distinct_from(value)


def changing(
    conn: Connection,
    field: str,
    value: str | bool | int | None,
    ids: Select[Any],
    *,
    remove: bool = False,
) -> Select[Any]:
    """The customers of ``ids`` that setting ``field`` to ``value`` would really change, by the
    very condition ``set_field`` / ``add_tag`` / ``remove_tag`` (``remove``) apply: a preview's
    count of them is the count the confirmation changes, the data being unchanged meanwhile."""
    tag_id = _tag_of(conn, field)
    return select(customers.c.id).where(members(ids), _would_change(field, value, remove, tag_id))


def _current(field: str, tag_id: int | None) -> ColumnElement[Any]:
    """A customer's current value of ``field`` as the audit writes it (tags: 'yes'/'no')."""
    if field.startswith("tag:"):
        flag = _has_tag(tag_id) if tag_id is not None else literal(False)
        return case((flag, literal("yes")), else_=literal("no"))
    return _as_text(field, FIELDS[field])


def breakdown(conn: Connection, field: str, ids: Select[Any]) -> dict[str | None, int]:
    """How many of ``ids`` have each current value of ``field`` (tags: 'yes'/'no')."""
    expr = _current(field, _tag_of(conn, field))
    rows = conn.execute(select(expr.label("v"), func.count()).where(members(ids)).group_by(expr))
    return {v: n for v, n in rows}


def change_counts(
    conn: Connection,
    field: str,
    value: str | bool | int | None,
    ids: Select[Any],
    *,
    remove: bool = False,
) -> tuple[int, dict[str | None, int]]:
    """How many customers ``ids`` holds, and ``breakdown`` of those ``changing`` would change, in
    one pass over them: what a preview says (the two statements read the matching rows twice).

    >>> change_counts(conn, "rating", "A", ids)
    (105845, {'B': 61000, None: 40000})
    """
    tag_id = _tag_of(conn, field)  # looked up once
    expr = _current(field, tag_id).label("v")
    flag = case((_would_change(field, value, remove, tag_id), 1), else_=0).label("w")
    rows = conn.execute(
        select(expr, flag, func.count()).where(members(ids)).group_by(expr, flag)
    ).all()
    counts: dict[str | None, int] = {}
    for v, w, n in rows:
        if w:
            counts[v] = counts.get(v, 0) + n
    return sum(n for _, _, n in rows), counts
