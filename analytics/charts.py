"""Pictures of the latest class run: the Pareto curve (ABC) and the R × FM grid (RFM), as PNG.

Example::

    png = chart_abc(conn)      # bytes starting with b"\\x89PNG"
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sqlalchemy import Connection, RowMapping, func, select  # noqa: E402

from analytics.classes import latest_run  # noqa: E402
from storage.schema import class_runs, customer_classes, customers  # noqa: E402
from storage.scope import CustomerScope  # noqa: E402

__all__ = ["chart_abc", "chart_rfm"]

_MAX_POINTS = 2000  # a million customers still draw as one smooth curve


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _run(conn: Connection) -> tuple[int, RowMapping] | tuple[None, None]:
    run_id = latest_run(conn)
    if run_id is None:
        return None, None
    return run_id, conn.execute(
        select(class_runs).where(class_runs.c.id == run_id)
    ).mappings().one()


def _in_scope(scope: CustomerScope | None) -> list[Any]:
    """The reader's customers only (none of the others' revenue or counts is drawn)."""
    if scope is None or not scope.limited:
        return []
    return [customer_classes.c.customer_id.in_(select(customers.c.id).where(scope.condition()))]


def chart_abc(conn: Connection, scope: CustomerScope | None = None) -> bytes:
    """The Pareto curve of the latest run: cumulative share of revenue against share of
    customers, with the ABC thresholds drawn as lines; only the customers of ``scope``.

    >>> chart_abc(conn)[:4]
    b'\\x89PNG'
    """
    run_id, run = _run(conn)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    revenue = np.array([], dtype=float)
    if run_id is not None:
        revenue = np.array(
            conn.execute(
                select(customer_classes.c.revenue).where(
                    customer_classes.c.run_id == run_id,
                    customer_classes.c.revenue > 0,
                    *_in_scope(scope),
                )
            )
            .scalars()
            .all(),
            dtype=float,
        )
    if revenue.size and run is not None:  # revenue comes from the run
        revenue = np.sort(revenue)[::-1]
        share = np.cumsum(revenue) / revenue.sum()
        x = np.arange(1, revenue.size + 1) / revenue.size
        step = max(1, revenue.size // _MAX_POINTS)
        idx = np.unique(np.r_[np.arange(0, revenue.size, step), revenue.size - 1])
        ax.plot(np.r_[0, x[idx]] * 100, np.r_[0, share[idx]] * 100, color="tab:blue")
        thresholds = run["parameters"].get("abc_thresholds", [0.8, 0.95])
        for t, label in zip(thresholds, ("A | B", "B | C"), strict=False):
            ax.axhline(t * 100, color="tab:red", linestyle="--", linewidth=1)
            ax.text(101, t * 100, f"{t:.0%} {label}", va="center", fontsize=8, color="tab:red")
        title = f"ABC (Pareto) · {run['window_start']} .. {run['window_end']} · {revenue.size} customers"
    else:
        ax.text(
            0.5,
            0.5,
            "no revenue in the window yet",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        title = "ABC (Pareto)"
    ax.set(
        title=title,
        xlabel="customers, % (largest first)",
        ylabel="cumulative revenue, %",
        xlim=(0, 100),
        ylim=(0, 102),
    )
    ax.grid(alpha=0.3)
    return _png(fig)


def chart_rfm(conn: Connection, scope: CustomerScope | None = None) -> bytes:
    """The R × FM grid of the latest run with the number of customers in each cell (only the
    customers of ``scope``).

    >>> chart_rfm(conn)[:4]
    b'\\x89PNG'
    """
    run_id, run = _run(conn)
    fm_values = [1 + i / 2 for i in range(9)]  # 1, 1.5, ..., 5
    grid = np.zeros((5, 9), dtype=int)
    if run_id is not None:
        fm2 = customer_classes.c.f_score + customer_classes.c.m_score
        rows = conn.execute(
            select(customer_classes.c.r_score, fm2, func.count())
            .where(
                customer_classes.c.run_id == run_id,
                customer_classes.c.r_score.is_not(None),
                *_in_scope(scope),
            )
            .group_by(customer_classes.c.r_score, fm2)
        ).all()
        for r, f_plus_m, n in rows:
            grid[int(r) - 1, int(f_plus_m) - 2] = n
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.imshow(grid, origin="lower", cmap="Blues", aspect="auto")
    for (r, c), n in np.ndenumerate(grid):
        ax.text(
            c,
            r,
            str(n),
            ha="center",
            va="center",
            fontsize=8,
            color="white" if n > grid.max() / 2 else "black",
        )
    ax.set_xticks(range(9), [f"{v:g}" for v in fm_values])
    ax.set_yticks(range(5), [str(r) for r in range(1, 6)])
    when = f" · {run['computed_for']}" if run is not None else ""
    ax.set(
        title=f"RFM: customers by R and FM = (F + M) / 2{when}", xlabel="FM", ylabel="R (recency)"
    )
    return _png(fig)
