"""Subscriptions and digests: answers the bot posts on a schedule, and one row per delivery of a
scheduled run whose unique ``run_key`` makes replicas send it once (docs/subscriptions.md).

Revision ID: 0011
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), server_default="post", nullable=False),
        sa.Column("name", sa.String(length=80), nullable=True),
        sa.Column("owner_platform", sa.String(length=10), nullable=True),
        sa.Column("owner_user", sa.String(length=64), nullable=True),
        sa.Column("owner_team", sa.String(length=32), nullable=True),
        sa.Column("chat", sa.String(length=120), nullable=True),
        sa.Column("channel", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("output", sa.String(length=8), server_default="answer", nullable=False),
        sa.Column("language", sa.String(length=8), server_default="en", nullable=False),
        sa.Column("schedule", sa.String(length=120), nullable=False),
        sa.Column("cron", sa.String(length=80), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("team_lead_id", sa.Integer(), nullable=True),
        sa.Column("with_reps", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("send_empty", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_lead_id"],
            ["managers.id"],
            name=op.f("fk_subscriptions_team_lead_id_managers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("name", name=op.f("uq_subscriptions_name")),
    )
    op.create_index(
        op.f("ix_subscriptions_next_run_at"), "subscriptions", ["next_run_at"], unique=False
    )
    op.create_table(
        "subscription_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("run_key", sa.String(length=200), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(), nullable=False),
        sa.Column("recipient", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_subscription_runs_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_runs")),
        sa.UniqueConstraint("run_key", name=op.f("uq_subscription_runs_run_key")),
    )
    op.create_index(
        op.f("ix_subscription_runs_subscription_id"),
        "subscription_runs",
        ["subscription_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("subscription_runs")
    op.drop_table("subscriptions")
