"""Subscriptions and digests as rows: what to post where and when, and one row per delivery.

A subscription's ``next_run_at`` is the scheduled run still to do. Every delivery of a run is
*claimed* by inserting its ``subscription_runs`` row, whose ``run_key`` is unique: of two
replicas (or a restarted process) that reach the same run, exactly one inserts it and sends.

Example::

    with engine.begin() as conn:
        sid = add(conn, query="vip Moscow", schedule="every monday 9:00", cron="0 9 * * mon",
                  tz="Europe/Moscow", next_run_at=datetime(2026, 11, 23, 6), chat="telegram:42",
                  owner=("telegram", "42", None), created_at=now)
        for sub in due(conn, datetime(2026, 11, 23, 6, 5)):
            if claim(conn, sub.id, run_key(sub.id, sub.next_run_at, "telegram:42"), …):
                ...
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.schema import subscription_runs, subscriptions

__all__ = [
    "Subscription",
    "add",
    "owned_by",
    "get",
    "deactivate",
    "due",
    "advance",
    "run_key",
    "claim",
    "finish",
    "retries_due",
    "take_retry",
    "last_runs",
]

Owner = tuple[str, str, str | None]  # platform, user id, Slack team


@dataclass(frozen=True)
class Subscription:
    id: int
    kind: str  # "post" or "digest"
    name: str | None
    owner: Owner | None  # None: a digest of the configuration
    chat: str | None
    channel: bool
    query: str
    output: str  # "answer", "csv" or "xlsx"
    language: str
    schedule: str
    cron: str
    tz: str
    team_lead_id: int | None
    with_reps: bool
    send_empty: bool
    next_run_at: datetime
    active: bool

    @classmethod
    def of(cls, row: Row[Any]) -> Subscription:
        owner = (row.owner_platform, row.owner_user, row.owner_team) if row.owner_user else None
        return cls(
            row.id,
            row.kind,
            row.name,
            owner,
            row.chat,
            bool(row.channel),
            row.query,
            row.output,
            row.language,
            row.schedule,
            row.cron,
            row.tz,
            row.team_lead_id,
            bool(row.with_reps),
            bool(row.send_empty),
            row.next_run_at,
            bool(row.active),
        )


def add(
    conn: Connection,
    *,
    owner: Owner | None,
    next_run_at: datetime,
    created_at: datetime,
    **values: Any,
) -> int:
    """Store a subscription (the columns of ``subscriptions`` as keywords); its id."""
    platform, user, team = owner or (None, None, None)
    return int(
        conn.execute(
            insert(subscriptions)
            .values(
                owner_platform=platform,
                owner_user=user,
                owner_team=team,
                next_run_at=next_run_at,
                created_at=created_at,
                **values,
            )
            .returning(subscriptions.c.id)
        ).scalar_one()
    )


def _owner_is(owner: Owner) -> Any:
    platform, user, team = owner
    where = [subscriptions.c.owner_platform == platform, subscriptions.c.owner_user == user]
    if team is not None:
        where.append(subscriptions.c.owner_team == team)
    return and_(*where)


def owned_by(conn: Connection, owner: Owner) -> list[Subscription]:
    """The active subscriptions and digests ``owner`` made, oldest first."""
    rows = conn.execute(
        select(subscriptions)
        .where(_owner_is(owner), subscriptions.c.active.is_(True))
        .order_by(subscriptions.c.id)
    )
    return [Subscription.of(r) for r in rows]


def get(conn: Connection, sub_id: int) -> Subscription | None:
    row = conn.execute(select(subscriptions).where(subscriptions.c.id == sub_id)).first()
    return Subscription.of(row) if row else None


def deactivate(conn: Connection, sub_id: int) -> None:
    """Stop a subscription (its runs stay, as the record of what was sent)."""
    conn.execute(update(subscriptions).where(subscriptions.c.id == sub_id).values(active=False))


def due(conn: Connection, now: datetime) -> list[Subscription]:
    """Active subscriptions whose scheduled run is at or before ``now`` (naive UTC)."""
    rows = conn.execute(
        select(subscriptions)
        .where(subscriptions.c.active.is_(True), subscriptions.c.next_run_at <= now)
        .order_by(subscriptions.c.next_run_at, subscriptions.c.id)
    )
    return [Subscription.of(r) for r in rows]


def advance(conn: Connection, sub_id: int, done: datetime, next_at: datetime) -> bool:
    """Move the subscription past its run ``done`` (only if no one else did)."""
    moved = conn.execute(
        update(subscriptions)
        .where(subscriptions.c.id == sub_id, subscriptions.c.next_run_at == done)
        .values(next_run_at=next_at)
    ).rowcount
    return bool(moved == 1)


def run_key(sub_id: int, scheduled_for: datetime, recipient: str) -> str:
    """The key of one delivery of one scheduled run: the same on every replica."""
    return f"{sub_id}@{scheduled_for:%Y-%m-%dT%H:%M}>{recipient}"[:200]


def claim(
    conn: Connection,
    sub_id: int,
    key: str,
    scheduled_for: datetime,
    recipient: str,
    now: datetime,
) -> bool:
    """Insert the delivery's row as ``sending``; False when it exists (someone has it)."""
    insert_cls = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    inserted = conn.execute(
        insert_cls(subscription_runs)
        .values(
            subscription_id=sub_id,
            run_key=key,
            scheduled_for=scheduled_for,
            recipient=recipient[:120],
            status="sending",
            attempts=0,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["run_key"])
        .returning(subscription_runs.c.id)
    ).first()
    return inserted is not None


def finish(
    conn: Connection,
    key: str,
    status: str,
    now: datetime,
    *,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """Record how a delivery went: sent, empty, skipped, failed (retried at ``retry_at``) or
    gave_up; a failure counts as one more attempt."""
    failed = status in ("failed", "gave_up")
    conn.execute(
        update(subscription_runs)
        .where(subscription_runs.c.run_key == key)
        .values(
            status=status,
            error=error[:300] if error else None,
            next_attempt_at=retry_at,
            updated_at=now,
            attempts=subscription_runs.c.attempts + (1 if failed else 0),
        )
    )


def retries_due(conn: Connection, now: datetime) -> list[Row[Any]]:
    """Failed deliveries whose next attempt is due, with their subscription's id."""
    return list(
        conn.execute(
            select(subscription_runs).where(
                subscription_runs.c.status == "failed",
                subscription_runs.c.next_attempt_at <= now,
            )
        )
    )


def take_retry(conn: Connection, key: str, attempts: int, now: datetime) -> bool:
    """Take a failed delivery for another attempt; False when another process took it."""
    taken = conn.execute(
        update(subscription_runs)
        .where(
            subscription_runs.c.run_key == key,
            subscription_runs.c.status == "failed",
            subscription_runs.c.attempts == attempts,
        )
        .values(status="sending", updated_at=now)
    ).rowcount
    return bool(taken == 1)


def last_runs(conn: Connection, sub_ids: Iterable[int]) -> dict[int, tuple[Row[Any], int]]:
    """Per subscription: its latest delivery and how many of its deliveries failed for good or
    are waiting for a retry."""
    ids = list(sub_ids)
    if not ids:
        return {}
    rows = conn.execute(
        select(subscription_runs)
        .where(subscription_runs.c.subscription_id.in_(ids))
        .order_by(subscription_runs.c.updated_at, subscription_runs.c.id)
    ).all()
    out: dict[int, tuple[Row[Any], int]] = {}
    for row in rows:
        failures = out.get(row.subscription_id, (row, 0))[1]
        out[row.subscription_id] = (row, failures + (row.status in ("failed", "gave_up")))
    return out
