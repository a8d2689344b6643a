"""Segment watches: the watch, its membership snapshot and who entered or left at each run.

Revision ID: 0012
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
# the head of main when this was written (0009 → 0007); the merge re-chains it as needed
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat", sa.String(160), nullable=False),
        sa.Column("owner_key", sa.String(160), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("query_language", sa.String(8), nullable=False, server_default="en"),
        sa.Column("language", sa.String(8), nullable=False, server_default="en"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("data_generation", sa.BigInteger(), nullable=True),
        sa.Column("last_customer_id", sa.Integer(), nullable=True),
        sa.Column("last_audit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["managers.id"], name=op.f("fk_watches_owner_id_managers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watches")),
    )
    op.create_table(
        "watch_members",
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["watch_id"], ["watches.id"], name=op.f("fk_watch_members_watch_id_watches")
        ),
        sa.PrimaryKeyConstraint("watch_id", "customer_id", name=op.f("pk_watch_members")),
    )
    op.create_table(
        "watch_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("run_no", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("entered", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(
            ["watch_id"], ["watches.id"], name=op.f("fk_watch_changes_watch_id_watches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_changes")),
    )
    op.create_index(
        "ix_watch_changes_watch_id_run_no_customer_id",
        "watch_changes",
        ["watch_id", "run_no", "customer_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_watch_changes_watch_id_run_no_customer_id", table_name="watch_changes")
    op.drop_table("watch_changes")
    op.drop_table("watch_members")
    op.drop_table("watches")
