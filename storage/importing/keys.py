"""Chunk-sized key lookups through a scratch table, so no map of a whole table or file is kept.

Example::

    keys = KeyTable(conn, String(64))
    ids = keys.find(customers.c.external_id, ["C1", "C2"], customers.c.id)   # {"C1": (7,), …}
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, delete, select
from sqlalchemy.types import TypeEngine

from storage.bulk import insert_rows, temp_table
from storage.schema import metadata

__all__ = ["KeyTable"]

_BATCH, _SMALL = 4096, 64  # keys per SQLite lookup statement (~0.75 MB cached), or a few


class KeyTable:
    """A temporary one-column table of distinct keys, refilled for each lookup."""

    def __init__(self, conn: Connection, kind: TypeEngine[Any]) -> None:
        self.conn = conn
        self.table = temp_table(conn, [Column("k", kind, primary_key=True)])
        self._filled = False

    def fill(self, values: Iterable[Any]) -> None:
        """Replace the keys (``values`` must be distinct)."""
        if self._filled:
            self.conn.execute(delete(self.table))
        insert_rows(self.conn, self.table, ["k"], ((v,) for v in values))
        self._filled = True

    def find(
        self, column: ColumnElement[Any], values: Iterable[Any], *wanted: ColumnElement[Any]
    ) -> dict[Any, tuple[Any, ...]]:
        """``{key: (wanted values…)}`` for the rows whose ``column`` is one of ``values``.

        Example::

            keys.find(products.c.sku, ["D1", "S9"], products.c.id)   # {"D1": (3,)}
        """
        # SQLite and a table of the schema (not a scratch table with a fresh name per import): the
        # driver caches each statement, so their number must not grow with the imports run.
        inline = self.conn.dialect.name == "sqlite" and column.table.metadata is metadata
        rows = self._sqlite_rows(column, values, wanted) if inline else None
        if rows is None:
            self.fill(values)
            query = select(self.table.c.k, *wanted).join_from(
                self.table,
                column.table,
                column == self.table.c.k,
            )
            rows = self._fetch(
                str(query.compile(dialect=self.conn.dialect)), ()
            )  # identifiers only
        dialect = self.conn.dialect
        procs = [(i, c.type.dialect_impl(dialect).result_processor(dialect, None))
                 for i, c in enumerate(wanted)]  # fmt: skip
        convert = [(i, p) for i, p in procs if p is not None]  # e.g. dates stored as text by SQLite
        if not convert:
            return {row[0]: row[1:] for row in rows}
        out = {}
        for row in rows:
            values = list(row[1:])
            for i, p in convert:
                values[i] = p(values[i])
            out[row[0]] = tuple(values)
        return out

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        driver: Any = self.conn.connection.driver_connection
        cur = driver.cursor()  # plain tuples, no row objects
        try:
            cur.execute(sql, params)
            rows: list[tuple[Any, ...]] = cur.fetchall()
            return rows
        finally:
            cur.close()

    def _sqlite_rows(
        self,
        column: ColumnElement[Any],
        values: Iterable[Any],
        wanted: Sequence[ColumnElement[Any]],
    ) -> list[tuple[Any, ...]]:
        """SQLite: the keys as bound ``IN (?, …)`` lists (about twice as fast as filling the
        scratch table). Lists have one of two lengths, padded with NULL (which matches nothing),
        so the driver's statement cache holds two per lookup, not one per chunk size."""
        keys = list(values)
        driver: Any = self.conn.connection.driver_connection
        batch = min(driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), _BATCH)
        size = min(_SMALL, batch) if len(keys) <= _SMALL else batch
        name = self.conn.dialect.identifier_preparer.format_column(column)
        sql = (str(select(column, *wanted).compile(dialect=self.conn.dialect))
               + f" WHERE {name} IN ({', '.join('?' * size)})")  # fmt: skip
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(keys), size):
            part = keys[start : start + size]
            rows += self._fetch(sql, part + [None] * (size - len(part)))
        return rows

    def drop(self) -> None:
        self.table.drop(self.conn)
