"""Building, refreshing and reading the DuckDB copy (see the package docstring).

Files: ``path`` is a small pointer naming the current data file beside it
(``<path>.<token>``). A refresh writes a new data file (a copy of the current one brought up to
date, or a fresh build), then replaces the pointer atomically; a published data file never
changes, so readers — any number, in any process — open it read-only. One refresher at a time:
a lease row in ``scheduler_locks`` per copy. Consistency without a shared snapshot: the
primary's generations are read before and after the copy reads the data; a write that commits
in between changes them, and the refresh is done again (at most three times).

Example::

    copy = ColumnarCopy(Path("/var/lib/custbot/analytics.duckdb"), memory_limit="2GB", threads=2)
    report = copy.refresh(engine)     # RefreshReport(done=True, kind="incremental", …)
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, func, or_, select
from sqlalchemy.exc import OperationalError

from storage.columnar.generation import (
    PrimaryMarks,
    prune_dirty,
    pruned_through,
    read_generations,
    read_marks,
)
from storage.columnar.tables import COPIED, INCREMENTAL, create_sql, select_sql
from storage.schema import analytics_dirty_orders, order_lines, orders
from storage.timeouts import install

__all__ = ["ColumnarCopy", "CopyState", "RefreshReport", "default_copy_path", "source_of"]

_DIRTY_LIMIT = 100_000  # more changed orders than this: reload orders and lines whole
_LEASE_TTL = timedelta(minutes=30)
# True in the process ``storage.columnar.worker`` starts: a SQLite primary is refreshed there.
IN_WORKER = False


def _prune(engine: Engine) -> None:
    """Prune the change list (what this and any copy will not need again), if the primary's
    write lock is free now: a SQLite caller that waits for this refresh may hold it."""
    try:
        with engine.begin() as conn:
            sqlite = conn.dialect.name == "sqlite"
            waits = conn.exec_driver_sql("PRAGMA busy_timeout").scalar() if sqlite else None
            if sqlite:
                conn.exec_driver_sql("PRAGMA busy_timeout = 0")
            try:
                prune_dirty(conn)
            finally:
                if sqlite:  # the connection goes back to the pool as it came
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(waits or 0)}")
    except OperationalError:
        return  # the next refresh or serve's hourly purge prunes


def default_copy_path(url: str, configured: str = "") -> Path:
    """``configured`` if given; else beside the SQLite file; else (PostgreSQL without a
    configured path) one per database in the temporary directory."""
    if configured:
        return Path(configured)
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        return Path(u.database + ".analytics.duckdb")
    key = hashlib.sha1(u.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"custbot-analytics-{key}.duckdb"


def _search_path(engine: Engine) -> str | None:
    opts = engine.url.query.get("options")
    text = " ".join(opts) if isinstance(opts, tuple) else (opts or "")
    for part in text.split():
        if part.startswith("-csearch_path="):
            return part.split("=", 1)[1].split(",")[0]
    return None


def source_of(engine: Engine) -> str:
    """Which primary a copy mirrors (no password): compared before a copy is used."""
    if engine.dialect.name == "sqlite":
        return "sqlite:" + os.path.abspath(engine.url.database or "")
    u = engine.url
    return f"postgresql:{u.host}:{u.port or 5432}/{u.database}/{_search_path(engine) or 'public'}"


@dataclass(frozen=True)
class CopyState:
    """What a published copy reflects."""

    source: str
    generations: dict[str, int]
    dirty_id: int
    max_order_id: int
    max_line_id: int
    snapshot_at: datetime  # when the primary was read (UTC)
    lines: int
    orders: int

    def to_json(self) -> str:
        d = self.__dict__ | {"snapshot_at": self.snapshot_at.isoformat()}
        return json.dumps(d)

    @staticmethod
    def from_json(text: str) -> CopyState:
        d = json.loads(text)
        d["snapshot_at"] = datetime.fromisoformat(d["snapshot_at"])
        return CopyState(**d)


@dataclass
class RefreshReport:
    done: bool
    kind: str  # "full", "incremental", "current", "leased", "busy"
    seconds: float = 0.0
    tables: list[str] = field(default_factory=list)
    state: CopyState | None = None


def _extension(name: str) -> str:
    import duckdb

    module = __import__(f"duckdb_extension_{name}")
    base = os.path.dirname(module.__file__ or "")
    found = glob.glob(
        os.path.join(base, "extensions", f"v{duckdb.__version__}", "*.duckdb_extension")
    )
    if not found:
        raise RuntimeError(
            f"the DuckDB extension package duckdb-extension-{name.replace('_', '-')} does not "
            f"match DuckDB {duckdb.__version__}; install matching versions"
        )
    return found[0]


class ColumnarCopy:
    """One copy on disk (see the module docstring)."""

    def __init__(self, path: Path, *, memory_limit: str = "2GB", threads: int = 2) -> None:
        self.path = Path(path).absolute()
        self.memory_limit, self.threads = memory_limit, threads
        self._lock = threading.Lock()
        self._engines: dict[str, Engine] = {}
        self._states: dict[str, CopyState | None] = {}
        self._flocks: dict[str, int] = {}

    # --- reading -------------------------------------------------------------------------
    def _config(self) -> dict[str, Any]:
        return {
            "memory_limit": self.memory_limit,
            "threads": self.threads,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }

    def data_file(self) -> Path | None:
        """The published data file, or None when there is no copy yet."""
        try:
            name = self.path.read_text().strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        data = self.path.parent / name
        return data if name and data.exists() else None

    def engine(self) -> Engine | None:
        """A read-only SQLAlchemy engine over the published copy (None without one)."""
        data = self.data_file()
        if data is None:
            return None
        with self._lock:
            eng = self._engines.get(data.name)
            if eng is None:
                for old in self._engines.values():
                    old.dispose()
                self._engines.clear()
                eng = create_engine(
                    f"duckdb:///{data}",
                    connect_args={"read_only": True, "config": self._config()},
                )
                install(eng)  # chat questions answered here are bounded in time too
                self._engines[data.name] = eng
            return eng

    def state(self) -> CopyState | None:
        """What the published copy reflects (cached: a published file never changes)."""
        data = self.data_file()
        if data is None:
            return None
        if data.name not in self._states:
            eng = self.engine()
            assert eng is not None
            from sqlalchemy import text

            with eng.connect() as conn:
                raw = conn.execute(text("SELECT state FROM _copy")).scalar_one()
            self._states[data.name] = CopyState.from_json(raw)
        return self._states[data.name]

    def is_current(self, conn: Connection) -> bool:
        """Whether the copy reflects exactly what ``conn`` sees of the primary."""
        st = self.state()
        if st is None or st.source != source_of(conn.engine):
            return False
        mine = read_generations(conn)
        # A part without its row (deleted by hand) could not move again: never current then.
        return all(t in mine for t in COPIED) and st.generations == mine

    def close(self) -> None:
        with self._lock:
            for eng in self._engines.values():
                eng.dispose()
            self._engines.clear()

    # --- the lease -----------------------------------------------------------------------
    def _lease_name(self) -> str:
        key = f"{socket.gethostname()}:{self.path}".encode()
        return "analytics-copy:" + hashlib.sha1(key).hexdigest()[:20]

    def _take(self, engine: Engine, holder: str) -> bool:
        if engine.dialect.name == "sqlite":
            # One host by nature; a row lease would wait behind a caller's own open write
            # transaction (SQLite locks the whole file), so an OS lock on a file beside the copy.
            import fcntl

            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(f"{self.path}.lock", os.O_CREAT | os.O_RDWR, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
            self._flocks[holder] = fd
            return True
        from storage.leases import take_lease  # loads the dialects' inserts: only to refresh

        return take_lease(engine, self._lease_name(), holder, _LEASE_TTL)

    def _release(self, engine: Engine, holder: str) -> None:
        if holder in self._flocks:
            os.close(self._flocks.pop(holder))  # closing the file lets the lock go
            return
        from storage.leases import release_lease

        release_lease(engine, self._lease_name(), holder)

    # --- writing -------------------------------------------------------------------------
    def refresh(self, engine: Engine, *, full: bool = False) -> RefreshReport:
        """Bring the copy up to date with ``engine`` (the primary); ``full`` rebuilds it.

        Returns without waiting when another process holds the lease (``kind="leased"``)."""
        if engine.dialect.name == "sqlite" and not IN_WORKER:
            if not full:
                with engine.connect() as conn:  # current already: no process to start
                    if self.is_current(conn):
                        return RefreshReport(True, "current", state=self.state())
            from storage.columnar.worker import refresh_elsewhere

            return refresh_elsewhere(self, engine, full)
        started = time.perf_counter()
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        if not self._take(engine, holder):
            return RefreshReport(False, "leased")
        try:
            for _attempt in range(3):
                report = self._attempt(engine, full)
                if report is not None:
                    _prune(engine)
                    report.seconds = time.perf_counter() - started
                    return report
            return RefreshReport(False, "busy", time.perf_counter() - started)
        finally:
            self._release(engine, holder)

    def rebuild(self, engine: Engine) -> RefreshReport:
        return self.refresh(engine, full=True)

    def _attempt(self, engine: Engine, full: bool) -> RefreshReport | None:
        """One try; None when a write committed meanwhile. The primary is read by its own driver
        and by DuckDB's scanner at different moments, never both at once (see ``worker``)."""
        import duckdb

        with engine.connect() as conn:
            marks = read_marks(conn)
        source = source_of(engine)
        old = self.state()
        usable = old is not None and old.source == source and not full
        if usable and old is not None and old.generations == marks.generations:
            return RefreshReport(True, "current", state=old)
        kind, tables, loads, delta = "full", list(COPIED), list(COPIED), None
        if usable and old is not None:
            kind = "incremental"
            tables = [t for t in COPIED if old.generations.get(t) != marks.generations.get(t)]
            loads = [t for t in tables if t not in INCREMENTAL]
            if any(t in INCREMENTAL for t in tables):
                delta = self._delta(engine, old, marks)
                if delta is None:  # too many changed orders, or pruned past: reload whole
                    loads += list(INCREMENTAL)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = self.path.parent / f"{self.path.name}.{uuid.uuid4().hex[:12]}"
        current = self.data_file()
        if usable and current is not None:
            shutil.copyfile(current, new)
        db = duckdb.connect(str(new), config=self._config())
        try:
            self._load_all(db, engine, loads)
            if delta is not None:
                self._apply(db, *delta)
            # The primary's counts check an incremental refresh of orders and lines (a full load
            # is the primary's snapshot by construction; counting 10M lines costs seconds).
            check = delta is not None
            with engine.connect() as conn:
                after = read_marks(conn)
                counts = (
                    (
                        int(conn.execute(select(func.count()).select_from(orders)).scalar_one()),
                        int(
                            conn.execute(select(func.count()).select_from(order_lines)).scalar_one()
                        ),
                    )
                    if check
                    else None
                )
            if after.generations != marks.generations:
                return None  # a write committed meanwhile: the data may mix two generations
            got = self._counts(db)
            if counts is not None and got != counts:
                # A line whose id was reused below the copy's newest one (only possible after
                # deleting the newest) cannot be found by id: reload the two tables whole.
                self._load_all(db, engine, list(INCREMENTAL))
                kind = f"{kind}+reload"
                with engine.connect() as conn:
                    if read_marks(conn).generations != marks.generations:
                        return None
                got = self._counts(db)
            state = CopyState(
                source=source,
                generations=marks.generations,
                dirty_id=marks.dirty_id,
                max_order_id=marks.max_order_id,
                max_line_id=marks.max_line_id,
                snapshot_at=datetime.now(UTC),
                lines=got[1],
                orders=got[0],
            )
            db.execute("CREATE OR REPLACE TABLE _copy (state VARCHAR)")
            db.execute("INSERT INTO _copy VALUES (?)", [state.to_json()])
            db.execute("CHECKPOINT")
        except BaseException:
            db.close()
            new.unlink(missing_ok=True)
            raise
        db.close()
        self._publish(new)
        return RefreshReport(True, kind, tables=tables, state=state)

    def _load_all(self, db: Any, engine: Engine, names: list[str]) -> None:
        """Load ``names`` whole through DuckDB's scanner, attached only for as long as that."""
        if not names:
            return
        src = self._attach(db, engine)
        try:
            for name in names:
                self._load(db, src, name)
        finally:
            db.execute("DETACH src")

    @staticmethod
    def _counts(db: Any) -> tuple[int, int]:
        row = db.execute(
            "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_lines)"
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def _publish(self, new: Path) -> None:
        pointer = self.path.parent / f"{self.path.name}.pointer-{uuid.uuid4().hex[:8]}"
        pointer.write_text(new.name)
        os.replace(pointer, self.path)
        for f in self.path.parent.glob(f"{glob.escape(self.path.name)}.*"):
            if f.name.endswith(".lock"):
                continue
            if f.name != new.name and not f.name.endswith(".wal"):
                f.unlink(missing_ok=True)  # readers keep an open file until they close it
            elif f.name.endswith(".wal") and not f.name.startswith(new.name):
                f.unlink(missing_ok=True)

    def _attach(self, db: Any, engine: Engine) -> str:
        if engine.dialect.name == "sqlite":
            db.execute(f"LOAD '{_extension('sqlite_scanner')}'")
            path = os.path.abspath(engine.url.database or "")
            db.execute(f"ATTACH '{path}' AS src (TYPE sqlite, READ_ONLY)")
            return "src"
        db.execute(f"LOAD '{_extension('postgres_scanner')}'")
        u = engine.url
        parts = {
            "host": u.host or "localhost",
            "port": u.port or 5432,
            "dbname": u.database,
            "user": u.username,
            "password": u.password,
        }
        dsn = " ".join(f"{k}={v}" for k, v in parts.items() if v)
        schema = _search_path(engine) or "public"
        db.execute(f"ATTACH '{dsn}' AS src (TYPE postgres, READ_ONLY, SCHEMA '{schema}')")
        return f'src."{schema}"'

    def _load(self, db: Any, src: str, name: str) -> None:
        db.execute(create_sql(name))
        db.execute(f'INSERT INTO "{name}" {select_sql(name, f"{src}.{name}")}')

    def _delta(
        self, engine: Engine, old: CopyState, marks: PrimaryMarks
    ) -> tuple[list[int], Sequence[Any], Sequence[Any]] | None:
        """The orders the triggers listed as changed, and the new and changed orders and lines
        (by id); None when they cannot be replayed (too many, or pruned past this copy)."""
        d = analytics_dirty_orders.c
        with engine.connect() as conn:
            dirty = sorted(
                {
                    int(x)
                    for x in conn.execute(
                        select(d.order_id).where(d.id > old.dirty_id, d.id <= marks.dirty_id)
                    ).scalars()
                }
            )
            # after the rows: a prune that deleted some of what this copy missed shows here
            if len(dirty) > _DIRTY_LIMIT or pruned_through(conn) > old.dirty_id:
                return None
            new_orders = conn.execute(
                select(*[orders.c[c] for c, _t in COPIED["orders"]]).where(
                    or_(orders.c.id > old.max_order_id, orders.c.id.in_(dirty))
                )
            ).all()
            new_lines = conn.execute(
                select(*[order_lines.c[c] for c, _t in COPIED["order_lines"]]).where(
                    or_(order_lines.c.id > old.max_line_id, order_lines.c.order_id.in_(dirty))
                )
            ).all()
        return dirty, new_orders, new_lines

    @staticmethod
    def _apply(
        db: Any, dirty: list[int], new_orders: Sequence[Any], new_lines: Sequence[Any]
    ) -> None:
        """Replace the changed orders' rows and lines, append the new ones (in the copy only)."""
        import pandas as pd

        db.execute("CREATE OR REPLACE TEMP TABLE dirty (order_id INTEGER)")
        if dirty:
            frame = pd.DataFrame({"order_id": dirty})
            db.register("dirty_frame", frame)
            db.execute("INSERT INTO dirty SELECT order_id FROM dirty_frame")
            db.unregister("dirty_frame")
            db.execute("DELETE FROM order_lines WHERE order_id IN (SELECT order_id FROM dirty)")
            db.execute("DELETE FROM orders WHERE id IN (SELECT order_id FROM dirty)")
        for name, rows in (("orders", new_orders), ("order_lines", new_lines)):
            if not rows:
                continue
            cols = [c for c, _t in COPIED[name]]
            frame = pd.DataFrame.from_records(rows, columns=cols)
            db.register("delta_frame", frame)
            db.execute(f'INSERT INTO "{name}" {select_sql(name, "delta_frame")}')
            db.unregister("delta_frame")
