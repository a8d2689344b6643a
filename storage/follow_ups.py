"""Follow-ups: a person's reminder about one customer, due at a moment, sent once to their DM.

Setting one is an audited batch (field ``follow_up``, undone like a logged call). A due one is
*claimed* by a conditional UPDATE (``reminded_at`` still NULL) before it is sent, so however
many processes, replicas or restarts look at it, exactly one sends it. Done closes it; snooze
moves it and lets it be claimed again; each of the two is an audited batch (field
``follow_up_state``) that ``undo`` reverses while nobody moved the follow-up since. Times are naive UTC.

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
from storage.schema import audit_log, customers, follow_ups

__all__ = [
    "FollowUp",
    "add_follow_up",
    "claim_due",
    "open_follow_ups",
    "open_for_customer",
    "close",
    "snooze",
    "get",
    "STATE_FIELD",
    "revert_state",
    "state_in_place",
]

# the audit field of a Done or Snooze: the follow-up's state before and after
STATE_FIELD = "follow_up_state"


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


def _state(conn: Connection, follow_up_id: int) -> Any:
    return conn.execute(
        select(
            follow_ups.c.customer_id,
            follow_ups.c.text,
            follow_ups.c.due_at,
            follow_ups.c.reminded_at,
            follow_ups.c.done_at,
            customers.c.name,
        )
        .select_from(_FROM)
        .where(follow_ups.c.id == follow_up_id)
    ).first()


def encode_state(follow_up_id: int, due_at: datetime, reminded_at: Any, done_at: Any) -> str:
    """A follow-up's state as one audit value: ``id|due|reminded|done`` (ISO, empty for none)."""
    return "|".join(
        [str(follow_up_id)] + [v.isoformat() if v else "" for v in (due_at, reminded_at, done_at)]
    )


def decode_state(value: str) -> tuple[int, dict[str, datetime | None]]:
    fid, *times = value.split("|")
    names = ("due_at", "reminded_at", "done_at")
    return int(fid), {
        n: datetime.fromisoformat(t) if t else None for n, t in zip(names, times, strict=True)
    }


def _move(
    conn: Connection,
    follow_up_id: int,
    actor: Actor,
    verb: str,
    values: dict[str, datetime | None],
    at: datetime,
) -> int | None:
    """Change an open follow-up's times as one audited batch (field ``follow_up_state``, the
    states before and after; described ``verb: name: text``) that ``undo`` reverses; None when
    it is done already or gone."""
    before = _state(conn, follow_up_id)
    if before is None or before.done_at is not None:
        return None
    moved = conn.execute(
        update(follow_ups)
        .where(follow_ups.c.id == follow_up_id, follow_ups.c.done_at.is_(None))
        .values(**values)
    ).rowcount
    if moved != 1:
        return None
    after = {"due_at": before.due_at, "reminded_at": before.reminded_at, "done_at": None, **values}
    description = f"{verb}: {_what(before)}"[:300]
    batch_id = start_batch(conn, actor, action="follow-up", description=description)
    conn.execute(
        insert(audit_log).values(
            batch_id=batch_id,
            at=at,
            customer_id=before.customer_id,
            field=STATE_FIELD,
            before=encode_state(follow_up_id, before.due_at, before.reminded_at, None),
            after=encode_state(
                follow_up_id, after["due_at"], after["reminded_at"], after["done_at"]
            ),
            source=actor.label[:200],
        )
    )
    finish_batch(conn, batch_id, 1)
    return batch_id


def _what(found: Any) -> str:
    """``name: text`` of a follow-up for a batch's description (the name alone without text)."""
    return f"{found.name}: {found.text}" if found.text else str(found.name)


def close(conn: Connection, follow_up_id: int, *, now: datetime, actor: Actor) -> int | None:
    """Mark it done, an audited batch (returned); None when it was done already (or is gone)."""
    return _move(conn, follow_up_id, actor, "follow-up done", {"done_at": now}, now)


def snooze(
    conn: Connection, follow_up_id: int, *, until: datetime, now: datetime, actor: Actor
) -> int | None:
    """Move an open follow-up to ``until``; it will be sent (once) again then. An audited batch
    (returned); None when it is done already (or gone)."""
    return _move(
        conn,
        follow_up_id,
        actor,
        f"follow-up snoozed to {until:%Y-%m-%d %H:%M} UTC",
        {"due_at": until, "reminded_at": None},
        now,
    )


def _as_left(conn: Connection, after: str) -> bool:
    """Whether the follow-up of the audit value ``after`` is still in that state."""
    fid, _then = decode_state(after)
    now = _state(conn, fid)
    return now is not None and encode_state(fid, now.due_at, now.reminded_at, now.done_at) == after


def revert_state(
    conn: Connection, batch_id: int, undo_id: int, *, at: datetime, source: str
) -> set[int]:
    """Undo a Done or Snooze: put each follow-up of ``batch_id`` back to its state before, where
    it is still in the state the batch left (nobody moved it since); audited in ``undo_id``.
    Returns the customers reverted."""
    rows = conn.execute(
        select(audit_log.c.customer_id, audit_log.c.before, audit_log.c.after).where(
            audit_log.c.batch_id == batch_id, audit_log.c.field == STATE_FIELD
        )
    ).all()
    done: set[int] = set()
    for customer_id, before, after in rows:
        if not _as_left(conn, after):
            continue
        fid, then = decode_state(before)
        conn.execute(update(follow_ups).where(follow_ups.c.id == fid).values(**then))
        conn.execute(
            insert(audit_log).values(
                batch_id=undo_id,
                at=at,
                customer_id=customer_id,
                field=STATE_FIELD,
                before=after,
                after=before,
                source=source[:200],
            )
        )
        done.add(customer_id)
    return done


def state_in_place(conn: Connection, batch_id: int) -> set[int]:
    """The customers whose follow-up is still as ``batch_id`` left it (what undo can revert)."""
    rows = conn.execute(
        select(audit_log.c.customer_id, audit_log.c.after).where(
            audit_log.c.batch_id == batch_id, audit_log.c.field == STATE_FIELD
        )
    ).all()
    return {customer_id for customer_id, after in rows if _as_left(conn, after)}
