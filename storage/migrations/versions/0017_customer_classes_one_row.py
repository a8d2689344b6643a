"""``customer_classes`` holds one row per customer (the latest run's classes), and the last
purchase's date instead of ``recency_days``: a run rewrites only the rows whose classes changed.

The latest run's rows are carried over (``last_purchase`` = the run's ``computed_for`` minus
``recency_days``); older runs' rows go, their ``class_runs`` rows stay as the log of runs. The
generation triggers of migration 0009 are created again on the new table, before the rows are
carried over, so the analytical copy reloads the table.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_SCORES = "frequency, monetary, r_score, f_score, m_score, rfm_segment"


def _sqlite() -> bool:
    return op.get_bind().dialect.name != "postgresql"


def _triggers(table: str) -> None:
    """The generation triggers of migration 0009 on ``table`` (dropped with the old table)."""
    if _sqlite():
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER analytics_gen_{table}_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN UPDATE analytics_generation SET generation = generation + 1 "
                f"WHERE part = '{table}'; END"
            )
    else:
        op.execute(
            f"CREATE TRIGGER analytics_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION analytics_bump()"
        )


def _advance() -> None:
    """The table's generation moves even with no row carried over (SQLite's row triggers then
    never fire; PostgreSQL's statement trigger has): a copy reloads the table in its new shape."""
    if _sqlite():
        op.execute(
            "UPDATE analytics_generation SET generation = generation + 1 "
            "WHERE part = 'customer_classes'"
        )


def _scores() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("frequency", sa.Integer(), nullable=True),
        sa.Column("monetary", sa.Float(), nullable=True),
        sa.Column("r_score", sa.Integer(), nullable=True),
        sa.Column("f_score", sa.Integer(), nullable=True),
        sa.Column("m_score", sa.Integer(), nullable=True),
        sa.Column("rfm_segment", sa.String(length=40), nullable=True),
    ]


def upgrade() -> None:
    last = (
        "date(r.computed_for, '-' || c.recency_days || ' days')"
        if _sqlite()
        else "r.computed_for - c.recency_days"
    )
    op.execute(
        f"CREATE TABLE classes_carried AS SELECT c.customer_id, c.revenue, c.abc, c.xyz, "
        f"{last} AS last_purchase, {_SCORES} FROM customer_classes c "
        "JOIN class_runs r ON r.id = c.run_id WHERE c.run_id = (SELECT max(id) FROM class_runs)"
    )
    op.drop_table("customer_classes")
    op.create_table(
        "customer_classes",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Float(), server_default="0", nullable=False),
        sa.Column("abc", sa.String(length=1), nullable=True),
        sa.Column("xyz", sa.String(length=1), nullable=True),
        sa.Column("last_purchase", sa.Date(), nullable=True),
        *_scores(),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_classes_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_classes")),
    )
    _triggers("customer_classes")
    op.execute(
        f"INSERT INTO customer_classes (customer_id, revenue, abc, xyz, last_purchase, {_SCORES}) "
        f"SELECT customer_id, revenue, abc, xyz, last_purchase, {_SCORES} FROM classes_carried "
        "ORDER BY customer_id"
    )
    op.drop_table("classes_carried")
    _advance()
    op.create_index("ix_customer_classes_abc", "customer_classes", ["abc", "customer_id"])
    op.create_index("ix_customer_classes_xyz", "customer_classes", ["xyz", "customer_id"])
    op.create_index("ix_customer_classes_rfm", "customer_classes", ["rfm_segment", "customer_id"])


def downgrade() -> None:
    recency = (
        "CAST(julianday(r.computed_for) - julianday(c.last_purchase) AS INTEGER)"
        if _sqlite()
        else "r.computed_for - c.last_purchase"
    )
    op.execute(
        f"CREATE TABLE classes_carried AS SELECT r.id AS run_id, c.customer_id, c.revenue, c.abc, "
        f"c.xyz, {recency} AS recency_days, {_SCORES} FROM customer_classes c "
        "JOIN class_runs r ON r.id = (SELECT max(id) FROM class_runs)"
    )
    op.drop_table("customer_classes")
    op.create_table(
        "customer_classes",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Float(), server_default="0", nullable=False),
        sa.Column("abc", sa.String(length=1), nullable=True),
        sa.Column("xyz", sa.String(length=1), nullable=True),
        sa.Column("recency_days", sa.Integer(), nullable=True),
        *_scores(),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_classes_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["class_runs.id"],
            name=op.f("fk_customer_classes_run_id_class_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "customer_id", name=op.f("pk_customer_classes")),
    )
    _triggers("customer_classes")
    op.execute(
        f"INSERT INTO customer_classes (run_id, customer_id, revenue, abc, xyz, recency_days, "
        f"{_SCORES}) SELECT run_id, customer_id, revenue, abc, xyz, recency_days, {_SCORES} "
        "FROM classes_carried ORDER BY customer_id"
    )
    op.drop_table("classes_carried")
    _advance()
    for name, cols in (
        ("abc", ["run_id", "abc", "customer_id"]),
        ("rfm", ["run_id", "rfm_segment", "customer_id"]),
        ("xyz", ["run_id", "xyz", "customer_id"]),
    ):
        op.create_index(f"ix_customer_classes_run_{name}", "customer_classes", cols)
