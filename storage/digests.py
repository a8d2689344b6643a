"""The ``[[digests]]`` of the configuration as rows of ``subscriptions`` (kind ``digest``, by
name), so that they are scheduled, claimed and listed like every other subscription.

Example::

    with engine.begin() as conn:
        sync_digests(conn, [DigestDefinition("morning", "vip", "daily 8:00", "0 8 * * *",
                                             "Europe/Moscow", "en", True, False)],
                     lambda cron, tz: next_run_after(cron, tz, now), now)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from storage.schema import subscriptions
from storage.subscriptions import add, deactivate

__all__ = ["DigestDefinition", "sync_digests"]


@dataclass(frozen=True)
class DigestDefinition:
    """A digest of the configuration, as :func:`sync_digests` stores it."""

    name: str
    query: str
    schedule: str
    cron: str
    tz: str
    language: str
    with_reps: bool
    send_empty: bool


def sync_digests(
    conn: Connection,
    definitions: Iterable[DigestDefinition],
    first_run: Callable[[str, str], datetime],
    now: datetime,
) -> None:
    """Make the configured digests rows (by name): new or rescheduled ones start at
    ``first_run(cron, tz)``; ones no longer configured stop."""
    wanted = {d.name: d for d in definitions}
    existing = {
        r.name: r
        for r in conn.execute(
            select(subscriptions).where(
                subscriptions.c.kind == "digest", subscriptions.c.name.is_not(None)
            )
        )
    }
    for name, old in existing.items():
        if name not in wanted and old.active:
            deactivate(conn, old.id)
    for name, d in wanted.items():
        values = {
            "query": d.query,
            "schedule": d.schedule,
            "language": d.language,
            "with_reps": d.with_reps,
            "send_empty": d.send_empty,
            "active": True,
        }
        row = existing.get(name)
        if row is None:
            add(
                conn,
                owner=None,
                next_run_at=first_run(d.cron, d.tz),
                kind="digest",
                name=name,
                cron=d.cron,
                tz=d.tz,
                created_at=now,
                **values,
            )
        elif (row.cron, row.tz) != (d.cron, d.tz) or not row.active:
            conn.execute(
                update(subscriptions)
                .where(subscriptions.c.id == row.id)
                .values(cron=d.cron, tz=d.tz, next_run_at=first_run(d.cron, d.tz), **values)
            )
        else:
            conn.execute(update(subscriptions).where(subscriptions.c.id == row.id).values(**values))
