"""Customers' phones normalised to E.164 (``customers.phone_e164``), and an index on the email,
so that ``card +7 912 …`` and ``card office@romashka.ru`` find a customer by an index.

Phones already written in international form (``+7 912 …``) are normalised here; the others
need the configured default region (``[customers] phone_region``) and are filled by the next
import, edit or ``custbot`` run that writes them (storage/contacts.py).

Revision ID: 0014
Revises: 0007
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, select, update

revision = "0014"
down_revision = "0012"  # the head on main (the briefing named 0009; 0007 revises it)
branch_labels = None
depends_on = None


def upgrade() -> None:
    from storage.contacts import normalise_phone

    op.add_column("customers", Column("phone_e164", String(16)))
    op.create_index("ix_customers_phone_e164", "customers", ["phone_e164"])
    op.create_index("ix_customers_email", "customers", ["email"])
    conn = op.get_bind()
    t = Table("customers", MetaData(), Column("id", Integer), Column("phone", String),
              Column("phone_e164", String))  # fmt: skip
    rows = conn.execute(select(t.c.id, t.c.phone).where(t.c.phone.like("+%"))).all()
    values = [{"k": i, "v": e} for i, p in rows if (e := normalise_phone(p, None)) is not None]
    if values:
        stmt = update(t).where(t.c.id == bindparam("k")).values(phone_e164=bindparam("v"))
        conn.execute(stmt, values)


def downgrade() -> None:
    op.drop_index("ix_customers_email", "customers")
    op.drop_index("ix_customers_phone_e164", "customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("phone_e164")
