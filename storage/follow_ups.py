"""Follow-ups: a person's reminder about one customer, due at a moment, sent once to their DM.

Setting one is an audited batch (field ``follow_up``, undone like a logged call). A due one is
*claimed* by a conditional UPDATE (``reminded_at`` still NULL) before it is sent, so however
many processes, replicas or restarts look at it, exactly one sends it. Done closes it; snooze
moves it and lets it be claimed again. Times are naive UTC.

Example::

    with engine.begin() as conn:
        batch_id, fid = add_follow_up(conn, actor, "telegram:42", 1, "call about the trial", due)
    with engine.begin() as conn:
        for row in claim_due(conn, now=utcnow()):
            ...  # send it: this process, and only it, claimed it
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from storage.changes import Actor, finish_batch, start_batch
from storage.interaction_log import audit_row
from storage.schema import customers, follow_ups

__all__ = [
    "FollowUp",
    "add_follow_up",
    "claim_due",
    "open_follow_ups",
    "open_for_customer",
    "close",
    "snooze",
    "get",
]


@dataclass(frozen=True)
class FollowUp:
    id: int
    customer_id: int
    customer: str
    author_key: str
    manager_id: int | None
    text: str
    due_at: datetime
    reminded_at: datetime | None
    done_at: datetime | None


_COLUMNS = (
    follow_ups.c.id,
    follow_ups.c.customer_id,
    customers.c.name,
    follow_ups.c.author_key,
    follow_ups.c.manager_id,
    follow_ups.c.text,
    follow_ups.c.due_at,
    follow_ups.c.reminded_at,
    follow_ups.c.done_at,
)
_FROM = follow_ups.join(customers, customers.c.id == follow_ups.c.customer_id)


def _row(r: Any) -> FollowUp:
    return FollowUp(*r)


def add_follow_up(
    conn: Connection,
    actor: Actor,
    author_key: str,
    customer_id: int,
    text: str,
    due_at: datetime,
    *,
    now: datetime,
) -> tuple[int, int]:
    """Set a follow-up (an audited batch of one); returns (batch id, follow-up id)."""
    name = conn.execute(select(customers.c.name).where(customers.c.id == customer_id)).scalar_one()
    batch_id = start_batch(
        conn,
        actor,
        action="follow-up",
        description=f"follow up {name} at {due_at:%Y-%m-%d %H:%M} UTC: {text}"[:300],
    )
    fid: int = conn.execute(
        insert(follow_ups)
        .values(
            customer_id=customer_id,
            manager_id=actor.manager_id,
            author_key=author_key,
            text=text,
            due_at=due_at,
            created_at=now,
            batch_id=batch_id,
        )
        .returning(follow_ups.c.id)
    ).scalar_one()
    audit_row(conn, batch_id, "follow_up", customer_id, fid, now, actor.label)
    finish_batch(conn, batch_id, 1)
    return batch_id, fid


def get(conn: Connection, follow_up_id: int) -> FollowUp | None:
    r = conn.execute(select(*_COLUMNS).select_from(_FROM).where(follow_ups.c.id == follow_up_id))
    found = r.first()
    return _row(found) if found else None


def claim_due(conn: Connection, *, now: datetime, limit: int = 100) -> list[FollowUp]:
    """The open follow-ups due by ``now`` that this caller claimed (and only it: each is taken by
    an UPDATE that succeeds for one caller only), oldest first."""
    due = conn.execute(
        select(follow_ups.c.id)
        .where(
            follow_ups.c.done_at.is_(None),
            follow_ups.c.reminded_at.is_(None),
            follow_ups.c.due_at <= now,
        )
        .order_by(follow_ups.c.due_at, follow_ups.c.id)
        .limit(limit)
    ).scalars()
    claimed = []
    for fid in list(due):
        taken = conn.execute(
            update(follow_ups)
            .where(
                follow_ups.c.id == fid,
                follow_ups.c.reminded_at.is_(None),
                follow_ups.c.done_at.is_(None),
            )
            .values(reminded_at=now)
        ).rowcount
        if taken == 1:
            claimed.append(fid)
    return [f for f in (get(conn, fid) for fid in claimed) if f is not None]


def open_follow_ups(
    conn: Connection, author_key: str, manager_id: int | None, *, limit: int = 50
) -> list[FollowUp]:
    """The open follow-ups of a person (set by them, or for them as the manager), soonest first."""
    mine = follow_ups.c.author_key == author_key
    if manager_id is not None:
        mine = or_(mine, follow_ups.c.manager_id == manager_id)
    rows = conn.execute(
        select(*_COLUMNS)
        .select_from(_FROM)
        .where(mine, follow_ups.c.done_at.is_(None))
        .order_by(follow_ups.c.due_at, follow_ups.c.id)
        .limit(limit)
    )
    return [_row(r) for r in rows]


def open_for_customer(conn: Connection, customer_id: int, *, limit: int = 5) -> list[FollowUp]:
    """A customer's open follow-ups (anyone's), soonest first."""
    rows = conn.execute(
        select(*_COLUMNS)
        .select_from(_FROM)
        .where(follow_ups.c.customer_id == customer_id, follow_ups.c.done_at.is_(None))
        .order_by(follow_ups.c.due_at, follow_ups.c.id)
        .limit(limit)
    )
    return [_row(r) for r in rows]


def close(conn: Connection, follow_up_id: int, *, now: datetime) -> bool:
    """Mark it done; False when it was done already (or is gone)."""
    return (
        conn.execute(
            update(follow_ups)
            .where(follow_ups.c.id == follow_up_id, follow_ups.c.done_at.is_(None))
            .values(done_at=now)
        ).rowcount
        == 1
    )


def snooze(conn: Connection, follow_up_id: int, *, until: datetime) -> bool:
    """Move an open follow-up to ``until``; it will be sent (once) again then."""
    return (
        conn.execute(
            update(follow_ups)
            .where(follow_ups.c.id == follow_up_id, follow_ups.c.done_at.is_(None))
            .values(due_at=until, reminded_at=None)
        ).rowcount
        == 1
    )
