"""A sales file's customers and products, resolved chunk by chunk (and created when asked).

Customers (``--create-customers``): an unknown external_id is created as soon as it is met; each
attribute ends up as the value on the customer's *last* line in the file that has one (an empty
cell never clears), its created_at as its first order date. Products: an unknown sku with a
product_name is created when met; at the end it takes the name used most often in the file
(ties: the first seen). Only distinct keys of one chunk are looked up at a time, and what must
outlive a chunk (attributes, name counts) lives in temporary tables, not in memory.

Example::

    people = CustomerRefs(run, create=True, attrs=["name", "country"])
    ids = people.ids(frame)        # int64 per line, -1 where unknown (an error was recorded)
    people.finish()
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Column, ColumnElement, Date, Integer, String, Table, case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.bulk import MergeCounts, insert_rows, merge_select, temp_table
from storage.importing.common import Run
from storage.importing.keys import KeyTable
from storage.schema import customers, products

__all__ = ["CustomerRefs", "ProductRefs"]


def _upsert(
    run: Run,
    table: Table,
    rows: list[dict[str, Any]],
    key: list[str],
    merge: dict[str, Callable[[Any, Any], ColumnElement[Any]]],
) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE SET col = merge[col](stored, incoming)."""
    if not rows:
        return
    insert = pg_insert if run.conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=key, set_={c: f(table.c[c], stmt.excluded[c]) for c, f in merge.items()}
    )
    run.conn.execute(stmt, rows)


