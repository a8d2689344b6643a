"""Store a run's classes: one ``customer_classes`` row per customer, only changed rows written.

A recompute classifies every customer, but from one day to the next few customers' classes
change: those with new orders, those whose orders left the window, those crossing an ABC or
quintile boundary. Writing every row again cost ~10 s of B-tree work at 1,000,000 customers on
SQLite (four B-trees of a million entries, and the old run's rows deleted); comparing with what
is stored and writing the differences costs a read and a few per cent of the writes. Nothing
stored moves with the calendar alone: the last purchase is a date, not a number of days.

When the analytical copy is current, DuckDB compares the new classes with the copy's rows (a
join, only the differing ids come back); else the stored rows are read from the primary and
compared with pandas. The writer first takes the table's write lock, so no other run can change the rows
between that read and the write (SQLite: the database's write lock; PostgreSQL: a lock that
other writers of the table wait for and readers do not).

Example::

    lock_classes(conn)
    counts = store_classes(conn, classified)   # ClassWrites(written=8_312, removed=0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Column, Connection, delete, select
from sqlalchemy.dialects import postgresql

from analytics.insert import executemany_frame, frame_rows, insert_frame
from storage.bulk import insert_rows, temp_table
from storage.columnar.generation import advanced_once
from storage.schema import customer_classes

__all__ = ["STORED", "ClassWrites", "lock_classes", "store_classes"]

STORED = [
    "customer_id",
    "revenue",
    "abc",
    "xyz",
    "last_purchase",
    "frequency",
    "monetary",
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
]
_TEXT = ("abc", "xyz", "rfm_segment")
_DATE = "last_purchase"
_CHUNK = 50_000


@dataclass(frozen=True)
class ClassWrites:
    """What storing a run did: rows inserted or updated, rows removed."""

    written: int
    removed: int


def lock_classes(conn: Connection) -> None:
    """Take ``customer_classes``' write lock for the rest of the caller's transaction, before
    anything is read: another run waits until this one commits or rolls back."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE customer_classes IN SHARE ROW EXCLUSIVE MODE")
    else:  # a write statement takes SQLite's write lock; this one matches no row
        conn.exec_driver_sql("DELETE FROM customer_classes WHERE 0")


def store_classes(conn: Connection, new: pd.DataFrame) -> ClassWrites:
    """Make ``customer_classes`` hold ``new`` (``STORED`` columns, one row per customer, in
    customer id order, the last purchase as datetime64): the stored rows are compared with it —
    by the copy itself when it is current, else here — and only the rows that differ are
    written; rows of customers not in ``new`` are removed. Call under ``lock_classes``, inside
    the caller's transaction; the generation advances only if a row changed."""
    from query_language.route import reading

    new = new[STORED]
    with reading(conn, allow_stale=False) as (source, _stale):
        if source.dialect.name == "duckdb":
            changed, gone, empty = _compared_by_the_copy(source, new)
        else:
            changed, gone, empty = _compared_here(_stored(source), new)
    rows = new.loc[changed]
    if len(rows) or gone:
        with advanced_once(conn, customer_classes.name):  # SQLite: not a trigger per row
            for start in range(0, len(gone), _CHUNK):
                part = gone[start : start + _CHUNK]
                conn.execute(
                    delete(customer_classes).where(customer_classes.c.customer_id.in_(part))
                )
            _write(conn, rows, empty=empty)
    return ClassWrites(len(rows), len(gone))


def _compared_by_the_copy(source: Connection, new: pd.DataFrame) -> tuple[Any, list[int], bool]:
    """(which rows of ``new`` differ, the ids to remove, whether nothing is stored), computed by
    DuckDB against the copy's rows: a join of ``new`` (scanned in place) with the table."""
    raw: Any = source.connection.dbapi_connection
    differs = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in STORED[1:])
    raw.register("new_classes", new)
    try:
        ids = raw.execute(
            "SELECT n.customer_id FROM new_classes n LEFT JOIN customer_classes o "
            f"USING (customer_id) WHERE o.customer_id IS NULL OR {differs}"
        ).fetchnumpy()["customer_id"]
        gone = raw.execute(
            "SELECT customer_id FROM customer_classes ANTI JOIN new_classes USING (customer_id) "
            "ORDER BY customer_id"
        ).fetchnumpy()["customer_id"]
        empty = raw.execute("SELECT count(*) = 0 FROM customer_classes").fetchone()[0]
    finally:
        raw.unregister("new_classes")
    changed = np.isin(new["customer_id"].to_numpy(dtype="int64"), np.asarray(ids, dtype="int64"))
    return changed, [int(x) for x in gone], bool(empty)


