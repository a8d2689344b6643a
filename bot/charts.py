"""Pictures of answers (matplotlib, Agg): spend by month, and counts or spend by group.

Example::

    png = spend_by_month_png(conn, ids_select, date(2025, 12, 1), date(2026, 11, 22), "Moscow")
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sqlalchemy import Connection, Select, func, select  # noqa: E402

from storage.schema import order_lines, orders  # noqa: E402

__all__ = ["spend_by_month", "spend_by_month_png", "groups_png"]


def spend_by_month(conn: Connection, ids: Select, start: date, end: date) -> pd.Series:
    """Net spend per calendar month (every month of the span, zeros included)."""
    rows = conn.execute(
        select(orders.c.date, func.sum(order_lines.c.amount))
        .join(order_lines, order_lines.c.order_id == orders.c.id)
        .where(
            orders.c.customer_id.in_(ids.scalar_subquery()),
            orders.c.date >= start,
            orders.c.date <= end,
        )
        .group_by(orders.c.date)
    ).all()
    months = pd.period_range(start, end, freq="M")
    frame = pd.DataFrame(rows, columns=["date", "spend"])
    if frame.empty:
        return pd.Series(0.0, index=months)
    frame["month"] = pd.to_datetime(frame["date"]).dt.to_period("M")
    return frame.groupby("month")["spend"].sum().reindex(months, fill_value=0.0)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def spend_by_month_png(conn: Connection, ids: Select, start: date, end: date, title: str) -> bytes:
    series = spend_by_month(conn, ids, start, end)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar([str(p) for p in series.index], series.values, color="#3b7dd8")
    ax.set_title(title[:90], fontsize=10)
    ax.set_ylabel("net spend")
    ax.tick_params(axis="x", rotation=60, labelsize=8)
    ax.yaxis.set_major_formatter(
        matplotlib.ticker.FuncFormatter(lambda v, _p: f"{v:,.0f}".replace(",", " "))
    )
    return _png(fig)


def groups_png(keys: Sequence[str], values: Sequence[float], title: str, measure: str) -> bytes:
    fig, ax = plt.subplots(figsize=(8, max(3, 0.35 * len(keys) + 1)))
    ax.barh(list(keys)[::-1], list(values)[::-1], color="#3b7dd8")
    ax.set_title(title[:90], fontsize=10)
    ax.set_xlabel(measure)
    ax.xaxis.set_major_formatter(
        matplotlib.ticker.FuncFormatter(lambda v, _p: f"{v:,.0f}".replace(",", " "))
    )
    return _png(fig)
