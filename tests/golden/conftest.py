"""The golden conversations' data: the demo built once per session per backend and language,
then copied for each scenario (a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on
PostgreSQL), so every scenario starts from the same state."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from storage.db import connect
from tests.conftest import PG_URL, require_backend

AS_OF = date(2026, 11, 22)
DEMO_CUSTOMERS = 400  # small enough for seconds per backend, large enough for every example
DEMO_SEED = 7

Factory = Callable[[str], AbstractContextManager[Engine]]


def _build(engine: Engine, data: str) -> None:
    if data.startswith("demo-"):
        from storage.demo import build_demo

        lang, _sep, computed = data[5:].partition("-")
        build_demo(engine, customers=DEMO_CUSTOMERS, seed=DEMO_SEED, today=AS_OF, lang=lang)
        if computed:  # as `custbot demo` leaves it: the classes computed
            from analytics.demo import finish_demo

            finish_demo(engine, AS_OF)


def _pg_url(database: str) -> str:
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


class _Templates:
    """One built database per (backend, data kind), copied for each scenario."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="custbot-golden-"))
        self.sqlite: dict[str, Path] = {}
        self.pg: dict[str, str] = {}
        self.pg_databases: list[str] = []
        self._admin: Engine | None = None

    @property
    def admin(self) -> Engine:
        if self._admin is None:
            self._admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        return self._admin

    def _create_pg(self, template: str | None = None) -> str:
        name = f"golden_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(
                text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
            )
        self.pg_databases.append(name)
        return name

    @contextmanager
    def copy(self, backend: str, data: str) -> Iterator[Engine]:
        if backend == "sqlite":
            if data not in self.sqlite:
                path = self.dir / f"template-{data}.sqlite"
                engine = connect(f"sqlite:///{path}")
                _build(engine, data)
                engine.dispose()
                self.sqlite[data] = path
            target = self.dir / f"{uuid.uuid4().hex[:12]}.sqlite"
            shutil.copyfile(self.sqlite[data], target)
            engine = connect(f"sqlite:///{target}")
            try:
                yield engine
            finally:
                engine.dispose()
                target.unlink(missing_ok=True)
            return
        if data not in self.pg:
            name = self._create_pg()
            engine = connect(_pg_url(name))
            _build(engine, data)
            engine.dispose()  # a template must have no connections
            self.pg[data] = name
        engine = connect(_pg_url(self._create_pg(self.pg[data])), migrate=False)
        try:
            yield engine
        finally:
            engine.dispose()

    def close(self) -> None:
        if self._admin is not None:
            with self.admin.connect() as conn:
                for name in self.pg_databases:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self._admin.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def _golden_templates() -> Iterator[_Templates]:
    templates = _Templates()
    yield templates
    templates.close()


@pytest.fixture
def golden_database(backend: str, _golden_templates: _Templates) -> Factory:
    """``with golden_database("demo-en") as engine:`` a fresh copy of that data on ``backend``."""
    require_backend(backend)

    def make(data: str) -> AbstractContextManager[Engine]:
        return _golden_templates.copy(backend, data)

    return make
