"""SQLite settings for the length of one import, so its memory does not grow with the file.

``storage.db`` gives every SQLite connection a 64 MiB page cache (good for the chat's heavy
aggregates) and in-memory temporary storage. A large import would fill both: its page cache grows
with the database until the cap, a rebuilt index's sorter takes as much again, and temporary
tables would live in RAM. During a sales import the connection instead uses a small page cache
(:data:`IMPORT_CACHE_KIB`; the B-tree pages it touches again and again fit in it); every import
uses file temporary storage (staging tables and sorter runs spill to disk); afterwards the cache
memory is given back and the settings found are restored. PostgreSQL keeps its settings.

Example::

    with engine.connect() as conn, import_settings(conn):
        with conn.begin():
            ...   # the import
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

__all__ = ["IMPORT_CACHE_KIB", "import_settings"]

# Measured (benchmarks/import_orders.py): a sales import of 1-2M lines takes no more CPU time with
# 8 MiB than with 64 MiB. A customers import of 300k rows (nine indexes on random keys) took ~25%
# longer with 8 MiB, so the importer keeps the connection's cache for the other kinds.
IMPORT_CACHE_KIB = 8192


@contextmanager
def import_settings(
    conn: Connection, *, cache_kib: int | None = IMPORT_CACHE_KIB
) -> Iterator[None]:
    """Run the block with a ``cache_kib`` page cache (None: keep the connection's) and file
    temporary storage (SQLite only).

    Must be entered outside a transaction (changing ``temp_store`` drops temporary tables); the
    previous settings are restored, and the freed cache returned, even when the block fails.

    Example::

        with engine.connect() as conn, import_settings(conn, cache_kib=4096):
            conn.exec_driver_sql("PRAGMA cache_size").scalar()   # -4096
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    temp = conn.exec_driver_sql("PRAGMA temp_store").scalar()
    if cache_kib is not None:
        conn.exec_driver_sql(f"PRAGMA cache_size=-{int(cache_kib)}")
    conn.exec_driver_sql("PRAGMA temp_store=FILE")
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()  # a failed block may leave its transaction open
        conn.exec_driver_sql(f"PRAGMA temp_store={int(temp or 0)}")
        conn.exec_driver_sql(f"PRAGMA cache_size={int(cache or 0)}")
        conn.exec_driver_sql("PRAGMA shrink_memory")
        conn.commit()
