"""Mail outbox: record when an attempt reaches SMTP DATA, before DATA is sent.

``data_at`` is set in the same statement that re-checks the opt-out right before DATA and is
cleared when the attempt's outcome (sent, failed, retry) is written. A pending row taken over
from a dead sender with ``data_at`` set may already have been delivered (the only duplicate
window SMTP leaves: after the server accepted DATA, before the 'sent' mark committed); one
without it was never handed to the server and is sent again safely.

Revision ID: 0007
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.add_column(sa.Column("data_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox") as batch:
        batch.drop_column("data_at")
