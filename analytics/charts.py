"""What the class charts plot, as data: the Pareto curve (ABC) and the R × FM grid (RFM).

The pictures are drawn by the chat layer (``bot.charts``) from exactly these numbers.

Example::

    curve = pareto(conn)        # None before the first class run
    curve.revenue_share[80]     # % of revenue from the largest 80% of customers
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from analytics.classes import latest_run
from storage.schema import class_runs, customer_classes, customers
from storage.scope import CustomerScope

__all__ = ["Pareto", "RfmGrid", "pareto", "rfm_grid", "FM_VALUES"]

FM_VALUES = tuple(1 + i / 2 for i in range(9))  # (F + M) / 2: 1, 1.5, ..., 5


@dataclass(frozen=True)
class Pareto:
    """Cumulative share of net revenue (%) at each whole percent of customers, largest first
    (101 points, 0..100), the ABC thresholds (%) and how many customers had revenue."""

    customer_share: tuple[int, ...]
    revenue_share: tuple[float, ...]
    thresholds: tuple[float, ...]
    customers: int
    window: tuple[date, date]


@dataclass(frozen=True)
class RfmGrid:
    """Customers per cell: ``counts[r - 1][k]`` for R = r and FM = ``FM_VALUES[k]``."""

    counts: tuple[tuple[int, ...], ...]
    computed_for: date | None


def _run(conn: Connection):  # type: ignore[no-untyped-def]
    run_id = latest_run(conn)
    if run_id is None:
        return None, None
    return run_id, conn.execute(
        select(class_runs).where(class_runs.c.id == run_id)
    ).mappings().one()


def _in_scope(scope: CustomerScope | None) -> list[Any]:
    """The reader's customers only (none of the others' revenue or counts is plotted)."""
    if scope is None or not scope.limited:
        return []
    return [customer_classes.c.customer_id.in_(select(customers.c.id).where(scope.condition()))]


def pareto(conn: Connection, scope: CustomerScope | None = None) -> Pareto | None:
    """The Pareto curve of the latest class run over the customers of ``scope``; None when
    none of them had revenue in it."""
    run_id, run = _run(conn)
    if run_id is None:
        return None
    revenue = np.array(
        conn.execute(
            select(customer_classes.c.revenue).where(
                customer_classes.c.revenue > 0, *_in_scope(scope)
            )
        )
        .scalars()
        .all(),
        dtype=float,
    )
    if not revenue.size:
        return None
    revenue = np.sort(revenue)[::-1]
    x = np.r_[0.0, np.arange(1, revenue.size + 1) / revenue.size * 100]
    y = np.r_[0.0, np.cumsum(revenue) / revenue.sum() * 100]
    points = np.arange(101)
    share = np.interp(points, x, y)
    thresholds = run["parameters"].get("abc_thresholds", [0.8, 0.95])
    return Pareto(
        tuple(int(p) for p in points),
        tuple(round(float(v), 1) for v in share),
        tuple(round(float(t) * 100, 1) for t in thresholds),
        int(revenue.size),
        (_date(run["window_start"]), _date(run["window_end"])),
    )


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def rfm_grid(conn: Connection, scope: CustomerScope | None = None) -> RfmGrid:
    """Customers of ``scope`` per R × FM cell of the latest class run (all zeros before the
    first run)."""
    run_id, run = _run(conn)
    grid = [[0] * len(FM_VALUES) for _ in range(5)]
    if run_id is not None:
        fm2 = customer_classes.c.f_score + customer_classes.c.m_score
        rows = conn.execute(
            select(customer_classes.c.r_score, fm2, func.count())
            .where(customer_classes.c.r_score.is_not(None), *_in_scope(scope))
            .group_by(customer_classes.c.r_score, fm2)
        ).all()
        for r, f_plus_m, n in rows:
            grid[int(r) - 1][int(f_plus_m) - 2] = int(n)
    return RfmGrid(
        tuple(tuple(row) for row in grid), _date(run["computed_for"]) if run is not None else None
    )
