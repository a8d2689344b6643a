"""The generation of the data the analytical copy reflects, advanced by every writer.

``analytics_generation`` holds one row per table the DuckDB copy holds (``storage/columnar``);
a trigger on each of those tables advances its row in the same transaction as the change, so no
writer — imports, bulk changes, rules, the recompute, CRM actions, a later migration, a hand-typed
``UPDATE`` — can change the data without the copy noticing. ``analytics_dirty_orders`` lists the
orders whose rows or lines were changed or deleted (new rows are found by id), so a refresh
replaces only those orders.

SQLite has only row triggers (~1.8 µs per changed row); PostgreSQL uses statement triggers that
take a value from a sequence (never reused, even after a ``TRUNCATE``), once per table and
transaction (a transaction-local setting remembers it), and update the ``*`` row first, so
concurrent writers always lock the rows in the same order.

Revision ID: 0009
Revises: 0004
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import BigInteger, Column, Integer, PrimaryKeyConstraint, String, column, table

revision = "0009"
down_revision = "0004"
branch_labels = None
depends_on = None

# What the copy holds (storage/columnar/tables.py; a test checks that the two agree).
TABLES = (
    "managers",
    "customers",
    "products",
    "orders",
    "order_lines",
    "customer_tags",
    "customer_properties",
    "segment_members",
    "interactions",
    "class_runs",
    "customer_classes",
)
# Changed or deleted rows of these mark their orders dirty: (table, the column naming the order).
DIRTY = (("orders", "id"), ("order_lines", "order_id"))


def _sqlite() -> None:
    for t in TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER analytics_gen_{t}_{event.lower()} AFTER {event} ON {t} "
                f"BEGIN UPDATE analytics_generation SET generation = generation + 1 "
                f"WHERE part = '{t}'; END"
            )
    for t, col in DIRTY:
        op.execute(
            f"CREATE TRIGGER analytics_dirty_{t}_update AFTER UPDATE ON {t} BEGIN "
            f"INSERT INTO analytics_dirty_orders (order_id) VALUES (OLD.{col}); "
            f"INSERT INTO analytics_dirty_orders (order_id) SELECT NEW.{col} "
            f"WHERE NEW.{col} IS NOT OLD.{col}; END"
        )
        op.execute(
            f"CREATE TRIGGER analytics_dirty_{t}_delete AFTER DELETE ON {t} BEGIN "
            f"INSERT INTO analytics_dirty_orders (order_id) VALUES (OLD.{col}); END"
        )


def _postgresql() -> None:
    op.execute("CREATE SEQUENCE analytics_generation_seq")
    op.execute(
        """
        CREATE FUNCTION analytics_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- Once per table and transaction: a value no other transaction ever had is all a
            -- reader needs, and every further update of the row in the same transaction would
            -- lengthen its chain of versions (a row-by-row load became quadratic).
            IF current_setting('custbot.generation_' || TG_TABLE_NAME, true) = 'moved' THEN
                RETURN NULL;
            END IF;
            IF coalesce(current_setting('custbot.generation_all', true), '') <> 'moved' THEN
                INSERT INTO analytics_generation (part, generation)
                VALUES ('*', nextval('analytics_generation_seq'))
                ON CONFLICT (part) DO UPDATE SET generation = EXCLUDED.generation;
                PERFORM set_config('custbot.generation_all', 'moved', true);
            END IF;
            INSERT INTO analytics_generation (part, generation)
            VALUES (TG_TABLE_NAME, nextval('analytics_generation_seq'))
            ON CONFLICT (part) DO UPDATE SET generation = EXCLUDED.generation;
            PERFORM set_config('custbot.generation_' || TG_TABLE_NAME, 'moved', true);
            RETURN NULL;
        END $$
        """
    )
    for t in TABLES:
        op.execute(
            f"CREATE TRIGGER analytics_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
            "FOR EACH STATEMENT EXECUTE FUNCTION analytics_bump()"
        )
    for t, col in DIRTY:
        op.execute(
            f"""
            CREATE FUNCTION analytics_dirty_{t}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    INSERT INTO analytics_dirty_orders (order_id)
                    SELECT o.{col} FROM old_rows o JOIN new_rows n ON n.id = o.id
                    WHERE n IS DISTINCT FROM o
                    UNION SELECT n.{col} FROM old_rows o JOIN new_rows n ON n.id = o.id
                    WHERE n IS DISTINCT FROM o
                    UNION SELECT n.{col} FROM new_rows n WHERE n.id NOT IN (SELECT id FROM old_rows);
                ELSE
                    INSERT INTO analytics_dirty_orders (order_id) SELECT DISTINCT {col} FROM old_rows;
                END IF;
                RETURN NULL;
            END $$
            """
        )
        op.execute(
            f"CREATE TRIGGER analytics_dirty_update AFTER UPDATE ON {t} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION analytics_dirty_{t}()"
        )
        op.execute(
            f"CREATE TRIGGER analytics_dirty_delete AFTER DELETE ON {t} "
            "REFERENCING OLD TABLE AS old_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION analytics_dirty_{t}()"
        )


def upgrade() -> None:
    op.create_table(
        "analytics_generation",
        Column("part", String(40), nullable=False),
        Column("generation", BigInteger, nullable=False, server_default="1"),
        PrimaryKeyConstraint("part", name=op.f("pk_analytics_generation")),
    )
    op.create_table(
        "analytics_dirty_orders",
        Column("id", Integer, nullable=False, autoincrement=True),
        Column("order_id", Integer, nullable=False),
        PrimaryKeyConstraint("id", name=op.f("pk_analytics_dirty_orders")),
        sqlite_autoincrement=True,
    )
    op.bulk_insert(
        table("analytics_generation", column("part"), column("generation")),
        [{"part": p, "generation": 1} for p in ("*", *TABLES)],
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for t in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS analytics_gen ON {t}")
        for t, _col in DIRTY:
            op.execute(f"DROP TRIGGER IF EXISTS analytics_dirty_update ON {t}")
            op.execute(f"DROP TRIGGER IF EXISTS analytics_dirty_delete ON {t}")
            op.execute(f"DROP FUNCTION IF EXISTS analytics_dirty_{t}()")
        op.execute("DROP FUNCTION IF EXISTS analytics_bump()")
        op.execute("DROP SEQUENCE IF EXISTS analytics_generation_seq")
    else:
        for t in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS analytics_gen_{t}_{event}")
        for t, _col in DIRTY:
            op.execute(f"DROP TRIGGER IF EXISTS analytics_dirty_{t}_update")
            op.execute(f"DROP TRIGGER IF EXISTS analytics_dirty_{t}_delete")
    op.drop_table("analytics_dirty_orders")
    op.drop_table("analytics_generation")
