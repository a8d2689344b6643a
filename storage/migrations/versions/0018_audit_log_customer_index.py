"""The audit log's per-customer index is ``(customer_id, id)`` instead of ``(customer_id, at)``.

A bulk change of 100,000 customers spread over a base of 1,000,000 inserts an entry into this
index for each of them, in nearly every leaf page, so the pages it writes (and SQLite checkpoints
at the commit) grow with the audit log. The timestamp on SQLite is 26 characters of text; the
row id is a few bytes and orders a customer's rows by when they were written just as well (the
later-change test of undo compares ids). At 3.1M audit rows on SQLite the index is 2.5× smaller,
and a 100,000-customer change's audit insert went from 0.6 s to 0.25 s and its commit from
1.8 s to 1.1 s (docs/benchmarks.md).

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_audit_log_customer_at", table_name="audit_log")
    op.create_index("ix_audit_log_customer", "audit_log", ["customer_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_customer", table_name="audit_log")
    op.create_index("ix_audit_log_customer_at", "audit_log", ["customer_id", "at"])
