"""The golden conversations' data, fresh for each scenario so every one starts from the same
state: on SQLite a copy of a file built once per session per language; on PostgreSQL a pooled
schema of the shared fixtures with the demo built into it (under a second)."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.db import connect
from tests.conftest import fresh_database, require_backend

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
        if computed == "loyalty":  # and the first tiers `custbot demo` computes
            from analytics.demo import DEMO_LOYALTY, finish_loyalty

            finish_loyalty(engine, AS_OF, DEMO_LOYALTY[lang])


class _Templates:
    """One built SQLite file per data kind, copied for each scenario."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="custbot-golden-"))
        self.sqlite: dict[str, Path] = {}

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
        # PostgreSQL: a pooled schema of the shared fixtures, the data built into it (under a
        # second for the demo); creating and dropping databases stalls a busy shared server
        with fresh_database(backend, self.dir) as engine:
            _build(engine, data)
            yield engine

    def close(self) -> None:
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
