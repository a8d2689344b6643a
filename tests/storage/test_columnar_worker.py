"""A SQLite primary's copy is refreshed in a child process: DuckDB's scanner carries its own
SQLite, and two SQLite libraries in one process must never open the same file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from storage.columnar import ColumnarCopy, generation
from storage.columnar import copy as copy_module
from storage.schema import analytics_dirty_orders
from tests.analytics.factories import add_customer, add_sale
from tests.conftest import fresh_database

ROOT = Path(__file__).resolve().parents[2]


def test_a_large_write_after_a_refresh_does_not_kill_the_process(tmp_path: Path) -> None:
    """The crash this prevents: a WAL big enough for several 32 KiB regions of its index, a
    checkpoint, a refresh, another large write. When the scanner's SQLite opened the file in the
    application's own process, it truncated the index the application had mapped, and that
    write died of SIGBUS (exit 135 / -7). Run in a child, so a crash fails only this test."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from storage.db import connect
        from storage.columnar import ColumnarCopy
        tmp = Path({str(tmp_path)!r})
        engine = connect(f"sqlite:///{{tmp / 'p.sqlite'}}")
        def write(n):
            with engine.begin() as c:
                c.exec_driver_sql("CREATE TABLE IF NOT EXISTS scratch (x TEXT)")
                raw = c.connection.driver_connection
                raw.executemany("INSERT INTO scratch VALUES (?)", (("y" * 200,) for _ in range(n)))
        write(200_000)
        with engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").all()
        print(ColumnarCopy(tmp / "c.duckdb", threads=1).refresh(engine).kind, flush=True)
        write(200_000)
        with engine.connect() as c:
            print(c.exec_driver_sql("SELECT count(*) FROM scratch").scalar(), flush=True)
            print(c.exec_driver_sql("PRAGMA integrity_check").scalar(), flush=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.split() == ["full", "400000", "ok"]


def test_the_application_process_never_loads_the_sqlite_scanner(tmp_path: Path) -> None:
    """The refresh is done (the copy answers), and the scanner was never mapped here."""
    with fresh_database("sqlite", tmp_path) as engine:
        with engine.begin() as conn:
            add_sale(conn, add_customer(conn, "w1"), date(2026, 5, 1), 120.0)
        copy = ColumnarCopy(tmp_path / "c.duckdb", threads=1)
        report = copy.refresh(engine)
        assert report.done and report.kind == "full" and "customers" in report.tables
        with engine.connect() as conn:
            assert copy.is_current(conn)
        with engine.begin() as conn:
            add_sale(conn, add_customer(conn, "w2"), date(2026, 5, 2), 80.0)
        report = copy.refresh(engine)
        assert report.kind == "incremental" and report.state is not None
        assert report.state.lines == 2
        copy.close()
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("no /proc/self/maps to read the loaded libraries from")
    assert "sqlite_scanner" not in maps.read_text()


def test_the_change_list_is_pruned_only_when_the_write_lock_is_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh asked for by a caller that holds SQLite's write lock (the class recompute reads
    the copy under it) must not wait for that caller: the prune is skipped until next time."""
    monkeypatch.setattr(generation, "KEEP_DIRTY", 2)
    with fresh_database("sqlite", tmp_path) as engine:
        with engine.begin() as conn:
            conn.execute(insert(analytics_dirty_orders), [{"order_id": i} for i in range(10)])
        count = select(func.count()).select_from(analytics_dirty_orders)
        with engine.connect() as holder, holder.begin():
            holder.exec_driver_sql("DELETE FROM customer_classes WHERE 0")  # the write lock
            copy_module._prune(engine)  # returns at once, prunes nothing
            assert holder.execute(count).scalar_one() == 10
        copy_module._prune(engine)
        with engine.connect() as conn:
            assert conn.execute(count).scalar_one() == 2


def test_a_current_copy_is_told_so_without_starting_a_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """serve's scheduled refresh asks every minute: with nothing changed, no child is started."""
    with fresh_database("sqlite", tmp_path) as engine:
        copy = ColumnarCopy(tmp_path / "c.duckdb", threads=1)
        assert copy.refresh(engine).kind == "full"

        def no_child(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("a child process was started for a current copy")

        monkeypatch.setattr(subprocess, "run", no_child)
        assert copy.refresh(engine).kind == "current"
        with engine.begin() as conn:
            add_customer(conn, "w3")
        with pytest.raises(AssertionError, match="child process"):
            copy.refresh(engine)  # changed: the refresh goes to a child
        copy.close()
