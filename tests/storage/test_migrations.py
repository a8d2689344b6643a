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


def test_classes_become_one_row_per_customer_and_back(backend: str, tmp_path: Path) -> None:
    """Migration 0017: the latest run's rows are carried over, the last purchase as a date
    (the run's date minus recency_days); older runs' rows go, their log stays; the table's
    generation triggers are back (a copy reloads it); the downgrade restores the old shape."""
    from sqlalchemy import text

    from storage.columnar.generation import read_generations

    def triggers(conn) -> int:  # type: ignore[no-untyped-def]
        if conn.dialect.name == "postgresql":
            sql = "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'customer_classes'::regclass AND NOT tgisinternal"
        else:
            sql = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'customer_classes'"
        return int(conn.execute(text(sql)).scalar_one())

    with fresh_database(backend, tmp_path, migrate=False, pooled=False) as engine:
        upgrade(engine, "0016")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO customers (id, external_id, name, created_at) VALUES "
                    "(1, 'A', 'Alpha', '2026-01-01'), (2, 'B', 'Beta', '2026-01-01')"
                )
            )
            for run, day in ((1, "2026-11-01"), (2, "2026-11-22")):
                conn.execute(
                    text(
                        "INSERT INTO class_runs (id, computed_for, window_start, window_end, created_at,"
                        f" parameters) VALUES ({run}, '{day}', '2025-11-23', '{day}', '{day}', '{{}}')"
                    )
                )
            conn.execute(
                text(
                    "INSERT INTO customer_classes (run_id, customer_id, revenue, abc, xyz, recency_days,"
                    " frequency, monetary, r_score, f_score, m_score, rfm_segment) VALUES "
                    "(1, 1, 5.0, 'C', NULL, 90, 1, 5.0, 1, 1, 1, 'lost'),"
                    "(2, 1, 900.0, 'A', 'X', 10, 4, 900.0, 5, 5, 5, 'champions'),"
                    "(2, 2, 0.0, 'C', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
                )
            )
            before = read_generations(conn)["customer_classes"]
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT customer_id, revenue, abc, xyz, last_purchase, rfm_segment "
                    "FROM customer_classes ORDER BY customer_id"
                )
            ).all()
            assert [(r[0], r[1], r[2], r[3], str(r[4]) if r[4] else None, r[5]) for r in rows] == [
                (1, 900.0, "A", "X", "2026-11-12", "champions"),
                (2, 0.0, "C", None, None, None),
            ]
            assert conn.execute(text("SELECT count(*) FROM class_runs")).scalar_one() == 2
            assert triggers(conn) >= 1
            assert read_generations(conn)["customer_classes"] != before
        upgrade(engine)  # nothing left to do
        from alembic import command

        from storage.db import _alembic_config

        command.downgrade(_alembic_config(engine), "0016")
        with engine.connect() as conn:
            back = conn.execute(
                text(
                    "SELECT run_id, customer_id, recency_days, abc FROM customer_classes "
                    "ORDER BY customer_id"
                )
            ).all()
            assert [tuple(r) for r in back] == [(2, 1, 10, "A"), (2, 2, None, "C")]
            assert triggers(conn) >= 1


def test_the_audit_logs_customer_index_is_by_id_and_back(backend: str, tmp_path: Path) -> None:
    """Migration 0018: ``(customer_id, at)`` becomes ``(customer_id, id)``, and back."""
    from alembic import command

    from storage.db import _alembic_config

    def indexes(engine) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
        return {
            ix["name"]: list(ix["column_names"]) for ix in inspect(engine).get_indexes("audit_log")
        }

    with fresh_database(backend, tmp_path, migrate=False, pooled=False) as engine:
        upgrade(engine, "0017")
        assert indexes(engine)["ix_audit_log_customer_at"] == ["customer_id", "at"]
        upgrade(engine)
        after = indexes(engine)
        assert after["ix_audit_log_customer"] == ["customer_id", "id"]
        assert "ix_audit_log_customer_at" not in after
        command.downgrade(_alembic_config(engine), "0017")
        back = indexes(engine)
        assert back["ix_audit_log_customer_at"] == ["customer_id", "at"]
        assert "ix_audit_log_customer" not in back
