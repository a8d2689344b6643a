"""The pages of a watch's notices: who entered or left at one run, in a reader's scope.

Example::

    entered, left = run_counts(conn, watch_id, run_no, scope)
    rows = run_changes(conn, watch_id, run_no, scope, offset=0, limit=10)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, func, select, true

from storage.schema import customers, watch_changes
from storage.scope import CustomerScope

__all__ = ["run_counts", "run_changes"]


def _visible_changes(watch_id: int, run_no: int, scope: CustomerScope | None) -> Select[Any]:
    visible = scope.condition() if scope is not None else true()
    return (
        select(
            customers.c.id,
            customers.c.name,
            customers.c.city,
            customers.c.rating,
            watch_changes.c.entered,
            watch_changes.c.reason,
        )
        .join(customers, customers.c.id == watch_changes.c.customer_id)
        .where(watch_changes.c.watch_id == watch_id, watch_changes.c.run_no == run_no, visible)
    )


def run_counts(
    conn: Connection, watch_id: int, run_no: int, scope: CustomerScope | None = None
) -> tuple[int, int]:
    """How many customers (in ``scope``) entered and how many left at run ``run_no``."""
    sq = _visible_changes(watch_id, run_no, scope).subquery()
    counts = {
        bool(e): int(n)
        for e, n in conn.execute(select(sq.c.entered, func.count()).group_by(sq.c.entered))
    }
    return int(counts.get(True, 0)), int(counts.get(False, 0))


def run_changes(
    conn: Connection,
    watch_id: int,
    run_no: int,
    scope: CustomerScope | None = None,
    *,
    offset: int = 0,
    limit: int | None = None,
) -> list[Any]:
    """One page of the customers (in ``scope``) who entered or left at run ``run_no``, entered
    first, by name: rows of (id, name, city, rating, entered, reason)."""
    page = _visible_changes(watch_id, run_no, scope).order_by(
        watch_changes.c.entered.desc(), customers.c.name, customers.c.id
    )
    return list(conn.execute(page.offset(offset).limit(limit)).all())
