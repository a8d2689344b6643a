"""The primary's generations: one value per copied table, advanced by triggers (migration 0009).

Example: ``read_generations(conn)`` → ``{"customers": 7, "orders": 3, …}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from storage.schema import analytics_dirty_orders, analytics_generation, order_lines, orders

__all__ = ["read_generations", "PrimaryMarks", "read_marks"]


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
