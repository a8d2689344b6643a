"""Shared fixtures: a fresh, migrated database on SQLite and on PostgreSQL.

PostgreSQL's URL comes from ``CUSTBOT_TEST_PG_URL`` (default: the local server's ``test``
database). Each test gets its own schema there, so tests can run side by side. When the server
is unreachable the PostgreSQL half is skipped with the reason, unless ``CUSTBOT_REQUIRE_PG=1``
(as in ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from storage.db import connect

PG_URL = os.environ.get("CUSTBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]
REPO = Path(__file__).resolve().parent.parent
DATASETS = Path(os.environ.get("CUSTBOT_DATASETS", REPO.parent / "shared" / "datasets"))

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


@contextmanager
def fresh_database(backend: str, tmp_dir: Path, *, migrate: bool = True) -> Iterator[Engine]:
    """A new empty database (migrated unless told not to); dropped afterwards."""
    require_backend(backend)
    if backend == "sqlite":
        url = f"sqlite:///{tmp_dir / f'db-{uuid.uuid4().hex[:8]}.sqlite'}"
        engine = connect(url, migrate=migrate)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    engine = connect(f"{PG_URL}{sep}options=-csearch_path%3D{schema}", migrate=migrate)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


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
        pytest.fail(f"the shared datasets are missing at {DATASETS}")
    return DATASETS
