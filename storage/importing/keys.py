"""Chunk-sized key lookups through a scratch table, so no map of a whole table or file is kept.

Example::

    keys = KeyTable(conn, String(64))
    ids = keys.find(customers.c.external_id, ["C1", "C2"], customers.c.id)   # {"C1": (7,), …}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, delete, select
from sqlalchemy.types import TypeEngine

from storage.bulk import insert_rows, temp_table

__all__ = ["KeyTable"]


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
        self.fill(values)
        query = select(self.table.c.k, *wanted).join_from(
            self.table, column.table, column == self.table.c.k  # type: ignore[attr-defined]
        )
        sql = str(query.compile(dialect=self.conn.dialect))  # no parameters: identifiers only
        cur = self.conn.connection.driver_connection.cursor()  # plain tuples, no row objects
        try:
            cur.execute(sql)
            rows = cur.fetchall()
        finally:
            cur.close()
        dialect = self.conn.dialect
        procs = [(i, c.type.dialect_impl(dialect).result_processor(dialect, None))
                 for i, c in enumerate(wanted)]  # fmt: skip
        procs = [(i, p) for i, p in procs if p is not None]  # e.g. dates stored as text by SQLite
        if not procs:
            return {row[0]: row[1:] for row in rows}
        out = {}
        for row in rows:
            values = list(row[1:])
            for i, p in procs:
                values[i] = p(values[i])
            out[row[0]] = tuple(values)
        return out

    def drop(self) -> None:
        self.table.drop(self.conn)
