"""Follow-ups (reminders about one customer, sent once to the author's DM) and a manager's own
time zone for them.

Revision ID: 0013
Revises: 0007
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text

revision = "0013"
down_revision = "0010"  # the head of main (0007 revises 0009)
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("managers") as batch:
        batch.add_column(Column("timezone", String(64)))
    op.create_table(
        "follow_ups",
        Column("id", Integer, primary_key=True),
        Column(
            "customer_id",
            Integer,
            ForeignKey("customers.id", name=op.f("fk_follow_ups_customer_id_customers")),
            nullable=False,
        ),
        Column(
            "manager_id",
            Integer,
            ForeignKey("managers.id", name=op.f("fk_follow_ups_manager_id_managers")),
        ),
        Column("author_key", String(120), nullable=False),
        Column("text", Text, nullable=False, server_default=""),
        Column("due_at", DateTime, nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("reminded_at", DateTime),
        Column("done_at", DateTime),
        Column("batch_id", Integer),
    )
    op.create_index("ix_follow_ups_open_due", "follow_ups", ["done_at", "reminded_at", "due_at"])
    op.create_index("ix_follow_ups_customer", "follow_ups", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_follow_ups_customer", table_name="follow_ups")
    op.drop_index("ix_follow_ups_open_due", table_name="follow_ups")
    op.drop_table("follow_ups")
    with op.batch_alter_table("managers") as batch:
        batch.drop_column("timezone")
