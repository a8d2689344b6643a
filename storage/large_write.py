"""A large SQLite write that a person waits for: a bulk change's confirm.

A rating change of 100,000 customers spread over a base of 1,000,000 modifies nearly every page
of ``customers`` and of the audit log's per-customer index (~30,000 pages, 120 MB). Two of
SQLite's defaults make the person who pressed Confirm wait for more than the change itself
(measured in docs/benchmarks.md):

- **The page cache.** The engine's connections keep 64 MB each; a transaction that dirties more
  spills pages to the log while it runs, and reads some back. ``large_write`` lets this
  transaction's connection keep 256 MB (the ``UPDATE`` of 89,000 customers: 0.74 s → 0.39 s),
  and gives the memory back when the connection returns to the pool.
- **The checkpoint at the commit.** In WAL mode SQLite copies the log back into the database in
  the commit that takes the log past ``wal_autocheckpoint`` pages (1,000), in the committing
  thread: 0.5–1.1 s of such a confirm. SQLite's documentation gives the remedy
  (sqlite.org/wal.html, "Automatic Checkpoint"): turn it off for that commit and checkpoint from
  another thread. The commit still writes and keeps the whole change in the log; only the copy
  into the database file moves. A thread does it ``PASSIVE`` (it never blocks readers or writers,
  and stops where a reader still needs the log) on a connection of its own, once the connection is
  back in the pool. Until that thread is done, every connection this process takes from the pool
  for the same database commits without the automatic checkpoint too (the same reply's next
  small write would otherwise do the copy itself), and the thread then restarts the log, so that
  the next writer begins it from the start instead of appending to it. If the process ends first
  nothing is lost: the next commit past the threshold, or the last connection's close,
  checkpoints.

PostgreSQL, and SQLite not in WAL mode (an in-memory database): nothing changes.
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

__all__ = [
    "CACHE_KIB",
    "large_write",
    "wait_for_checkpoints",
    "on_checkout",
    "on_checkin",
    "checkpoints_started",
]

log = logging.getLogger("custbot.storage")

CACHE_KIB = 262_144  # the page cache of a large write's connection (256 MB)
_LARGE = "custbot_large_write"  # pool record info: the settings to restore, the database's path
_HELD = "custbot_checkpoint_held"  # pool record info: the automatic checkpoint to restore
_PATH = "custbot_path"  # pool record info: the database file, "" when not in WAL mode
_pending: Counter[str] = Counter()  # database path -> checkpoints running for it
_running: set[threading.Thread] = set()
_lock = threading.Lock()
_started = 0  # checkpoints started in threads by this process (logged; read by tests)


def _one(cur: Any, sql: str) -> Any:
    cur.execute(sql)
    row = cur.fetchall()
    return row[0][0] if row else None


def _path(info: dict[Any, Any], dbapi_conn: DBAPIConnection) -> str:
    """The database file of a connection in WAL mode; "" for one in memory or not in WAL. Asked
    once per connection and kept in its pool record's ``info``."""
    if _PATH not in info:
        cur = dbapi_conn.cursor()
        try:
            wal = str(_one(cur, "PRAGMA journal_mode")).lower() == "wal"
            cur.execute("PRAGMA database_list")
            first = cur.fetchall()
            info[_PATH] = str(first[0][2] or "") if wal and first else ""
        finally:
            cur.close()
    return str(info[_PATH])


def large_write(conn: Connection) -> None:
    """Give ``conn``'s transaction a larger page cache and a commit that does not checkpoint;
    restored, and checkpointed in a thread, once ``conn`` is given back. Call it inside the
    transaction, before the writes."""
    if conn.dialect.name != "sqlite":
        return
    info = conn.connection.info
    dbapi = conn.connection.dbapi_connection
    if _LARGE in info or dbapi is None:
        return
    path = _path(info, dbapi)
    if not path:
        return
    cur = dbapi.cursor()
    try:
        held = info.pop(_HELD, None)  # already off: restore what it was before that
        autocheckpoint = held if held is not None else int(_one(cur, "PRAGMA wal_autocheckpoint"))
        cache = int(_one(cur, "PRAGMA cache_size"))
        cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    finally:
        cur.close()
    info[_LARGE] = (autocheckpoint, cache, path)


def on_checkout(dbapi_conn: DBAPIConnection, record: ConnectionPoolEntry, _proxy: object) -> None:
    """The pool's check-out listener: while a checkpoint of this database runs in a thread,
    this connection's commits leave it to that thread."""
    if not _pending:
        return
    path = _path(record.info, dbapi_conn)
    with _lock:
        if not _pending.get(path):
            return
    cur = dbapi_conn.cursor()
    try:
        record.info[_HELD] = int(_one(cur, "PRAGMA wal_autocheckpoint"))
        cur.execute("PRAGMA wal_autocheckpoint=0")
    finally:
        cur.close()


def on_checkin(dbapi_conn: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
    """The pool's check-in listener: restore what ``large_write`` and ``on_checkout`` changed;
    after a large write, checkpoint in a thread."""
    held = record.info.pop(_HELD, None)
    large = record.info.pop(_LARGE, None)
    settings = []
    if held is not None:
        settings.append(f"PRAGMA wal_autocheckpoint={int(held)}")
    if large is not None:
        settings += [
            f"PRAGMA wal_autocheckpoint={int(large[0])}",
            f"PRAGMA cache_size={int(large[1])}",
        ]
    if dbapi_conn is not None and settings:  # None: invalidated, and closed
        cur = dbapi_conn.cursor()
        try:
            for sql in settings:
                cur.execute(sql)
        finally:
            cur.close()
    if large is None:
        return
    path = large[2]
    thread = threading.Thread(
        target=_checkpoint, args=(path,), name="custbot-wal-checkpoint", daemon=True
    )
    global _started
    with _lock:
        _pending[path] += 1
        _running.add(thread)
        _started += 1
        if _started == 1:  # a process that ends lets its checkpoints finish (up to 10 s)
            atexit.register(wait_for_checkpoints, 10.0)
    log.debug("checkpoint of %s after a large write: in a thread", path)
    thread.start()


def _checkpoint(path: str) -> None:
    try:
        # mode=rw: a database removed meanwhile is not created again, empty
        uri = f"file:{quote(str(Path(path)))}?mode=rw"
        with closing(sqlite3.connect(uri, uri=True, timeout=0)) as db:
            busy, frames, done = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            log.debug("checkpoint of %s: %s of %s frames (busy %s)", path, done, frames, busy)
            # then restart the log, once no reader is in it (tried for up to 2 s, never waiting
            # with a lock held: each try gives up at once)
            for _ in range(100):
                busy, frames, done = db.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
                if not busy:
                    break
                time.sleep(0.02)
            log.debug("restart of the log of %s: busy %s", path, busy)
    except sqlite3.Error as e:  # the next commit past the threshold checkpoints instead
        log.debug("checkpoint of %s skipped: %s", path, e)
    finally:
        with _lock:
            _pending[path] -= 1
            if _pending[path] <= 0:
                del _pending[path]
            _running.discard(threading.current_thread())


def checkpoints_started() -> int:
    """How many checkpoints this process has started in threads after a large write."""
    return _started


def wait_for_checkpoints(timeout: float = 30.0) -> bool:
    """Wait for the checkpoints started so far; whether they all ended (for tests and shutdown)."""
    with _lock:
        threads = list(_running)
    for thread in threads:
        thread.join(timeout)
    return not any(t.is_alive() for t in threads)
