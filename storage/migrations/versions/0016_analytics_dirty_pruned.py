"""``analytics_dirty_orders`` is pruned: the id it was pruned through is kept, so that a copy
that last read below it knows it cannot replay the changes and reloads orders and lines whole.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import BigInteger, Column, Integer, PrimaryKeyConstraint

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_dirty_pruned",
        Column("id", Integer, nullable=False, autoincrement=False),
        Column("through", BigInteger, nullable=False),
        PrimaryKeyConstraint("id", name=op.f("pk_analytics_dirty_pruned")),
    )


def downgrade() -> None:
    op.drop_table("analytics_dirty_pruned")
