"""A SQLite primary's copy is refreshed in a process of its own.

DuckDB's ``sqlite_scanner`` carries its own copy of SQLite. Two copies of SQLite in one process
must never open the same database file (https://sqlite.org/howtocorrupt.html, 2.2.1): POSIX
locks belong to the process, so neither copy sees the other's, and the one that opens the file
second believes it is alone. Here that is more than a theory: the scanner's SQLite truncated
the write-ahead log's shared index that Python's ``sqlite3`` had mapped, and the next large
write by the application died of SIGBUS (``tests/storage/test_columnar_worker.py`` shows it).
Closing the scanner's file would also drop the locks of the application's own connections.

So a refresh of a SQLite primary runs here, in a child process: it reads the primary with
Python's ``sqlite3`` (connections closed as soon as given back) and with the scanner, never
both at once (``ColumnarCopy._attempt``), and it is a different process from every other
connection to the file, so SQLite's locking works between them as designed. The report comes
back as one line of JSON. A PostgreSQL primary is refreshed in the calling process (its
scanner speaks libpq).

Example::

    report = refresh_elsewhere(copy, engine, full=False)   # RefreshReport(done=True, …)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from storage.columnar.copy import ColumnarCopy, RefreshReport

__all__ = ["refresh_elsewhere", "main"]


def refresh_elsewhere(copy: ColumnarCopy, engine: Engine, full: bool) -> RefreshReport:
    """Refresh ``copy`` from ``engine`` (a SQLite file) in a child process; its report."""
    from storage.columnar.copy import CopyState, RefreshReport

    started = time.perf_counter()
    job = {
        "url": engine.url.render_as_string(hide_password=False),
        "path": str(copy.path),
        "memory_limit": copy.memory_limit,
        "threads": copy.threads,
        "full": full,
    }
    # the child finds this package where the parent did, installed or not
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    done = subprocess.run(
        [sys.executable, "-m", "storage.columnar.worker"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
    )
    if done.returncode != 0 or not done.stdout.strip():
        tail = (done.stderr or "").strip().splitlines()[-5:]
        raise RuntimeError(
            f"refreshing the analytics copy {copy.path} failed (exit {done.returncode}): "
            + " | ".join(tail)
        )
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    state = CopyState.from_json(out["state"]) if out.get("state") else None
    seconds = time.perf_counter() - started  # the child's start included
    return RefreshReport(out["done"], out["kind"], seconds, out["tables"], state)


def main() -> int:
    """Read one job (JSON on stdin), refresh, print the report as one line of JSON."""
    from pathlib import Path

    from storage.columnar import copy as copy_module
    from storage.db import make_engine

    job = json.loads(sys.stdin.read())
    copy_module.IN_WORKER = True
    engine = make_engine(job["url"], pooled=False)  # no connection stays open meanwhile
    copy = copy_module.ColumnarCopy(
        Path(job["path"]), memory_limit=job["memory_limit"], threads=job["threads"]
    )
    try:
        report = copy.refresh(engine, full=job["full"])
    finally:
        copy.close()
        engine.dispose()
    print(
        json.dumps(
            {
                "done": report.done,
                "kind": report.kind,
                "tables": report.tables,
                "state": report.state.to_json() if report.state is not None else None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