def _earlier(stored: ColumnElement[Any], incoming: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((incoming < stored, incoming), else_=stored)


def _ids(found: dict[str, Any], uniques: np.ndarray, codes: np.ndarray) -> np.ndarray:
    ids: np.ndarray = np.array([found.get(u, (-1,))[0] for u in uniques], dtype=np.int64)[codes]
    return ids


class CustomerRefs:
    """external_id → customers.id; with ``create``, new customers and last-line attributes."""

    def __init__(self, run: Run, *, create: bool, attrs: list[str]) -> None:
        self.run, self.create, self.attrs = run, create, attrs
        self.last_old = run.conn.execute(select(func.max(customers.c.id))).scalar() or 0
        self.keys = KeyTable(run.conn, String(64))
        self.created = 0
        self.stage = temp_table(run.conn, [
            Column("external_id", String(64), primary_key=True), Column("first_date", Date),
            *(Column(a, customers.c[a].type) for a in attrs),
        ]) if create else None  # fmt: skip

    def ids(self, frame: pd.DataFrame) -> np.ndarray:
        """customers.id for each line of ``frame`` (external_id, date, attributes), -1 if unknown."""
        codes, uniques = pd.factorize(frame["external_id"].to_numpy(dtype=object))
        found = self.keys.find(customers.c.external_id, uniques.tolist(), customers.c.id)
        if self.create:
            self._collect(frame, codes, uniques, found)
        else:
            ids = _ids(found, uniques, codes)
            for line, value in frame["external_id"][ids < 0].items():
                self.run.errors.add(int(line), "customer_id", f"no customer with external_id {value!r} "
                                    "(import customers first, or use --create-customers)")  # fmt: skip
            return ids
        return _ids(found, uniques, codes)

    def _collect(
        self, frame: pd.DataFrame, codes: np.ndarray, uniques: np.ndarray, found: dict[str, Any]
    ) -> None:
        groups = frame.groupby(codes, sort=True)
        last = groups[self.attrs].last() if self.attrs else pd.DataFrame(index=range(len(uniques)))
        first = groups["date"].min().dt.date
        rows = [
            {"external_id": e, "first_date": d, **{a: (None if pd.isna(v) else v) for a, v in zip(self.attrs, vals, strict=True)}}
            for e, d, vals in zip(uniques.tolist(), first.tolist(), last.itertuples(index=False), strict=True)
        ]  # fmt: skip
        new = [r for r in rows if r["external_id"] not in found]
        if new:
            cols = ["external_id", "name", "created_at", *(a for a in self.attrs if a != "name")]
            insert_rows(self.run.conn, customers, cols, (
                (r["external_id"], r.get("name") or r["external_id"], r["first_date"],
                 *(r[a] for a in cols[3:])) for r in new))  # fmt: skip
            found.update(self.keys.find(customers.c.external_id, [r["external_id"] for r in new],
                                        customers.c.id))  # fmt: skip
            self.created += len(new)
        merge: dict[str, Callable[[Any, Any], ColumnElement[Any]]] = {
            a: lambda s, i: func.coalesce(i, s) for a in self.attrs
        } | {"first_date": _earlier}
        assert self.stage is not None  # collecting is creating: the stage exists
        _upsert(self.run, self.stage, rows, ["external_id"], merge)

    def finish(self) -> None:
        """Give every customer its last values; count created / updated / unchanged."""
        counts = MergeCounts(created=self.created)
        if self.stage is not None:
            st = self.stage
            for old in (True, False):
                source = select(st.c.external_id, *(st.c[a] for a in self.attrs),
                                *([] if old else [st.c.first_date.label("created_at")]))  # fmt: skip
                source = source.join(customers, customers.c.external_id == st.c.external_id).where(
                    customers.c.id <= self.last_old if old else customers.c.id > self.last_old
                )
                done = merge_select(self.run.conn, customers, source, key=["external_id"])
                if old:
                    counts += MergeCounts(updated=done.updated, unchanged=done.unchanged)
            st.drop(self.run.conn)
        self.keys.drop()
        if self.create:
            self.run.count("customers", counts)


class ProductRefs:
    """sku → products.id; with a product_name column, unknown skus become products."""

    def __init__(self, run: Run, *, has_names: bool) -> None:
        self.run, self.has_names = run, has_names
        self.last_old = run.conn.execute(select(func.max(products.c.id))).scalar() or 0
        self.keys = KeyTable(run.conn, String(64))
        self.created = 0
        if has_names:
            self.names = temp_table(run.conn, [
                Column("sku", String(64), primary_key=True), Column("name", String(300), primary_key=True),
                Column("n", Integer), Column("first", Integer)])  # fmt: skip
            self.nameless = temp_table(
                run.conn, [Column("line", Integer), Column("sku", String(64))]
            )

    def ids(self, frame: pd.DataFrame) -> np.ndarray:
        """products.id for each line of ``frame`` (sku, product_name), -1 if unknown."""
        codes, uniques = pd.factorize(frame["sku"].to_numpy(dtype=object))
        found = self.keys.find(products.c.sku, uniques.tolist(), products.c.id)
        if not self.has_names:
            ids = _ids(found, uniques, codes)
            for line, value in frame["sku"][ids < 0].items():
                self.run.errors.add(int(line), "sku", f"no product with sku {value!r} "
                                    "(import products first, or add a product_name column)")  # fmt: skip
            return ids
        new = [u for u in uniques.tolist() if u not in found]
        if new:
            named = (
                frame[["sku", "product_name"]]
                .dropna()
                .drop_duplicates("sku")
                .set_index("sku")["product_name"]
            )
            insert_rows(
                self.run.conn, products, ["sku", "name"], ((s, named.get(s, s)) for s in new)
            )
            found.update(self.keys.find(products.c.sku, new, products.c.id))
            self.created += len(new)
        ids = _ids(found, uniques, codes)
        ours = frame[ids > self.last_old]
        if len(ours):
            self._count_names(ours)
        return ids

    def _count_names(self, ours: pd.DataFrame) -> None:
        has = ours["product_name"].notna().to_numpy()
        counted = (
            ours[has].assign(line=ours.index[has]).groupby(["sku", "product_name"], sort=False)
        )
        stats = counted["line"].agg(["size", "min"]).reset_index()
        rows = [{"sku": s, "name": n, "n": int(c), "first": int(f)}
                for s, n, c, f in stats.itertuples(index=False)]  # fmt: skip
        _upsert(self.run, self.names, rows, ["sku", "name"],
                {"n": lambda s, i: s + i, "first": _earlier})  # fmt: skip
        insert_rows(self.run.conn, self.nameless, ["line", "sku"],
                    zip(ours.index[~has].tolist(), ours["sku"][~has].tolist(), strict=True))  # fmt: skip

    def finish(self) -> None:
        """Name the products this file created; an sku no line named is an error."""
        if self.has_names:
            nl, nm = self.nameless, self.names
            unknown = select(nl.c.line, nl.c.sku).where(nl.c.sku.not_in(select(nm.c.sku)))
            self.run.reference_errors(
                unknown, "sku", lambda v: f"no product with sku {v!r} (give its product_name)"
            )
            rank = func.row_number().over(
                partition_by=nm.c.sku, order_by=(nm.c.n.desc(), nm.c.first)
            )
            ranked = select(nm.c.sku, nm.c.name, rank.label("rank")).subquery()
            source = (select(ranked.c.sku, ranked.c.name).where(ranked.c.rank == 1)
                      .join(products, products.c.sku == ranked.c.sku).where(products.c.id > self.last_old))  # fmt: skip
            merge_select(self.run.conn, products, source, key=["sku"], update=["name"])
            for t in (nl, nm):
                t.drop(self.run.conn)
        self.keys.drop()
        self.run.count("products", MergeCounts(created=self.created))
