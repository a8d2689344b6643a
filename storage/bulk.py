"""Set-based bulk loading: many rows per statement, never a query per row.

Three helpers, usable by imports, the demo generator and anyone loading data::

    insert_rows(conn, products, ["sku", "name"], [("D1", "Drill"), ("S1", "Saw")])
    upsert_rows(conn, products, [{"sku": "D1", "name": "Drill"}], key=["sku"])
    counts = merge_select(conn, products, select(stage.c.sku, stage.c.name), key=["sku"])

``insert_rows`` uses ``executemany`` on SQLite and ``COPY`` on PostgreSQL; ``merge_select``
materialises a SELECT into a temporary table and then updates the rows that differ and inserts
the missing ones, returning how many were created, updated and left unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Index,
    MetaData,
    Select,
    Table,
    and_,
    exists,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import NullType, String

__all__ = [
    "MergeCounts",
    "insert_rows",
    "upsert_rows",
    "merge_select",
    "temp_table",
    "drop_secondary_indexes",
    "reserve_ids",
]

DEFAULT_CHUNK = 10_000


@dataclass(frozen=True)
class MergeCounts:
    """What a merge did to one table."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # rows a re-import replaced away (an order's lines that left the file)

    def __add__(self, other: MergeCounts) -> MergeCounts:
        return MergeCounts(
            self.created + other.created,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.removed + other.removed,
        )


def _chunks(rows: Iterable[Sequence[Any]], size: int) -> Iterable[list[Sequence[Any]]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    chunk: int = DEFAULT_CHUNK,
    convert: bool = True,
) -> int:
    """Insert tuples (in ``columns`` order) in batches; returns the number of rows.

    Runs inside ``conn``'s transaction. Values are Python objects (``date``, ``float``, …);
    they are converted exactly as SQLAlchemy would, so later comparisons match. With
    ``convert=False`` they go to the driver as they are (e.g. dates already as ISO text).

    Example::

        insert_rows(conn, tags, ["name"], [("vip",), ("wholesale",)])
    """
    prep = conn.dialect.identifier_preparer
    name = prep.format_table(table)
    cols = ", ".join(prep.quote(c) for c in columns)
    dbapi: Any = conn.connection.driver_connection
    total = 0
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cur, cur.copy(f"COPY {name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                total += 1
        return total
    # the dialect's own type (SQLite's DATETIME writes '… 00:00:00.000000', which is what bound
    # parameters compare against; the generic type has no processor and the driver drops the zeros)
    procs = [
        table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) if convert else None
        for c in columns
    ]
    converters = [(i, p) for i, p in enumerate(procs) if p is not None]
    sql = f"INSERT INTO {name} ({cols}) VALUES ({', '.join('?' * len(columns))})"
    cur = dbapi.cursor()
    try:
        for batch in _chunks(rows, chunk):
            if converters:
                batch = [_process(row, converters) for row in batch]
            cur.executemany(sql, batch)
            total += len(batch)
    finally:
        cur.close()
    return total


