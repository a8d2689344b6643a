"""SQLite: store every timestamp in SQLAlchemy's one text form, ``YYYY-MM-DD HH:MM:SS.ffffff``.

Bulk loads (imports, the generator) once wrote timestamps through the driver, which drops a zero
fraction (``2026-10-01 00:00:00``). SQLite compares timestamps as text, so such a row sorted
before a bound ``2026-10-01 00:00:00.000000``: an interaction at midnight on the first day of a
period was left out of it, and one at midnight after its last day was counted in. This appends
the missing fraction; PostgreSQL has real timestamp types and is not touched.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import DateTime, inspect

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    from storage.schema import metadata

    # the columns this database has at this revision: a later migration may add to the schema
    found = inspect(op.get_bind())
    present = {t: {c["name"] for c in found.get_columns(t)} for t in found.get_table_names()}
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, DateTime) and column.name in present.get(table.name, ()):
                op.execute(
                    f'UPDATE "{table.name}" SET "{column.name}" = "{column.name}" || \'.000000\' '
                    f'WHERE length("{column.name}") = 19'
                )


def downgrade() -> None:
    """Nothing to undo: the longer form is what SQLAlchemy itself writes."""
