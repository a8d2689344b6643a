"""The default demo database, built once per backend for every test module that reads it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine

from storage.demo import DemoSummary, build_demo
from tests.conftest import BACKENDS, fresh_database

TODAY = date(2026, 11, 22)


def scalar(engine: Engine, query) -> float:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.scalar(query) or 0


@pytest.fixture(scope="session", params=BACKENDS)
def demo_backend(request: pytest.FixtureRequest) -> str:
    """The backend of ``demo`` and ``demo_ru``: one, so a test of both runs once per backend."""
    return str(request.param)


@pytest.fixture(scope="session")
def demo(
    demo_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, DemoSummary]]:
    """The default demo (2,000 customers), built once per backend; tests only read it."""
    with fresh_database(demo_backend, tmp_path_factory.mktemp("demo")) as engine:
        yield engine, build_demo(engine, today=TODAY)


@pytest.fixture(scope="session")
def demo_ru(
    demo_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, DemoSummary]]:
    """The default Russian demo (2,000 customers), built once per backend; tests only read it."""
    with fresh_database(demo_backend, tmp_path_factory.mktemp("demo-ru")) as engine:
        yield engine, build_demo(engine, today=TODAY, lang="ru")