def _stored(source: Connection) -> pd.DataFrame:
    """Every stored row, in customer id order, read with the driver's own tuples (no row
    objects for a million rows)."""
    sql = f"SELECT {', '.join(STORED)} FROM customer_classes ORDER BY customer_id"
    driver: Any = source.connection.driver_connection
    cursor = driver.cursor()
    try:
        cursor.execute(sql)
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=STORED)
    finally:
        cursor.close()
    frame["customer_id"] = frame["customer_id"].astype("int64")
    frame[_DATE] = pd.to_datetime(frame[_DATE])
    return frame


def _compared_here(old: pd.DataFrame, new: pd.DataFrame) -> tuple[Any, list[int], bool]:
    """The same as ``_compared_by_the_copy``, with pandas, for rows read from the primary."""
    ids = new["customer_id"].to_numpy(dtype="int64")
    old_ids = old["customer_id"].to_numpy(dtype="int64")
    if len(ids) == len(old_ids) and np.array_equal(ids, old_ids):  # the usual day: same people
        known, at = np.ones(len(ids), dtype=bool), None
    else:
        found = pd.Index(old_ids).get_indexer(ids)
        known, at = found >= 0, np.where(found >= 0, found, 0)
    changed = ~known
    for col in STORED[1:] if known.any() else ():
        before = old[col].to_numpy() if at is None else old[col].to_numpy()[at]
        changed |= known & ~_same(new[col].to_numpy(), before, col)
    gone = [] if at is None else old_ids[~np.isin(old_ids, ids)].tolist()
    return changed, gone, old.empty


def _same(new: np.ndarray, old: np.ndarray, col: str) -> np.ndarray:
    """Element-wise equality of one column (positions aligned), missing equal to missing."""
    if col == _DATE:
        a = np.asarray(new, dtype="datetime64[ns]").view("int64")
        b = np.asarray(old, dtype="datetime64[ns]").view("int64")
        return np.asarray(a == b, dtype=bool)
    if col in _TEXT:
        a, b = np.asarray(new, dtype=object), np.asarray(old, dtype=object)
        same = np.asarray(a == b, dtype=bool)  # None == None; NaN (missing) != NaN: look again
        again = np.flatnonzero(~same)
        same[again[pd.isna(a[again]) & pd.isna(b[again])]] = True
        return same
    x = pd.array(new).astype("float64").to_numpy() if new.dtype == object else new
    y = pd.array(old).astype("float64").to_numpy() if old.dtype == object else old
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    return np.asarray((x == y) | (np.isnan(x) & np.isnan(y)), dtype=bool)


def _write(conn: Connection, rows: pd.DataFrame, *, empty: bool) -> None:
    """Insert or update ``rows``: a plain bulk insert into an empty table, else an upsert."""
    if rows.empty:
        return
    rows = rows.copy()
    dates = rows[_DATE]
    if conn.dialect.name == "postgresql":
        rows[_DATE] = pd.Series(dates.dt.date, index=rows.index, dtype=object).where(dates.notna())
    else:  # SQLAlchemy's Date on SQLite is ISO text
        rows[_DATE] = dates.dt.strftime("%Y-%m-%d").where(dates.notna())
    if empty:
        insert_frame(conn, customer_classes, rows)
        return
    keep = STORED[1:]
    if conn.dialect.name == "postgresql":  # COPY into a staging table, then one upsert
        stage = temp_table(conn, [Column(c, customer_classes.c[c].type) for c in STORED])
        insert_rows(conn, stage, STORED, frame_rows(rows))
        upsert = postgresql.insert(customer_classes).from_select(STORED, select(stage))
        conn.execute(
            upsert.on_conflict_do_update(
                index_elements=["customer_id"], set_={c: upsert.excluded[c] for c in keep}
            )
        )
        stage.drop(conn)
        return
    sql = (
        f"INSERT INTO customer_classes ({', '.join(STORED)}) VALUES ({', '.join('?' * len(STORED))}) "
        f"ON CONFLICT (customer_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in keep)}"
    )
    executemany_frame(conn, sql, rows)
