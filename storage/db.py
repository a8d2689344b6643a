"""Engines and migrations: one place that knows SQLite from PostgreSQL.

Example::

    engine = connect("sqlite:///custbot.db")   # migrates to head on first use
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

if TYPE_CHECKING:
    from alembic.config import Config

from storage.folding import register_sqlite_functions
from storage.large_write import on_checkin, on_checkout
from storage.timeouts import install as install_timeouts

__all__ = ["DEFAULT_URL", "connect", "make_engine", "upgrade", "is_postgres", "analyze"]

DEFAULT_URL = "sqlite:///custbot.db"
_MIGRATIONS = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> str:
    """Use psycopg 3 for a bare ``postgresql://`` URL."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, echo: bool = False, pooled: bool = True) -> Engine:
    """An engine tuned for the dialect (SQLite pragmas, a large compiled-statement cache).
    ``pooled=False``: every connection is closed when it is given back."""
    url = normalise_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "query_cache_size": 5000, "future": True}
    if not pooled:
        from sqlalchemy.pool import NullPool

        kwargs["poolclass"] = NullPool
    if make_url(url).get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    install_timeouts(engine)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkout", on_checkout)  # storage/large_write.py
        event.listen(engine, "checkin", on_checkin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_session)
    return engine


# Chat queries are short analytics over up to tens of millions of order lines. PostgreSQL's JIT
# compiles such a plan for 0.5–1.3 s before running it for less (docs/benchmarks.md), and the
# default 4 MB work_mem sends a per-customer aggregate of a million customers to disk.
PG_SESSION = {"jit": "off", "work_mem": "64MB"}


def _postgres_session(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    with dbapi_conn.cursor() as cur:
        for name, value in PG_SESSION.items():
            cur.execute(f"SET {name} = '{value}'")
    dbapi_conn.commit()


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "temp_store=MEMORY",
        "cache_size=-65536",
        "busy_timeout=30000",
    ):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()
    register_sqlite_functions(dbapi_conn)  # Unicode case folding (storage/folding.py)


def is_postgres(engine_or_conn: Engine | Connection) -> bool:
    return bool(engine_or_conn.dialect.name == "postgresql")


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (idempotent)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def connect(url: str | None = None, *, migrate: bool = True, echo: bool = False) -> Engine:
    """An engine for ``url`` (default: ``$CUSTBOT_DB_URL`` or the embedded SQLite file),
    migrated to the newest schema."""
    engine = make_engine(url or os.environ.get("CUSTBOT_DB_URL") or DEFAULT_URL, echo=echo)
    if migrate and not _at_head(engine):
        upgrade(engine)
    return engine


def head_revision() -> str:
    """The newest migration, read from the files' ``revision``/``down_revision`` lines (without
    importing alembic, which costs a command's start-up ~0.3 s)."""
    found: dict[str, str | None] = {}
    for path in (_MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = re.search(r'^revision = "([^"]+)"', text, re.M)
        down = re.search(r'^down_revision = "([^"]+)"', text, re.M)
        if rev:
            found[rev.group(1)] = down.group(1) if down else None
    heads = set(found) - set(found.values())
    return heads.pop() if len(heads) == 1 else ""


def _at_head(engine: Engine) -> bool:
    """Whether the database is already at the newest migration (then alembic is not loaded)."""
    head = head_revision()
    if not head:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except Exception:  # noqa: BLE001 - no table yet, or anything else: let alembic decide
        return False
    return [r[0] for r in rows] == [head]


def analyze(engine: Engine) -> None:
    """Refresh planner statistics after a bulk load (SQLite is lost without them)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # only our schema's tables: a bare ANALYZE walks
            from storage.schema import metadata  # every schema and waits on everyone's locks

            quote = conn.dialect.identifier_preparer.quote
            conn.exec_driver_sql(
                "ANALYZE " + ", ".join(quote(t.name) for t in metadata.sorted_tables)
            )
        else:
            conn.exec_driver_sql("ANALYZE")


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
