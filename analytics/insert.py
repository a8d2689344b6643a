"""Bulk-insert a DataFrame into a table inside the caller's transaction.

Converts pandas values (NaN, NA, numpy scalars) to plain Python tuples: ``COPY`` through
``storage.bulk.insert_rows`` on PostgreSQL, one raw ``executemany`` per chunk on SQLite, in the
caller's transaction.

Example::

    insert_frame(conn, customer_classes, frame[["run_id", "customer_id", ...]])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table

from storage.bulk import insert_rows

__all__ = ["insert_frame", "frame_rows", "executemany_frame"]

_CHUNK = 50_000


def frame_rows(frame: pd.DataFrame) -> Iterator[tuple]:
    """Rows as tuples of plain Python values (None for NaN / NA), chunk by chunk."""
    for start in range(0, len(frame), _CHUNK):
        part = frame.iloc[start : start + _CHUNK]
        yield from zip(*(_values(part[c]) for c in part.columns), strict=True)


def _values(column: pd.Series) -> list[Any]:
    """One column as plain Python values, None for NaN / NA (column-wise: no per-cell pandas)."""
    values = column.astype(object).tolist()
    missing = column.isna()
    if missing.any():
        return [None if m else v for v, m in zip(values, missing.tolist(), strict=True)]
    return values


def insert_frame(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert every row of ``frame`` (columns named as the table's) into ``table``.

    >>> insert_frame(conn, customer_classes, frame)
    1000000
    """
    columns = list(frame.columns)
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise ValueError(
            f"insert into {table.name}: no such columns {unknown}; "
            f"the table has {list(table.c.keys())}"
        )
    if frame.empty:
        return 0
    if conn.dialect.name == "postgresql":
        return insert_rows(conn, table, columns, frame_rows(frame))
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    return executemany_frame(conn, sql, frame)


def executemany_frame(conn: Connection, sql: str, frame: pd.DataFrame) -> int:
    """Run ``sql`` (SQLite, ``?`` placeholders in the frame's column order) once per row of
    ``frame``: plain Python values need no bind processing, so one ``executemany`` per chunk on
    the raw cursor, in the caller's transaction."""
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor()
    try:
        rows = frame_rows(frame)
        while batch := [row for _, row in zip(range(_CHUNK), rows, strict=False)]:
            cursor.executemany(sql, batch)
    finally:
        cursor.close()
    return len(frame)
