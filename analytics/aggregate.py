"""Set-based aggregation of order lines for the classes: one SQL query, one row per customer.

The database does the heavy part (GROUP BY customer and calendar month, then by customer), so
only one row per buying customer travels to Python.

Example::

    window = default_window(date(2026, 11, 22), 12)   # 2025-11-23 .. 2026-11-22
    frame = customer_aggregates(conn, window, today=date(2026, 11, 22))
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    case,
    cast,
    extract,
    func,
    literal,
    select,
)

from storage.schema import customers, order_lines, orders

__all__ = ["Window", "default_window", "customer_aggregates", "all_customers"]


@dataclass(frozen=True)
class Window:
    """Inclusive date span of a computation."""

    start: date
    end: date

    @staticmethod
    def _key(day: date) -> int:
        return day.year * 12 + day.month

    @property
    def month_keys(self) -> tuple[int, int]:
        """First and last month (year × 12 + month) that XYZ looks at: the complete calendar
        months inside the window, or every month it touches when none is complete.

        >>> Window(date(2025, 11, 23), date(2026, 11, 22)).month_keys   # Dec 2025 .. Oct 2026
        (24312, 24322)
        """
        first = self._key(self.start) + (self.start.day != 1)
        month_end = calendar.monthrange(self.end.year, self.end.month)[1]
        last = self._key(self.end) - (self.end.day != month_end)
        if first > last:
            return self._key(self.start), self._key(self.end)
        return first, last

    @property
    def months(self) -> int:
        """How many calendar months XYZ spreads the revenue over.

        >>> Window(date(2025, 11, 23), date(2026, 11, 22)).months
        11
        """
        first, last = self.month_keys
        return last - first + 1


def _minus_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def default_window(today: date, months: int) -> Window:
    """The last ``months`` months ending today, as the query language's ``last 12 months``.

    >>> default_window(date(2026, 11, 22), 12)
    Window(start=datetime.date(2025, 11, 23), end=datetime.date(2026, 11, 22))
    """
    return Window(_minus_months(today, months) + timedelta(days=1), today)


def _days_since(conn: Connection, today: date, column: ColumnElement[Any]) -> ColumnElement[int]:
    if conn.dialect.name == "sqlite":
        return cast(func.julianday(literal(today.isoformat())) - func.julianday(column), Integer)
    return cast(literal(today) - column, Integer)


def customer_aggregates(
    conn: Connection, window: Window, *, today: date, everyone: bool = False
) -> pd.DataFrame:
    """Per customer with an order line in ``window``: external_id, revenue (net), xyz_revenue and
    sum_squares (Σ and Σ² of the revenue of the months in ``window.month_keys``), frequency
    (distinct orders with a purchase line), recency_days (days from the last purchase to
    ``today``; None without a purchase). ``everyone``: every customer, those without lines in
    the window with zeros (and no recency).

    Read from the analytical copy when it is current (``query_language.route``), never from a
    stale one: the classes are written back. On the copy the rows come ordered by external_id
    and are fetched column-wise (DuckDB's own DataFrame fetch, no per-row Python objects).

    >>> customer_aggregates(conn, default_window(date(2026, 11, 22), 12), today=date(2026, 11, 22))
    """
    from query_language.route import reading

    with reading(conn, allow_stale=False) as (source, _stale):
        if source.dialect.name == "duckdb":
            return _duck_frame(source, _duck_sql(window, today, everyone=everyone))
        return _frame(source.execute(_statement(source, window, today, everyone=everyone)).all())


def _statement(  # type: ignore[no-untyped-def]
    conn: Connection, window: Window, today: date, *, everyone: bool = False
):
    month = (extract("year", orders.c.date) * 12 + extract("month", orders.c.date)).label("month")
    bought = order_lines.c.quantity > 0
    per_month = (
        select(
            orders.c.customer_id.label("customer_id"),
            month,
            func.sum(order_lines.c.amount).label("revenue"),
            func.count(case((bought, orders.c.id)).distinct()).label("orders"),
            func.max(case((bought, orders.c.date))).label("last_purchase"),
        )
        .select_from(orders.join(order_lines, order_lines.c.order_id == orders.c.id))
        .where(orders.c.date >= window.start, orders.c.date <= window.end)
        .group_by(orders.c.customer_id, month)
        .subquery("per_month")
    )
    first, last = window.month_keys
    counted = per_month.c.month.between(first, last)
    per_customer = (
        select(
            per_month.c.customer_id,
            func.sum(per_month.c.revenue).label("revenue"),
            func.sum(case((counted, per_month.c.revenue), else_=0.0)).label("xyz_revenue"),
            func.sum(case((counted, per_month.c.revenue * per_month.c.revenue), else_=0.0)).label(
                "sum_squares"
            ),
            func.sum(per_month.c.orders).label("frequency"),
            _days_since(conn, today, func.max(per_month.c.last_purchase)).label("recency_days"),
        )
        .group_by(per_month.c.customer_id)
        .subquery("per_customer")
    )
    if not everyone:
        return select(per_customer, customers.c.external_id).join(
            customers, customers.c.id == per_customer.c.customer_id
        )
    pc = per_customer.c
    stmt = select(
        customers.c.id.label("customer_id"),
        func.coalesce(pc.revenue, 0.0).label("revenue"),
        func.coalesce(pc.xyz_revenue, 0.0).label("xyz_revenue"),
        func.coalesce(pc.sum_squares, 0.0).label("sum_squares"),
        cast(func.coalesce(pc.frequency, 0), BigInteger).label("frequency"),
        pc.recency_days,
        customers.c.external_id,
    ).select_from(customers.outerjoin(per_customer, pc.customer_id == customers.c.id))
    if conn.dialect.name != "postgresql":  # binary collation: the order ABC breaks ties by
        stmt = stmt.order_by(customers.c.external_id)
    return stmt


_COLUMNS = [
    "customer_id",
    "revenue",
    "xyz_revenue",
    "sum_squares",
    "frequency",
    "recency_days",
    "external_id",
]


def _duck_sql(window: Window, today: date, *, everyone: bool) -> str:
    """The same aggregates for DuckDB: each order's lines summed first (one row per order, no
    DISTINCT), then per customer and month, then per customer; every customer with ``everyone``,
    ordered by external_id (DuckDB compares text bytewise, as Python does code points)."""
    first, last = window.month_keys
    counted = f"m BETWEEN {int(first)} AND {int(last)}"
    keep = "LEFT JOIN" if everyone else "JOIN"
    return f"""
