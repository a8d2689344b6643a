"""Loyalty points and tiers: ``customers.tier`` (changed by the recompute, audited like the
rating) and the ``loyalty_points`` ledger (what each order earned, rebuilt from the orders; no
foreign keys, see ``storage/schema.py``).

Revision ID: 0010
Revises: 0007
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import (
    Column,
    Date,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
)

revision = "0010"
down_revision = "0014"  # the head on main (0007 follows 0009 there); the lead re-chains
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("customers", Column("tier", String(40)))
    op.create_table(
        "loyalty_points",
        Column("order_id", Integer, nullable=False),
        Column("customer_id", Integer, nullable=False),
        Column("date", Date, nullable=False),
        Column("points", Integer, nullable=False),
        PrimaryKeyConstraint("order_id", name=op.f("pk_loyalty_points")),
        Index("ix_loyalty_points_customer_date", "customer_id", "date", "points"),
    )


def downgrade() -> None:
    op.drop_table("loyalty_points")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("tier")
