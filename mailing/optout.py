"""Opt-out: a customer who opted out is never mailed again (checked at enqueue and at send).

Example::

    opt_out_by_email(conn, "buyer@example.com")   # -> 1 customer
    opt_out_customer(conn, 77)                     # -> True
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from mailing.errors import MailingError
from storage.schema import customers, mail_outbox

__all__ = ["opt_out_by_email", "opt_out_customer"]


def _opt_out(conn: Connection, ids: list[int]) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    c = customers.c
    conn.execute(
        customers.update().where(c.id.in_(ids), c.opted_out_at.is_(None)).values(opted_out_at=now)
    )
    conn.execute(
        mail_outbox.update()
        .where(
            mail_outbox.c.customer_id.in_(ids),
            mail_outbox.c.state == "pending",
            mail_outbox.c.claimed_by.is_(None),
        )
        .values(state="skipped", reason="opted out")
    )


def opt_out_by_email(conn: Connection, email: str) -> int:
    """Opt out every customer with this address (case-insensitive); returns how many.

    Example: ``opt_out_by_email(conn, "Buyer@Example.com") == 1``
    """
    address = email.strip().lower().removeprefix("mailto:")
    if "@" not in address:
        raise MailingError(f"{email!r} is not an e-mail address, e.g. buyer@example.com")
    ids = list(
        conn.scalars(
            select(customers.c.id).where(func.lower(func.trim(customers.c.email)) == address)
        )
    )
    if ids:
        _opt_out(conn, ids)
    return len(ids)


def opt_out_customer(conn: Connection, customer_id: int) -> bool:
    """Opt out one customer by id; False when there is no such customer.

    Example: ``opt_out_customer(conn, 77) is True``
    """
    if conn.scalar(select(customers.c.id).where(customers.c.id == customer_id)) is None:
        return False
    _opt_out(conn, [customer_id])
    return True