WITH per_order AS (
  SELECT o.customer_id, o.date, sum(l.amount) AS amount, max(l.quantity) > 0 AS bought
  FROM order_lines l JOIN orders o ON o.id = l.order_id
  WHERE o.date BETWEEN DATE '{window.start.isoformat()}' AND DATE '{window.end.isoformat()}'
  GROUP BY o.id, o.customer_id, o.date),
per_month AS (
  SELECT customer_id, year(date) * 12 + month(date) AS m, sum(amount) AS revenue,
         count(*) FILTER (WHERE bought) AS orders, max(date) FILTER (WHERE bought) AS last_purchase
  FROM per_order GROUP BY customer_id, m),
pc AS (
  SELECT customer_id, sum(revenue) AS revenue,
         sum(CASE WHEN {counted} THEN revenue ELSE 0.0 END) AS xyz_revenue,
         sum(CASE WHEN {counted} THEN revenue * revenue ELSE 0.0 END) AS sum_squares,
         sum(orders) AS frequency,
         CAST(DATE '{today.isoformat()}' - max(last_purchase) AS INTEGER) AS recency_days
  FROM per_month GROUP BY customer_id)
SELECT c.id AS customer_id, coalesce(pc.revenue, 0.0) AS revenue,
       coalesce(pc.xyz_revenue, 0.0) AS xyz_revenue, coalesce(pc.sum_squares, 0.0) AS sum_squares,
       CAST(coalesce(pc.frequency, 0) AS BIGINT) AS frequency, pc.recency_days, c.external_id
FROM customers c {keep} pc ON pc.customer_id = c.id
ORDER BY c.external_id"""


def _duck_frame(source: Connection, sql: str) -> pd.DataFrame:
    """``sql`` run on the DuckDB copy and fetched as a DataFrame by DuckDB itself."""
    raw: Any = source.connection.dbapi_connection
    frame = raw.execute(sql).df()
    frame.columns = _COLUMNS
    frame["customer_id"] = frame["customer_id"].astype("int64")
    frame["external_id"] = frame["external_id"].astype(object)
    return _typed(frame)


def _frame(rows: list[Any]) -> pd.DataFrame:
    return _typed(pd.DataFrame.from_records(rows, columns=_COLUMNS))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame["revenue"] = frame["revenue"].astype(float).round(6)
    frame["xyz_revenue"] = frame["xyz_revenue"].astype(float).round(6)
    frame["sum_squares"] = frame["sum_squares"].astype(float)
    frame["frequency"] = frame["frequency"].astype("int64")
    frame["recency_days"] = frame["recency_days"].astype("Int64")
    return frame


def all_customers(conn: Connection) -> pd.DataFrame:
    """Every customer's id and external_id (ties in ABC are broken by external_id)."""
    rows = conn.execute(select(customers.c.id, customers.c.external_id)).all()
    return pd.DataFrame.from_records(rows, columns=["customer_id", "external_id"])
