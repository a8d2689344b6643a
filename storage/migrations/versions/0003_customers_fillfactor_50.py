"""PostgreSQL: leave room in customers' pages for a new version of their rows, so a bulk change is HOT.

Inside one transaction the old row versions cannot be pruned, so a page needs free space for the
new version of each row that changes. Fillfactor 70 (0002) left room for about half a page's rows:
rating 75,000 of 100,000 customers was a HOT update for only 54% of them, and each of the others
added an entry to all ten indexes of customers (the UPDATE took 1.3 s). At fillfactor 50 all
75,000 were HOT: 0.23 s (docs/benchmarks.md). The table takes 40% more pages right after a load,
about what the first bulk change at 70 grew it to anyway; a count over its customers measured the
same.

Only pages written from now on are affected; ``VACUUM FULL customers`` (an exclusive lock for the
length of a rewrite) applies it to the rows already stored.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE customers SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE customers SET (fillfactor = 70)")
