"""Named leases in ``scheduler_locks``: one holder at a time across processes and replicas, for a
bounded time, so a dead holder's lease expires by itself.

Example::

    if take_lease(engine, "recompute", holder, timedelta(hours=1)):
        try:
            ...
        finally:
            release_lease(engine, "recompute", holder)
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.changes import utcnow
from storage.schema import scheduler_locks

__all__ = ["release_lease", "take_lease"]


def take_lease(engine: Engine, name: str, holder: str, ttl: timedelta) -> bool:
    """Take the named lease if it is free or expired; True when ``holder`` now has it.

    >>> take_lease(engine, "recompute", "host:1", timedelta(hours=1))
    True
    """
    now = utcnow()
    insert_cls = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    with engine.begin() as conn:
        conn.execute(
            insert_cls(scheduler_locks)
            .values(name=name, holder=None, until=None)
            .on_conflict_do_nothing(index_elements=["name"])
        )
    with engine.begin() as conn:
        taken = conn.execute(
            update(scheduler_locks)
            .where(
                scheduler_locks.c.name == name,
                or_(scheduler_locks.c.until.is_(None), scheduler_locks.c.until < now),
            )
            .values(holder=holder, until=now + ttl)
        ).rowcount
    return taken == 1


def release_lease(
    engine: Engine, name: str, holder: str, cooldown: timedelta = timedelta(0)
) -> None:
    """Let the lease go (after ``cooldown``), only if ``holder`` still has it."""
    with engine.begin() as conn:
        conn.execute(
            update(scheduler_locks)
            .where(scheduler_locks.c.name == name, scheduler_locks.c.holder == holder)
            .values(until=utcnow() + cooldown if cooldown > timedelta(0) else None)
        )
