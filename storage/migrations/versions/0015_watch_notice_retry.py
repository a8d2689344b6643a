"""A segment watch's notice that a front end did not take is retried with backoff: the run
still to tell, how many attempts, when the next one is, and why the last one failed.

Revision ID: 0015
Revises: 0013
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Column, DateTime, Integer, String

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.add_column(Column("unsent_run", Integer))
        batch.add_column(Column("notice_attempts", Integer, nullable=False, server_default="0"))
        batch.add_column(Column("notice_retry_at", DateTime))
        batch.add_column(Column("notice_error", String(300)))


def downgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        for name in ("notice_error", "notice_retry_at", "notice_attempts", "unsent_run"):
            batch.drop_column(name)