def _process(row: Sequence[Any], convert: Sequence[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    out = list(row)
    for i, proc in convert:
        if out[i] is not None:
            out[i] = proc(out[i])
    return out


def upsert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
    update: Sequence[str] | None = None,
    chunk: int = 1_000,
) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE on SQLite and PostgreSQL, in batches.

    ``update`` lists the columns to overwrite on conflict (default: every non-key column of the
    first row; empty: DO NOTHING).

    Example::

        upsert_rows(conn, products, [{"sku": "D1", "name": "Drill"}], key=["sku"])
    """
    if not rows:
        return
    cols = list(update) if update is not None else [c for c in rows[0] if c not in key]
    stmt: postgresql.Insert | sqlite.Insert
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(table)
    else:
        stmt = sqlite.insert(table)
    if cols:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(key), set_={c: stmt.excluded[c] for c in cols}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(key))
    for start in range(0, len(rows), chunk):  # one compiled statement, executemany
        conn.execute(stmt, list(rows[start : start + chunk]))


def temp_table(
    conn: Connection, columns: Sequence[Column[Any]], *, index: Sequence[Sequence[str]] = ()
) -> Table:
    """Create a uniquely named temporary table (gone with the connection, or drop it).

    Example::

        stage = temp_table(conn, [Column("line", Integer), Column("sku", String)], index=[["sku"]])
    """
    table = Table(f"tmp_{uuid.uuid4().hex[:12]}", MetaData(), *columns, prefixes=["TEMPORARY"])
    table.create(conn)
    for i, cols in enumerate(index):
        Index(f"{table.name}_ix{i}", *(table.c[c] for c in cols)).create(conn)
    return table


def drop_secondary_indexes(conn: Connection, *tables: Table) -> Callable[[], None]:
    """Drop the non-unique indexes of ``tables`` for a bulk load; returns what rebuilds them.

    Filling an index by sorting once is several times faster than growing it a row at a time.
    Only on SQLite, where DDL is transactional and readers keep their snapshot; elsewhere (a
    PostgreSQL ``DROP INDEX`` would lock readers out) both steps do nothing.

    Example::

        rebuild = drop_secondary_indexes(conn, order_lines)
        insert_rows(conn, order_lines, cols, rows)
        rebuild()
    """
    if conn.dialect.name != "sqlite":
        return lambda: None
    driver: Any = conn.connection.driver_connection
    if not driver.in_transaction:  # pysqlite would run the DDL outside it, so a rollback kept it
        driver.execute("BEGIN")
    dropped = [
        i for t in tables for i in sorted(t.indexes, key=lambda i: i.name or "") if not i.unique
    ]
    for index in dropped:
        index.drop(conn)

    def rebuild() -> None:
        for index in dropped:
            index.create(conn)

    return rebuild


def reserve_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """``n`` unused, increasing ids for ``table``'s integer primary key, to insert rows with.

    PostgreSQL draws them from the column's sequence (safe beside other writers); SQLite takes
    the ones after the largest id, which only the transaction holding the write lock may do.

    Example::

        ids = reserve_ids(conn, orders, 3)   # e.g. [101, 102, 103]
    """
    (key,) = table.primary_key.columns
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        seq = select(func.nextval(func.pg_get_serial_sequence(table.fullname, key.name)))
        return sorted(conn.execute(seq.select_from(func.generate_series(1, n))).scalars())
    last = conn.execute(select(func.max(key))).scalar() or 0
    return list(range(last + 1, last + 1 + n))


def _typed(kind: Any) -> Any:
    return String() if isinstance(kind, NullType) else kind


def merge_select(
    conn: Connection,
    target: Table,
    source: Select[Any],
    *,
    key: Sequence[str],
    update: Sequence[str] | None = None,
    keep_on_null: bool = True,
    insert_defaults: Mapping[str, Callable[[Table], ColumnElement[Any]]] | None = None,
) -> MergeCounts:
    """Merge the rows of ``source`` (labelled like ``target``'s columns) into ``target``.

    Rows whose ``key`` is new are inserted; existing rows get the ``update`` columns (default:
    all non-key columns) when they differ. With ``keep_on_null`` a NULL in the source keeps the
    stored value. ``insert_defaults`` maps a column to an expression over the staged table used
    when inserting a NULL (or when the source lacks the column). The source must not repeat a key.

    Example::

        merge_select(conn, tags, select(stage.c.tag.label("name")).distinct(), key=["name"])
    """
    names = [c.name for c in source.selected_columns]
    cols = [
        Column(c.name, target.c[c.name].type if c.name in target.c else _typed(c.type))
        for c in source.selected_columns
    ]
    stage = temp_table(conn, cols, index=[list(key)])
    # on failure the caller's rollback discards the temporary table
    conn.execute(insert(stage).from_select(names, source))
    total = conn.execute(select(func.count()).select_from(stage)).scalar_one()
    match = and_(*(target.c[k] == stage.c[k] for k in key))
    upd = [c for c in names if c not in key] if update is None else list(update)
    updated = 0
    if upd and total:
        if keep_on_null:
            changed = [
                and_(stage.c[c].is_not(None), stage.c[c].is_distinct_from(target.c[c])) for c in upd
            ]
            values: dict[str, ColumnElement[Any]] = {
                c: func.coalesce(stage.c[c], target.c[c]) for c in upd
            }
        else:
            changed = [stage.c[c].is_distinct_from(target.c[c]) for c in upd]
            values = {c: stage.c[c] for c in upd}
        stmt = sql_update(target).values(values).where(match, or_(*changed))
        updated = conn.execute(stmt).rowcount
    defaults = insert_defaults or {}
    inserted = [
        func.coalesce(stage.c[c], defaults[c](stage)) if c in defaults else stage.c[c]
        for c in names
    ] + [defaults[c](stage) for c in defaults if c not in names]
    into = names + [c for c in defaults if c not in names]
    new_rows = select(*inserted).where(~exists().where(match))
    add = insert(target).from_select(into, new_rows).execution_options(preserve_rowcount=True)
    created = conn.execute(add).rowcount if total else 0
    stage.drop(conn)
    return MergeCounts(created, updated, total - created - updated)
