"""A deadline for every statement run while a chat (or ``custbot ask``) is answering.

Inside ``statement_timeout(ms)`` each statement an engine of ours runs in this thread (or task)
is cut off after ``ms`` milliseconds: on PostgreSQL by ``statement_timeout`` set local to the
statement's transaction (so it ends with the transaction and suits a transaction-pooling
PgBouncer), on SQLite by a progress handler on the raw connection that aborts the statement once
its deadline has passed, on DuckDB (the columnar copy, ``storage.columnar``) by a timer thread
that interrupts the connection at the deadline unless the statement finished first. Either way the statement raises :class:`StatementTimeout`, its
transaction is rolled back, and nothing is changed. Outside the block nothing is bounded (the
scheduler's recompute, imports and the mail worker run as long as they need).

Example::

    with statement_timeout(5000), engine.connect() as conn:
        conn.execute(slow_select)   # StatementTimeout after 5 s
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event

__all__ = ["StatementTimeout", "statement_timeout", "current_timeout_ms", "install"]

_TIMEOUT_MS: ContextVar[int | None] = ContextVar("custbot_statement_timeout_ms", default=None)
_PROGRESS_STEPS = 1000  # SQLite virtual-machine instructions between two looks at the clock
_HANDLER = "custbot_progress_handler"
_TIMER = "custbot_duckdb_timer"


class StatementTimeout(Exception):
    """A statement ran past the deadline of ``statement_timeout`` and was cancelled."""

    def __init__(self, ms: int) -> None:
        super().__init__(f"a statement ran past its {ms} ms deadline and was cancelled")
        self.ms = ms


@contextmanager
def statement_timeout(ms: int | None) -> Iterator[None]:
    """Bound every statement run inside the block to ``ms`` milliseconds (None or 0: unbounded)."""
    token = _TIMEOUT_MS.set(ms if ms and ms > 0 else None)
    try:
        yield
    finally:
        _TIMEOUT_MS.reset(token)


def current_timeout_ms() -> int | None:
    """The deadline in force here, in milliseconds (None: unbounded)."""
    return _TIMEOUT_MS.get()


def _sqlite_before(conn: Any, cursor: Any, *_args: Any) -> None:
    ms = _TIMEOUT_MS.get()
    raw = cursor.connection
    if ms is None:
        if conn.info.pop(_HANDLER, False):
            raw.set_progress_handler(None, 0)
        return
    deadline = time.monotonic() + ms / 1000
    # the statement's rows are stepped as they are fetched, so the handler stays until the next
    # statement replaces it (or the connection goes back to the pool)
    raw.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, _PROGRESS_STEPS)
    conn.info[_HANDLER] = True


def _sqlite_checkin(dbapi_conn: Any, record: Any) -> None:
    if record.info.pop(_HANDLER, False):
        dbapi_conn.set_progress_handler(None, 0)


def _postgres_before(conn: Any, cursor: Any, *_args: Any) -> None:
    ms = _TIMEOUT_MS.get()
    if ms is None or getattr(cursor.connection, "autocommit", False):
        return
    # transaction-local: it ends with the transaction, so nothing outlives the chat's request
    cursor.connection.execute("SELECT set_config('statement_timeout', %s, true)", (f"{int(ms)}ms",))


def _duckdb_before(conn: Any, cursor: Any, *_args: Any) -> None:
    _duckdb_done(conn)
    ms = _TIMEOUT_MS.get()
    if ms is None:
        return
    timer = threading.Timer(ms / 1000, conn.connection.dbapi_connection.interrupt)
    timer.daemon = True
    timer.start()
    conn.info[_TIMER] = timer


def _duckdb_done(conn: Any, *_args: Any) -> None:
    """The statement finished (or failed) before its deadline: no interrupt for the next one."""
    timer = conn.info.pop(_TIMER, None)
    if timer is not None:
        timer.cancel()


def _is_timeout(orig: BaseException | None, dialect: str) -> bool:
    if orig is None:
        return False
    if dialect == "postgresql":
        return getattr(orig, "sqlstate", None) == "57014"  # query_canceled
    if dialect == "duckdb":
        return type(orig).__name__ == "InterruptException"
    return type(orig).__name__ == "OperationalError" and str(orig) == "interrupted"


def _handle_error(context: Any) -> None:
    if context.dialect.name == "duckdb" and context.connection is not None:
        _duckdb_done(context.connection)
    ms = _TIMEOUT_MS.get()
    if ms is not None and _is_timeout(context.original_exception, context.dialect.name):
        raise StatementTimeout(ms) from context.original_exception


def install(engine: Engine) -> None:
    """Make ``engine`` honour ``statement_timeout`` (``storage.db.make_engine`` calls it)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "before_cursor_execute", _sqlite_before)
        event.listen(engine.pool, "checkin", _sqlite_checkin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", _postgres_before)
    elif engine.dialect.name == "duckdb":
        event.listen(engine, "before_cursor_execute", _duckdb_before)
        event.listen(engine, "after_cursor_execute", _duckdb_done)
    event.listen(engine, "handle_error", _handle_error)
