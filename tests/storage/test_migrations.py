from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from storage.db import current_revision, upgrade
from storage.schema import metadata
from tests.conftest import fresh_database


def test_migrations_from_empty_create_every_table(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path, migrate=False, pooled=False) as engine:
        assert inspect(engine).get_table_names() == []
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        assert current_revision(engine) is not None
        upgrade(engine)  # a second upgrade is a no-op
        assert set(inspect(engine).get_table_names()) == tables


def test_migrated_schema_matches_the_tables(engine) -> None:  # type: ignore[no-untyped-def]
    """Autogenerate finds nothing to add: the migrations and schema.py agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_customers_leave_room_for_hot_updates_on_postgresql(tmp_path: Path) -> None:
    from sqlalchemy import text

    with fresh_database("postgresql", tmp_path) as engine, engine.connect() as conn:
        options = conn.execute(text("SELECT reloptions FROM pg_class WHERE oid = 'customers'::regclass")).scalar()
    assert "fillfactor=50" in (options or [])
