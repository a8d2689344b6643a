"""A large write's commit leaves SQLite's checkpoint to a thread (storage/large_write.py).

The checkpoint copies the write-ahead log into the database file, so whether a commit did it is
seen in the size of the database file: a write that adds ~8 MB of rows grows the file only when
its pages are copied back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, insert, text

from storage.db import make_engine
from storage.large_write import (
    CACHE_KIB,
    checkpoints_started,
    large_write,
    wait_for_checkpoints,
)
from storage.schema import audit_log
from tests.conftest import fresh_database

ROWS = 60_000  # ~8 MB of audit rows: ~2,000 pages, past the automatic checkpoint's 1,000


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    with fresh_database("sqlite", tmp_path) as engine:
        yield engine
    wait_for_checkpoints()


def _file(engine: Engine) -> Path:
    return Path(str(engine.url.database))


def _write(conn: Connection, batch: int) -> None:
    conn.execute(
        insert(audit_log),
        [
            {
                "batch_id": batch,
                "at": datetime(2026, 12, 6, 5, 0),
                "customer_id": i,
                "field": "rating",
                "before": "B",
                "after": "A",
                "source": "a person with a rather long name, from a chat " * 2,
            }
            for i in range(ROWS)
        ],
    )


def _pragma(conn: Connection, name: str) -> int:
    return int(conn.exec_driver_sql(f"PRAGMA {name}").scalar_one())


def test_a_plain_commit_checkpoints_itself(sqlite_engine: Engine) -> None:
    """The control: without ``large_write`` the committing thread copies the log back."""
    before = _file(sqlite_engine).stat().st_size
    with sqlite_engine.begin() as conn:
        _write(conn, 1)
    assert _file(sqlite_engine).stat().st_size > before + 4_000_000


def test_a_large_write_commits_without_the_checkpoint_and_a_thread_does_it(
    sqlite_engine: Engine,
) -> None:
    started = checkpoints_started()
    before = _file(sqlite_engine).stat().st_size
    conn = sqlite_engine.connect()
    dbapi = conn.connection.dbapi_connection
    with conn.begin():
        large_write(conn)
        assert _pragma(conn, "wal_autocheckpoint") == 0
        assert _pragma(conn, "cache_size") == -CACHE_KIB
        _write(conn, 1)
    # committed, and the committing thread did not copy the log back
    assert _file(sqlite_engine).stat().st_size == before
    with closing(sqlite3.connect(_file(sqlite_engine))) as other:  # committed: others see it
        assert other.execute("SELECT count(*) FROM audit_log").fetchone() == (ROWS,)
    assert checkpoints_started() == started
    conn.close()  # back to the pool: the settings are restored and a thread checkpoints
    assert checkpoints_started() == started + 1
    assert wait_for_checkpoints()
    assert _file(sqlite_engine).stat().st_size > before + 4_000_000
    with sqlite_engine.connect() as again:
        assert again.connection.dbapi_connection is dbapi  # the same pooled connection
        assert _pragma(again, "wal_autocheckpoint") == 1000
        assert _pragma(again, "cache_size") == -65536


def test_while_the_thread_checkpoints_other_commits_leave_it_to_the_thread(
    sqlite_engine: Engine,
) -> None:
    """A reader in the log keeps the thread retrying the restart of the log; meanwhile a
    connection taken from the pool commits without the automatic checkpoint, and gets it back
    when the thread is done."""
    conn = sqlite_engine.connect()
    with conn.begin():
        large_write(conn)
        _write(conn, 1)
    reader = sqlite3.connect(str(_file(sqlite_engine)))
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM audit_log").fetchone()  # holds its snapshot
    conn.close()  # the thread starts, and retries the restart while the reader reads
    try:
        with sqlite_engine.connect() as meanwhile:  # the same connection, given out again
            assert _pragma(meanwhile, "wal_autocheckpoint") == 0
    finally:
        reader.rollback()
        reader.close()
    assert wait_for_checkpoints()
    with sqlite_engine.connect() as after:
        assert _pragma(after, "wal_autocheckpoint") == 1000


def test_nothing_changes_on_postgresql_or_in_memory(tmp_path: Path) -> None:
    engines = [make_engine("sqlite://")]
    with fresh_database("postgresql", tmp_path) as pg:
        engines.append(pg)
        for engine in engines:
            started = checkpoints_started()
            with engine.begin() as conn:
                large_write(conn)
                if engine.dialect.name == "sqlite":
                    assert _pragma(conn, "cache_size") == -65536
                    assert _pragma(conn, "wal_autocheckpoint") == 1000
                conn.execute(text("SELECT 1"))
            assert checkpoints_started() == started
