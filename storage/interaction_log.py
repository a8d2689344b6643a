"""What a person records about one customer from the chat: an interaction (a call, a meeting …)
and a follow-up, each an audited batch of one row that ``undo`` takes back.

A logged interaction is a row of ``interactions`` like an imported one, so the card shows it
and the query language counts it (``contacted in last 7 days``) as soon as it is committed. Its
audit row has the field ``interaction`` and, as its value after, the row's id; undoing the
batch deletes the row (``storage.undo`` asks :func:`rows_in_place` and :func:`take_back`).

Example::

    with engine.begin() as conn:
        batch_id, row_id = log_interaction(conn, actor, 1, "call", "agreed on a trial", at=now)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Table, delete, insert, select

from storage.changes import Actor, finish_batch, start_batch
from storage.schema import audit_log, customers, follow_ups, interactions

__all__ = ["KINDS", "ROW_FIELDS", "log_interaction", "audit_row", "rows_in_place", "take_back"]

# the kinds a person may log (the importer knows these and "visit", "quote")
KINDS = ("call", "meeting", "email", "complaint", "note", "visit", "quote")

# audit fields whose value is the id of a row this batch added (undo deletes the row)
ROW_FIELDS: dict[str, Table] = {"interaction": interactions, "follow_up": follow_ups}


def audit_row(
    conn: Connection,
    batch_id: int,
    field: str,
    customer_id: int,
    row_id: int,
    at: datetime,
    source: str,
) -> None:
    """The audit row of a row added for ``customer_id`` (before: none; after: its id)."""
    conn.execute(
        insert(audit_log).values(
            batch_id=batch_id,
            at=at,
            customer_id=customer_id,
            field=field,
            before=None,
            after=str(row_id),
            source=source[:200],
        )
    )


def log_interaction(
    conn: Connection, actor: Actor, customer_id: int, kind: str, note: str, *, at: datetime
) -> tuple[int, int]:
    """Record an interaction by ``actor`` at ``at`` (naive UTC); returns (batch id, row id)."""
    name = conn.execute(select(customers.c.name).where(customers.c.id == customer_id)).scalar_one()
    batch_id = start_batch(
        conn, actor, action="log", description=f"log {kind}: {name}: {note}"[:300]
    )
    row_id: int = conn.execute(
        insert(interactions)
        .values(customer_id=customer_id, date=at, kind=kind, manager_id=actor.manager_id, note=note)
        .returning(interactions.c.id)
    ).scalar_one()
    audit_row(conn, batch_id, "interaction", customer_id, row_id, at, actor.label)
    finish_batch(conn, batch_id, 1)
    return batch_id, row_id


def _audited(conn: Connection, batch_id: int, field: str) -> list[tuple[int, int]]:
    rows = conn.execute(
        select(audit_log.c.customer_id, audit_log.c.after).where(
            audit_log.c.batch_id == batch_id, audit_log.c.field == field
        )
    ).all()
    return [(int(c), int(after)) for c, after in rows if after and after.isdigit()]


def rows_in_place(conn: Connection, batch_id: int, field: str) -> set[int]:
    """The customers whose row added by ``batch_id`` (audit ``field``) is still there."""
    table = ROW_FIELDS[field]
    pairs = _audited(conn, batch_id, field)
    present = set(
        conn.execute(select(table.c.id).where(table.c.id.in_([r for _c, r in pairs]))).scalars()
    )
    return {c for c, r in pairs if r in present}


def take_back(
    conn: Connection, batch_id: int, undo_id: int, field: str, *, at: datetime, source: str
) -> int:
    """Delete the rows ``batch_id`` added (audit ``field``), each with an audit row of the undo
    batch (before: its id; after: none); returns how many were still there."""
    table = ROW_FIELDS[field]
    n = 0
    for customer_id, row_id in _audited(conn, batch_id, field):
        if conn.execute(delete(table).where(table.c.id == row_id)).rowcount:
            conn.execute(
                insert(audit_log).values(
                    batch_id=undo_id,
                    at=at,
                    customer_id=customer_id,
                    field=field,
                    before=str(row_id),
                    after=None,
                    source=source[:200],
                )
            )
            n += 1
    return n
