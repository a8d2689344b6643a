"""The primary's generations: one value per copied table, advanced by triggers (migration 0009).

Example: ``read_generations(conn)`` → ``{"customers": 7, "orders": 3, …}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, delete, func, insert, select, update

from storage.schema import (
    analytics_dirty_orders,
    analytics_dirty_pruned,
    analytics_generation,
    order_lines,
    orders,
)

__all__ = [
    "read_generations",
    "PrimaryMarks",
    "read_marks",
    "advanced_once",
    "prune_dirty",
    "pruned_through",
    "KEEP_DIRTY",
]

# Rows of analytics_dirty_orders kept by a prune: twice the changed orders past which a copy
# reloads orders whole anyway (storage/columnar/copy.py), so a copy refreshed in any reasonable
# time still replays its changes.
KEEP_DIRTY = 200_000


def read_generations(conn: Connection) -> dict[str, int]:
    """Every part's generation as ``conn`` sees it (its own uncommitted writes included)."""
    g = analytics_generation.c
    return {p: int(v) for p, v in conn.execute(select(g.part, g.generation)).all()}


@dataclass(frozen=True)
class PrimaryMarks:
    """What a refresh reads from the primary besides the generations: the newest ids."""

    generations: dict[str, int]
    dirty_id: int
    max_order_id: int
    max_line_id: int


def read_marks(conn: Connection) -> PrimaryMarks:
    return PrimaryMarks(
        read_generations(conn),
        int(conn.execute(select(func.max(analytics_dirty_orders.c.id))).scalar() or 0),
        int(conn.execute(select(func.max(orders.c.id))).scalar() or 0),
        int(conn.execute(select(func.max(order_lines.c.id))).scalar() or 0),
    )


@contextmanager
def advanced_once(conn: Connection, table: str) -> Iterator[None]:
    """A bulk write to ``table`` inside the block advances its generation once, not once per row.

    SQLite has only row triggers: writing a million rows fires a million generation updates
    (~5 µs each at that size, half the time of the recompute's insert). Inside the caller's open
    transaction the table's generation triggers are dropped for the block and created again, with
    the same SQL, before it ends, and the generation is advanced once: DDL is transactional in
    SQLite and the writer holds the database's write lock, so no other write passes untriggered
    and a rollback restores everything. PostgreSQL's statement triggers already fire once per
    statement: nothing changes there. Outside a transaction the row triggers stay.

    >>> with advanced_once(conn, "customer_classes"):
    ...     conn.execute(insert(customer_classes), rows)
    """
    raw: Any = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
    if raw is None or not raw.in_transaction:
        yield
        return
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
        "AND name LIKE 'analytics_gen_%' ORDER BY name",
        (table,),
    ).all()
    for name, _sql in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        for _name, sql in triggers:
            conn.exec_driver_sql(sql)
        if triggers:
            g = analytics_generation.c
            conn.execute(
                update(analytics_generation)
                .where(g.part == table)
                .values(generation=g.generation + 1)
            )


def pruned_through(conn: Connection) -> int:
    """The id ``analytics_dirty_orders`` was pruned through (0: never): a copy that last read an
    id below it cannot replay what it missed. Read it *after* the dirty rows: a prune committed
    in between then shows (and the copy reloads) instead of hiding rows it deleted."""
    return int(conn.execute(select(analytics_dirty_pruned.c.through)).scalar() or 0)


def prune_dirty(conn: Connection, keep: int | None = None) -> int:
    """Delete all but the newest ``keep`` (default ``KEEP_DIRTY``) rows of ``analytics_dirty_orders`` and remember how far
    (in the caller's transaction); returns how many were deleted. Ids only grow (AUTOINCREMENT on
    SQLite, a sequence on PostgreSQL), so "newest" is by id.

    >>> prune_dirty(conn)          # 1,250,000 rows → the newest 200,000
    1050000
    """
    newest = conn.execute(select(func.max(analytics_dirty_orders.c.id))).scalar()
    through = int(newest or 0) - (KEEP_DIRTY if keep is None else keep)
    if through <= pruned_through(conn):
        return 0
    p = analytics_dirty_pruned.c
    if conn.execute(select(p.id)).first() is None:
        conn.execute(insert(analytics_dirty_pruned).values(id=1, through=0))
    conn.execute(  # never backwards, whatever another pruner committed meanwhile
        update(analytics_dirty_pruned)
        .where(p.id == 1)
        .values(through=case((p.through < through, through), else_=p.through))
    )
    d = analytics_dirty_orders.c
    return int(conn.execute(delete(analytics_dirty_orders).where(d.id <= through)).rowcount or 0)
