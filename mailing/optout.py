"""Opt-out and opt-in: a customer who opted out is never mailed again (checked at enqueue and at
send); each change is a batch in the audit log (who, when, the timestamp before and after), so
``undo`` reverts it like any other change.

Example::

    opt_out_by_email(conn, "buyer@example.com", actor)   # -> 1 customer
    opt_out_customer(conn, 77, actor)                    # -> True
    opt_in_customer(conn, 77, actor)                     # -> True (it was opted out)
"""

from __future__ import annotations

from sqlalchemy import Connection, Select, delete, func, select

from mailing.errors import MailingError
from storage.changes import Actor, finish_batch, set_field, start_batch, utcnow
from storage.schema import batches, customers, mail_outbox

__all__ = [
    "SYSTEM",
    "opt_out_by_email",
    "opt_out_customer",
    "opt_in_customer",
    "opt_in_by_email",
    "change_opt_out",
]

# who an opt-out is recorded as when the caller names nobody (the command line's administrator)
SYSTEM = Actor("cli", "cli:local", None, "local administrator (cli)")


def change_opt_out(
    conn: Connection, ids: Select, *, opted_out: bool, actor: Actor, what: str
) -> tuple[int | None, int]:
    """Opt the customers in ``ids`` out (or back in) as one audited batch: (batch id, how many
    changed). Customers already in that state are left alone (an opt-out keeps its first date);
    when nothing changes no batch is written and the batch id is None. An opt-out also skips the
    customers' unclaimed pending mail."""
    c = customers.c
    targets = select(c.id).where(
        c.id.in_(ids.scalar_subquery()),
        c.opted_out_at.is_(None) if opted_out else c.opted_out_at.is_not(None),
    )
    verb = "opt out" if opted_out else "opt in"
    batch = start_batch(conn, actor, action=verb.replace(" ", "-"), description=f"{verb}: {what}")
    changed = set_field(
        conn, batch, "opted_out_at", utcnow() if opted_out else None, targets, source=actor.label
    )
    if not changed:
        conn.execute(delete(batches).where(batches.c.id == batch))
        return None, 0
    finish_batch(conn, batch, changed)
    if opted_out:
        conn.execute(
            mail_outbox.update()
            .where(
                mail_outbox.c.customer_id.in_(ids.scalar_subquery()),
                mail_outbox.c.state == "pending",
                mail_outbox.c.claimed_by.is_(None),
            )
            .values(state="skipped", reason="opted out")
        )
    return batch, changed


def _by_email(email: str) -> tuple[str, Select]:
    address = email.strip().lower().removeprefix("mailto:")
    if "@" not in address:
        raise MailingError(f"{email!r} is not an e-mail address, e.g. buyer@example.com")
    return address, select(customers.c.id).where(
        func.lower(func.trim(customers.c.email)) == address
    )


def opt_out_by_email(conn: Connection, email: str, actor: Actor = SYSTEM) -> int:
    """Opt out every customer with this address (case-insensitive); returns how many have it.

    Example: ``opt_out_by_email(conn, "Buyer@Example.com", actor) == 1``
    """
    address, ids = _by_email(email)
    n = len(conn.execute(ids).all())
    if n:
        change_opt_out(conn, ids, opted_out=True, actor=actor, what=address)
    return n


def opt_in_by_email(conn: Connection, email: str, actor: Actor = SYSTEM) -> int:
    """Opt back in every customer with this address; returns how many were opted out."""
    address, ids = _by_email(email)
    return change_opt_out(conn, ids, opted_out=False, actor=actor, what=address)[1]


def _one(conn: Connection, customer_id: int) -> tuple[Select, str] | None:
    name = conn.scalar(select(customers.c.name).where(customers.c.id == customer_id))
    if name is None:
        return None
    return select(customers.c.id).where(customers.c.id == customer_id), name


def opt_out_customer(conn: Connection, customer_id: int, actor: Actor = SYSTEM) -> bool:
    """Opt out one customer by id; False when there is no such customer.

    Example: ``opt_out_customer(conn, 77, actor) is True``
    """
    found = _one(conn, customer_id)
    if found is None:
        return False
    change_opt_out(conn, found[0], opted_out=True, actor=actor, what=found[1])
    return True


def opt_in_customer(conn: Connection, customer_id: int, actor: Actor = SYSTEM) -> bool:
    """Opt one customer back in; False when it was not opted out (or does not exist)."""
    found = _one(conn, customer_id)
    if found is None:
        return False
    return change_opt_out(conn, found[0], opted_out=False, actor=actor, what=found[1])[1] > 0
