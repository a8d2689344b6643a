"""Compute and store ABC / XYZ / RFM classes for every customer: one run per call.

A run is a ``class_runs`` row (computed_for = today, the window, the parameters: the log of
runs) and leaves one ``customer_classes`` row per customer holding that run's classes, written
only where they changed (``analytics.class_store``). The query language answers ``abc A``,
``xyz Z``, ``class AX``, ``rfm champions`` from those rows; ``latest_run`` names the run.

Example::

    run_id = compute_classes(engine, today=date(2026, 11, 22), settings=ClassSettings())
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select

from analytics.aggregate import Window, customer_aggregates, default_window
from analytics.class_store import STORED, lock_classes, store_classes
from analytics.classify import classify
from analytics.settings import ClassSettings
from storage.changes import utcnow
from storage.schema import class_runs

__all__ = ["compute_classes", "latest_run", "resolve_window", "STORED"]


def resolve_window(
    today: date,
    settings: ClassSettings,
    window_start: date | None = None,
    window_end: date | None = None,
) -> Window:
    """The window for a run: explicit bounds win, else the last N months ending ``today``.

    >>> resolve_window(date(2026, 11, 22), ClassSettings())
    Window(start=datetime.date(2025, 11, 23), end=datetime.date(2026, 11, 22))
    """
    default = default_window(window_end or today, settings.window_months)
    window = Window(window_start or default.start, window_end or default.end)
    if window.start > window.end:
        raise ValueError(
            f"class window starts {window.start} after it ends {window.end}; "
            "give a start on or before the end"
        )
    return window


def _classified(
    conn: Connection, window: Window, today: date, settings: ClassSettings
) -> pd.DataFrame:
    """Classes of every customer as stored (``STORED``; those without order lines in the
    window: revenue 0, abc C, nothing else), in customer id order, with the last purchase's
    date (``today`` minus ``recency_days``, which classify scores)."""
    frame = customer_aggregates(conn, window, today=today, everyone=True)
    out = classify(
        frame,
        months=window.months,
        abc_thresholds=settings.abc_thresholds,
        xyz_thresholds=settings.xyz_thresholds,
    )
    scored = out["recency_days"].notna()
    out["monetary"] = out["revenue"].where(scored)
    out["frequency"] = out["frequency"].astype("Int64").where(scored)
    last = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    days = out.loc[scored, "recency_days"].astype("int64")
    last[scored] = pd.Timestamp(today) - pd.to_timedelta(days, unit="D")
    out["last_purchase"] = last
    order = np.argsort(out["customer_id"].to_numpy(), kind="stable")
    return out[STORED].take(order).reset_index(drop=True)


def compute_classes(
    engine_or_conn: Engine | Connection,
    *,
    today: date,
    window_start: date | None = None,
    window_end: date | None = None,
    settings: ClassSettings | None = None,
) -> int:
    """Compute every customer's classes for ``today``, store them (only the rows that changed)
    and log the run (with how many rows it wrote); returns the run's id.

    Customers without revenue in the window are stored too, with abc ``C`` and no XYZ/RFM.
    Given a Connection, the run joins the caller's transaction.

    >>> compute_classes(engine, today=date(2026, 11, 22), settings=ClassSettings())
    7
    """
    settings = settings or ClassSettings()
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.begin() as conn:
            return compute_classes(
                conn,
                today=today,
                window_start=window_start,
                window_end=window_end,
                settings=settings,
            )
    conn = engine_or_conn
    window = resolve_window(today, settings, window_start, window_end)
    lock_classes(conn)  # before anything is read: no other run writes between read and write
    frame = _classified(conn, window, today, settings)
    writes = store_classes(conn, frame)
    parameters: dict[str, Any] = {
        "window_months": settings.window_months,
        "abc_thresholds": list(settings.abc_thresholds),
        "xyz_thresholds": list(settings.xyz_thresholds),
        "xyz_months": window.months,
        "xyz_first_month": _month_text(window.month_keys[0]),
        "xyz_last_month": _month_text(window.month_keys[1]),
        "rows_written": writes.written,  # customers whose stored classes this run changed
        "rows_removed": writes.removed,
    }
    run_id = conn.execute(
        insert(class_runs)
        .values(
            computed_for=today,
            window_start=window.start,
            window_end=window.end,
            created_at=utcnow(),
            parameters=parameters,
        )
        .returning(class_runs.c.id)
    ).scalar_one()
    return run_id


def _month_text(key: int) -> str:
    year, month = divmod(key - 1, 12)
    return f"{year:04d}-{month + 1:02d}"


def latest_run(conn: Connection) -> int | None:
    """The id of the newest run, or None before the first computation."""
    return conn.execute(select(func.max(class_runs.c.id))).scalar()
