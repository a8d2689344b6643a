"""Orders and their lines, written chunk by chunk straight into the target tables.

An order the database did not hold before this import is new: its order row and its lines are
plain inserts (the fast path, nothing to compare). An order it already held is *replaced by the
file's lines*: line k of the order in the file updates stored line k when it differs, lines the
file adds are inserted, and stored lines beyond the file's count are removed at the end. Line
numbers follow the file's order; a temporary table remembers, per touched pre-existing order,
how many lines the file has given it so far (memory stays flat however long the file is).

Example::

    book = OrderBook(run)
    for lines in chunks:          # order_no, customer_id, date, product_id, quantity, amount
        book.write(lines)
    book.finish()
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Column, Float, Integer, String, bindparam, delete, func, select, update

from storage.bulk import (
    MergeCounts,
    drop_secondary_indexes,
    insert_rows,
    merge_select,
    reserve_ids,
    temp_table,
    upsert_rows,
)
from storage.importing.common import Run
from storage.importing.keys import KeyTable
from storage.schema import order_lines, orders

__all__ = ["OrderBook", "LINE_COLUMNS"]

LINE_COLUMNS = ["order_id", "line_no", "product_id", "quantity", "amount"]


class OrderBook:
    """Writes orders and order lines inside ``run``'s transaction; ``finish`` counts them."""

    def __init__(self, run: Run) -> None:
        self.run = run
        conn = run.conn
        # Orders with a larger id were created by this import (one import writes at a time).
        self.last_old = conn.execute(select(func.max(orders.c.id))).scalar() or 0
        self.names = KeyTable(conn, String(64))
        self.ids = KeyTable(conn, Integer())
        self.given = temp_table(conn, [Column("order_id", Integer, primary_key=True),
                                       Column("n", Integer, nullable=False)])  # fmt: skip
        self.stage = temp_table(conn, [Column(c, Integer) for c in LINE_COLUMNS[:3]]
                                + [Column(c, Float) for c in LINE_COLUMNS[3:]])  # fmt: skip
        self.orders = MergeCounts()
        self.lines = MergeCounts()
        stored = conn.execute(select(func.max(order_lines.c.id))).scalar() or 0
        # A load of the table's size or more: rebuild its secondary indexes once at the end.
        self.rebuild = (drop_secondary_indexes(conn, orders, order_lines)
                        if run.total_lines * 2 >= stored else lambda: None)  # fmt: skip

    def write(self, lines: pd.DataFrame) -> None:
        """Write one chunk of good lines (columns ``order_no``, ``customer_id``, ``date``
        (datetime64), ``product_id``, ``quantity``, ``amount``), in file order."""
        if lines.empty:
            return
        codes, numbers = pd.factorize(lines["order_no"].to_numpy(dtype=object))
        first = lines.iloc[np.unique(codes, return_index=True)[1]]  # each order's first line
        known = self.names.find(orders.c.order_no, numbers.tolist(), orders.c.id, orders.c.customer_id,
                                orders.c.date)  # fmt: skip
        order_id = {n: k[0] for n, k in known.items()}
        new = first[~first["order_no"].isin(order_id)]
        if len(new):
            days = np.datetime_as_string(new["date"].to_numpy().astype("datetime64[D]")).tolist()
            numbered = reserve_ids(self.run.conn, orders, len(new))  # no second lookup needed
            names = new["order_no"].tolist()
            rows = zip(numbered, names, new["customer_id"].tolist(), days, strict=True)
            insert_rows(self.run.conn, orders, ["id", "order_no", "customer_id", "date"], rows,
                        convert=False)  # fmt: skip
            order_id.update(zip(names, numbered, strict=True))
            self.orders += MergeCounts(created=len(new))
        old = {n: k for n, k in known.items() if k[0] <= self.last_old}
        offset = self._offsets(order_id, known, old, first)
        ids = np.array([order_id[n] for n in numbers], dtype=np.int64)[codes]
        starts = np.array([offset.get(n, 0) for n in numbers], dtype=np.int64)[codes]
        line_no = starts + pd.Series(codes).groupby(codes).cumcount().to_numpy() + 1
        is_old = np.isin(ids, [k[0] for k in old.values()]) if old else np.zeros(len(ids), bool)
        columns = [ids, line_no, lines["product_id"].to_numpy(), lines["quantity"].to_numpy(),
                   lines["amount"].to_numpy()]  # fmt: skip
        fresh = [c[~is_old].tolist() for c in columns]
        self.lines += MergeCounts(created=insert_rows(self.run.conn, order_lines, LINE_COLUMNS,
                                                      zip(*fresh, strict=True), convert=False))  # fmt: skip
        if old:
            self._replace([c[is_old].tolist() for c in columns])

    def _offsets(
        self,
        order_id: dict[str, int],
        known: dict[str, Any],
        old: dict[str, Any],
        first: pd.DataFrame,
    ) -> dict[str, int]:
        """How many lines earlier chunks gave each order already in the database."""
        conn, offset = self.run.conn, {}
        ours = {k[0]: n for n, k in known.items() if k[0] > self.last_old}
        if ours:  # created by an earlier chunk: all of its stored lines are this file's
            self.ids.fill(list(ours))
            query = (select(order_lines.c.order_id, func.max(order_lines.c.line_no))
                     .join(self.ids.table, self.ids.table.c.k == order_lines.c.order_id)
                     .group_by(order_lines.c.order_id))  # fmt: skip
            offset.update({ours[i]: n for i, n in conn.execute(query)})
        if old:
            by_id = {k[0]: n for n, k in old.items()}
            given = self.ids.find(self.given.c.order_id, list(by_id), self.given.c.n)
            offset.update({by_id[i]: g[0] for i, g in given.items()})
            self._first_seen([n for n in old if order_id[n] not in given], old, first)
        return offset

    def _first_seen(self, numbers: list[str], old: dict[str, Any], first: pd.DataFrame) -> None:
        """An old order met for the first time takes the customer and date of its first line."""
        if not numbers:
            return
        head = first.set_index("order_no").loc[numbers]
        changes = [
            {"oid": old[n][0], "cid": c, "day": d}
            for n, c, d in zip(
                numbers, head["customer_id"].tolist(), head["date"].dt.date.tolist(), strict=True
            )  # fmt: skip
            if (old[n][1], old[n][2]) != (c, d)
        ]
        if changes:
            stmt = (update(orders).where(orders.c.id == bindparam("oid"))
                    .values(customer_id=bindparam("cid"), date=bindparam("day")))  # fmt: skip
            self.run.conn.execute(stmt, changes)
        self.orders += MergeCounts(updated=len(changes), unchanged=len(numbers) - len(changes))

    def _replace(self, columns: list[list[Any]]) -> None:
        """Merge lines of orders the database already held; remember how far each one got."""
        conn = self.run.conn
        conn.execute(delete(self.stage))
        insert_rows(conn, self.stage, LINE_COLUMNS, zip(*columns, strict=True), convert=False)
        source = select(*(self.stage.c[c] for c in LINE_COLUMNS))
        self.lines += merge_select(conn, order_lines, source, key=["order_id", "line_no"],
                                   keep_on_null=False)  # fmt: skip
        reach: dict[int, int] = {}
        for oid, no in zip(columns[0], columns[1], strict=True):
            reach[oid] = max(no, reach.get(oid, 0))
        upsert_rows(conn, self.given, [{"order_id": o, "n": n} for o, n in reach.items()],
                    key=["order_id"])  # fmt: skip

    def finish(self) -> None:
        """Remove the stored lines the file no longer has, then record the counts."""
        given = self.given
        stale = delete(order_lines).where(
            order_lines.c.order_id.in_(select(given.c.order_id)),
            order_lines.c.line_no
            > select(given.c.n).where(given.c.order_id == order_lines.c.order_id).scalar_subquery(),
        )
        removed = self.run.conn.execute(stale).rowcount
        self.rebuild()
        self.run.count("orders", self.orders)
        self.run.count("order_lines", self.lines + MergeCounts(removed=removed))
        for t in (self.names, self.ids):
            t.drop()
        for table in (given, self.stage):
            table.drop(self.run.conn)
