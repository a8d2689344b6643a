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
        options = conn.execute(
            text("SELECT reloptions FROM pg_class WHERE oid = 'customers'::regclass")
        ).scalar()
    assert "fillfactor=50" in (options or [])


def test_sqlite_timestamps_without_a_fraction_are_normalised(tmp_path: Path) -> None:
    """Migration 0004: a timestamp a bulk load wrote as '2026-10-01 00:00:00' gets the fraction
    SQLAlchemy binds ('.000000'), so text comparisons on SQLite order it correctly."""
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customers (id, external_id, name, created_at) VALUES (1, 'A', 'Alpha', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO interactions (id, customer_id, date, kind, note) VALUES "
                "(1, 1, '2026-10-01 00:00:00', 'call', ''), (2, 1, '2026-10-02 08:30:00.250000', 'call', '')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT date FROM interactions ORDER BY id")).scalars().all()
    assert stored == ["2026-10-01 00:00:00.000000", "2026-10-02 08:30:00.250000"]
