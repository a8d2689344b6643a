"""Shared fixtures: a fresh, migrated database on SQLite and on PostgreSQL.

PostgreSQL's URL comes from ``CUSTBOT_TEST_PG_URL`` (default: the local server's ``test``
database). Each test gets its own schema there, so tests can run side by side. When the server
is unreachable the PostgreSQL half is skipped with the reason, unless ``CUSTBOT_REQUIRE_PG=1``
(as in ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from storage.columnar.settings import ENGINE_ENV, ColumnarSettings
from storage.db import connect
from storage.schema import metadata

PG_URL = os.environ.get("CUSTBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]
REPO = Path(__file__).resolve().parent.parent
# Public data files the tests read, copied into the repository (see tests/data/README.md).
DATASETS = REPO / "tests" / "data"

_pg_problem: str | None = None
_pg_checked = False


def pg_unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        try:
            eng = create_engine(PG_URL)
            with eng.connect() as conn:
                conn.execute(text("select 1"))
            eng.dispose()
        except Exception as e:  # noqa: BLE001 - any failure means "unreachable"
            _pg_problem = f"PostgreSQL at {PG_URL} is unreachable: {type(e).__name__}: {e}"[:300]
    return _pg_problem


def require_backend(backend: str) -> None:
    if backend == "postgresql" and (problem := pg_unavailable()):
        if os.environ.get("CUSTBOT_REQUIRE_PG") == "1":
            pytest.fail(f"CUSTBOT_REQUIRE_PG=1 but {problem}")
        pytest.skip(problem)


_SQLITE_TEMPLATE: Path | None = None
_PG_POOL: list[str] = []  # migrated, empty schemas ready for the next test
_PG_ALL: list[str] = []


def _pg_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def _pg_admin():  # type: ignore[no-untyped-def]
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _new_pg_schema(migrate: bool) -> str:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    if migrate:
        connect(_pg_url(schema)).dispose()
    _PG_ALL.append(schema)
    return schema


def _drop_pg_schema(schema: str) -> None:
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()
    if schema in _PG_ALL:
        _PG_ALL.remove(schema)


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{t}"' for t in metadata.tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@contextmanager
def fresh_database(
    backend: str, tmp_dir: Path, *, migrate: bool = True, pooled: bool = True
) -> Iterator[Engine]:
    """A new empty database (migrated unless told not to).

    SQLite: a copy of a migrated template file. PostgreSQL: a migrated schema of its own, taken
    from a pool and truncated when given back (``pooled=False`` for tests that change the DDL).
    """
    require_backend(backend)
    inner = _fresh_database(backend, tmp_dir, migrate=migrate, pooled=pooled)
    with _routed(inner, tmp_dir, migrate) as e:
        yield e


@contextmanager
def _routed(inner: Any, tmp_dir: Path, migrate: bool) -> Iterator[Engine]:
    """With ``CUSTBOT_ANALYTICS_ENGINE=duckdb`` every test database answers run_query and the
    recompute from its own DuckDB copy (refreshed on query): the whole suite runs that way."""
    with inner as engine:
        if os.environ.get(ENGINE_ENV) != "duckdb" or not migrate:
            yield engine
            return
        from query_language.route import configure, unconfigure

        settings = ColumnarSettings(engine="duckdb", threads=1, memory_limit="512MB")
        configure(engine, settings, tmp_dir / f"copy-{uuid.uuid4().hex[:8]}.duckdb")
        try:
            yield engine
        finally:
            unconfigure(engine)


@contextmanager
def _fresh_database(
    backend: str, tmp_dir: Path, *, migrate: bool = True, pooled: bool = True
) -> Iterator[Engine]:
    global _SQLITE_TEMPLATE
    if backend == "sqlite":
        path = tmp_dir / f"db-{uuid.uuid4().hex[:8]}.sqlite"
        if migrate:
            if _SQLITE_TEMPLATE is None:
                template = Path(tempfile.mkdtemp(prefix="custbot-template-")) / "template.sqlite"
                connect(f"sqlite:///{template}").dispose()
                _SQLITE_TEMPLATE = template
            shutil.copyfile(_SQLITE_TEMPLATE, path)
        engine = connect(f"sqlite:///{path}", migrate=migrate)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    use_pool = migrate and pooled
    schema = _PG_POOL.pop() if use_pool and _PG_POOL else _new_pg_schema(migrate)
    engine = connect(_pg_url(schema), migrate=False)
    try:
        yield engine
    finally:
        engine.dispose()
        if use_pool:
            try:
                cleaner = create_engine(_pg_url(schema))
                _truncate_all(cleaner)
                cleaner.dispose()
                _PG_POOL.append(schema)
            except Exception:  # noqa: BLE001 - a broken schema is dropped, not reused
                _drop_pg_schema(schema)
        else:
            _drop_pg_schema(schema)


@pytest.fixture(scope="session", autouse=True)
def _drop_pooled_schemas() -> Iterator[None]:
    yield
    for schema in list(_PG_ALL):
        _drop_pg_schema(schema)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    require_backend(request.param)
    return request.param


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """A fresh migrated database, once on SQLite and once on PostgreSQL."""
    with fresh_database(backend, tmp_path) as eng:
        yield eng


@pytest.fixture
def db_url(engine: Engine) -> str:
    """The URL of ``engine``, e.g. to hand to the command line."""
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def datasets() -> Path:
    if not DATASETS.exists():
        pytest.fail(f"the test data files are missing at {DATASETS}")
    return DATASETS


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        dest="update_golden",
        help="rewrite the golden conversation transcripts (tests/golden) instead of comparing",
    )
