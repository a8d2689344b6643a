"""What keeps large imports flat in memory and quick: the import's SQLite settings (restored
afterwards, even on failure), ids reserved for new orders, batched key lookups and statistics of
the tables written. Speed and memory themselves are measured by benchmarks/import_orders.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, String, func, insert, select, text

import storage.importing as importing
from storage.bulk import reserve_ids
from storage.importing.keys import KeyTable
from storage.importing.pragmas import IMPORT_CACHE_KIB, import_settings
from storage.imports import ImportFailed, import_file
from storage.schema import customers, order_lines, orders, products
from tests.storage._import_helpers import write

SETUP = "external_id,name\nC1,Acme\nC2,Globex\n"
PRODUCTS = "sku,name\nD1,Drill\nS1,Saw\n"


def _pragmas(conn) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return (conn.exec_driver_sql("PRAGMA cache_size").scalar(),
            conn.exec_driver_sql("PRAGMA temp_store").scalar())  # fmt: skip


def _ready(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, "customers", write(tmp_path / "c.csv", SETUP))
    import_file(engine, "products", write(tmp_path / "p.csv", PRODUCTS))


def test_sqlite_import_settings_are_small_on_disk_and_restored(
    engine: Engine, backend: str
) -> None:
    if backend != "sqlite":
        with engine.connect() as conn, import_settings(conn):  # nothing to change on PostgreSQL
            assert conn.execute(select(1)).scalar() == 1
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA cache_size=-3000")  # whatever the connection had before
        before = _pragmas(conn)
        with import_settings(conn):
            assert _pragmas(conn) == (-IMPORT_CACHE_KIB, 1)
        assert _pragmas(conn) == before
        with import_settings(conn, cache_kib=None):  # other kinds: the connection's own cache
            assert _pragmas(conn) == (before[0], 1)
        assert _pragmas(conn) == before
        with pytest.raises(RuntimeError), import_settings(conn, cache_kib=1024):
            conn.exec_driver_sql("CREATE TEMPORARY TABLE t (x INTEGER)")
            assert _pragmas(conn) == (-1024, 1)
            raise RuntimeError("the import failed")
        assert _pragmas(conn) == before  # restored on failure, and the connection still works
        assert conn.execute(select(func.count()).select_from(customers)).scalar_one() == 0


def test_a_failed_import_leaves_the_connection_with_its_defaults(
    engine: Engine, tmp_path: Path, backend: str
) -> None:
    _ready(engine, tmp_path)
    defaults = _connection_settings(engine) if backend == "sqlite" else None
    bad = write(
        tmp_path / "s.csv",
        "order_id,customer_id,date,sku,quantity,amount\n1,C1,2026-03-01,D1,1,x\n",
    )
    with pytest.raises(ImportFailed):
        import_file(engine, "sales", bad)
    if backend == "sqlite":
        assert engine.pool.checkedin() == 1  # so the next connect gets the import's connection
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 0
        if backend == "sqlite":
            assert _pragmas(conn) == defaults


def _connection_settings(engine: Engine) -> tuple[int, int]:
    """What storage.db gives every SQLite connection (a 64 MiB cache, temp storage in memory)."""
    with engine.connect() as conn:
        got = _pragmas(conn)
    assert got != (-IMPORT_CACHE_KIB, 1)  # else the test below could not tell them apart
    return got


def test_new_orders_get_increasing_ids_after_the_stored_ones(
    engine: Engine, tmp_path: Path, backend: str
) -> None:
    _ready(engine, tmp_path)
    with engine.begin() as conn:
        cid = conn.execute(
            select(customers.c.id).where(customers.c.external_id == "C1")
        ).scalar_one()
        gap = {"id": 40} if backend == "sqlite" else {}  # PostgreSQL: ids come from the sequence
        conn.execute(
            insert(orders).values(order_no="OLD", customer_id=cid, date=func.current_date(), **gap)
        )
    sales = write(tmp_path / "s.csv", """order_id,customer_id,date,sku,quantity,amount
B,C1,2026-03-01,D1,1,10
A,C2,2026-03-02,S1,2,20
B,C1,2026-03-01,S1,1,5
C,C2,2026-03-03,D1,1,10
""")  # fmt: skip
    report = import_file(engine, "sales", sales, chunk=2)
    assert report.tables["orders"].created == 3
    with engine.begin() as conn:
        got = dict(conn.execute(select(orders.c.order_no, orders.c.id)).all())
        assert got["OLD"] < got["B"] < got["A"] < got["C"]  # file order, after the stored ones
        lines = conn.execute(select(orders.c.order_no, func.count()).join(order_lines)
                             .group_by(orders.c.order_no)).all()  # fmt: skip
        assert dict(lines) == {"A": 1, "B": 2, "C": 1}
        # a plain insert afterwards takes a free id (PostgreSQL: the sequence moved on)
        conn.execute(
            insert(orders).values(order_no="NEXT", customer_id=cid, date=func.current_date())
        )
        assert (
            conn.execute(select(orders.c.id).where(orders.c.order_no == "NEXT")).scalar_one()
            > got["C"]
        )


def test_reserve_ids_gives_distinct_unused_ids(engine: Engine) -> None:
    with engine.begin() as conn:
        first, second = reserve_ids(conn, orders, 3), reserve_ids(conn, products, 0)
        assert len(set(first)) == 3 and first == sorted(first) and second == []


@pytest.mark.parametrize("limit", [2, 999])
def test_key_lookups_find_every_key_across_batches(
    engine: Engine, tmp_path: Path, backend: str, limit: int
) -> None:
    skus = [f"K{i}" for i in range(100)]  # more than one small lookup
    import_file(
        engine,
        "products",
        write(tmp_path / "p.csv", "sku,name\n" + "".join(f"{s},n{s}\n" for s in skus)),
    )
    with engine.begin() as conn:
        if backend == "sqlite":  # few bound variables allowed: the lookup must batch them
            conn.connection.driver_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
        keys = KeyTable(conn, String(64))
        found = keys.find(products.c.sku, skus + ["MISSING"], products.c.name, products.c.id)
        keys.drop()
    assert sorted(found) == sorted(skus)
    assert all(found[s][0] == f"n{s}" for s in skus)


def test_statistics_are_refreshed_for_the_tables_a_large_import_wrote(
    engine: Engine, tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ready(engine, tmp_path)
    monkeypatch.setattr(importing, "ANALYZE_AFTER", 2)
    sales = write(tmp_path / "s.csv", "order_id,customer_id,date,sku,quantity,amount\n"
                  "1,C1,2026-03-01,D1,1,10\n2,C2,2026-03-02,S1,1,5\n")  # fmt: skip
    before = _analysed(engine, backend)
    import_file(engine, "sales", sales)
    after = _analysed(engine, backend)
    assert after["orders"] > before.get("orders", 0) and after["order_lines"] > before.get(
        "order_lines", 0
    )
    assert after.get("interactions", 0) == before.get(
        "interactions", 0
    )  # only what the import wrote


def _analysed(engine: Engine, backend: str) -> dict[str, int]:
    """How often each table has been analysed (SQLite: whether it has statistics)."""
    with engine.connect() as conn:
        if backend == "sqlite":
            if not conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).first():
                return {}  # never analysed
            return {
                t: 1 for t in conn.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1")).scalars()
            }
        query = text(
            "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE schemaname = current_schema()"
        )
        return {t: n for t, n in conn.execute(query).all()}
