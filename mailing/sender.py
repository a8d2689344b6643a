"""SMTP delivery from the outbox: each message once, except in the one window SMTP leaves open.

Per message, on one SMTP connection and one autocommitting database connection:

1. MAIL FROM and RCPT TO.
2. Right before DATA, one UPDATE re-checks that the customer has not opted out or been
   archived and that the mailing is not cancelled, counts the attempt, records ``data_at`` and
   renews the lease. If it matches nothing, the SMTP transaction is reset and the row skipped.
3. DATA. 4. On the server's 250 the row is marked sent at once: that commit overlaps the next
   message's MAIL FROM and RCPT TO, and the next check before DATA waits for it.

A sender killed anywhere before the server accepted DATA leaves a row the next sender sends
once. Killed after the server accepted DATA and before the 'sent' mark commits (about a
millisecond; ``benchmarks/mail_kill.py`` measures it), the row is sent again, with the same
Message-ID, so a receiving server or a person can recognise the duplicate. At most one message
per sender is ever in that window.

Rows are claimed in small batches (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, one
``UPDATE … WHERE id IN (SELECT … LIMIT n)`` under SQLite's write lock) with a short lease that a
heartbeat renews while the sender lives, so a dead sender's rows are taken over within
``lease_seconds``.

Example::

    stats = send_pending(engine, settings.smtp, worker_id="host:1234")
    stats.sent, stats.retried, stats.failed
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, func, or_, select

from mailing.errors import MailingError
from mailing.message import build_message
from mailing.outbox import utc_naive
from mailing.settings import SmtpSettings
from mailing.smtp import Permanent, SmtpConnection, Temporary
from mailing.unsubscribe import one_click_secret
from storage.schema import customers, mail_outbox, mailings

__all__ = ["SendStats", "send_pending", "backoff", "BATCH", "LEASE_SECONDS"]

log = logging.getLogger(__name__)
o = mail_outbox.c
BATCH = 20  # rows per claim: what a dead sender holds back until its lease expires
LEASE_SECONDS = 15  # renewed every third of it while the sender lives


@dataclass
class SendStats:
    sent: int = 0
    retried: int = 0  # temporary failures, tried again later
    failed: int = 0  # permanent failures, or out of attempts
    skipped: int = 0  # opted out, archived or cancelled since they were enqueued
    resumed: int = 0  # sent again after a sender died during DATA: possibly a duplicate
    error: str | None = None  # why the pass stopped early (e.g. the server is unreachable)


def backoff(attempt: int) -> timedelta:
    """Wait before retry number ``attempt`` (1, 2, …): 1, 2, 4, … minutes, at most an hour."""
    return timedelta(seconds=min(3600, 60 * 2 ** max(0, attempt - 1)))


def _claim(engine: Engine, worker_id: str, now: datetime, n: int, lease: int) -> list[Any]:
    cutoff = now - timedelta(seconds=lease)
    free = and_(
        o.state == "pending",
        or_(o.next_attempt_at.is_(None), o.next_attempt_at <= now),
        or_(o.claimed_by.is_(None), o.claimed_at < cutoff),
    )
    inner = select(o.id).where(free).order_by(o.id).limit(n)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Lock first, then update: inside one UPDATE a rescanned LIMIT … SKIP LOCKED
            # subquery can hand out more than n rows.
            picked: Any = list(conn.scalars(inner.with_for_update(skip_locked=True)))
        else:  # one statement under SQLite's write lock is atomic
            picked = inner.scalar_subquery()
        ids = list(
            conn.scalars(
                mail_outbox.update()
                .where(o.id.in_(picked), free)
                .values(claimed_by=worker_id, claimed_at=now)
                .returning(o.id)
            )
        )
        if not ids:
            return []
        columns = (o.id, o.mailing_id, o.run_no, o.customer_id, o.to_address, o.subject, o.body)
        return list(
            conn.execute(
                select(*columns, o.attempts, o.data_at).where(o.id.in_(ids)).order_by(o.id)
            )
        )


def _sendable() -> Any:
    """The customer may still be mailed and the mailing still runs (read at this very moment)."""
    c, m = customers.c, mailings.c
    return and_(
        exists().where(c.id == o.customer_id, c.opted_out_at.is_(None), c.status != "archived"),
        exists().where(m.id == o.mailing_id, m.status != "cancelled"),
    )


def _begin_data(db: Connection, row: Any, worker_id: str, now: datetime) -> bool:
    """The step right before DATA: re-check the opt-out, count the attempt, record ``data_at``."""
    return bool(
        db.execute(
            mail_outbox.update()
            .where(o.id == row.id, o.claimed_by == worker_id, o.state == "pending", _sendable())
            .values(attempts=row.attempts + 1, data_at=now, claimed_at=now)
        ).rowcount
    )


def _why_not(db: Connection, row: Any, worker_id: str) -> str | None:
    """Why ``_begin_data`` matched nothing; None when the row is no longer ours to settle."""
    r = db.execute(
        select(
            o.claimed_by,
            o.state,
            customers.c.opted_out_at,
            customers.c.status,
            mailings.c.status.label("mailing_status"),
        )
        .join(customers, customers.c.id == o.customer_id)
        .join(mailings, mailings.c.id == o.mailing_id)
        .where(o.id == row.id)
    ).first()
    if r is None or r.claimed_by != worker_id or r.state != "pending":
        return None
    if r.mailing_status == "cancelled":
        return "mailing cancelled"
    return "opted out" if r.opted_out_at is not None else "archived"


def _mark(db: Connection, row: Any, worker_id: str, **values: Any) -> None:
    """Write an attempt's outcome (and clear ``data_at``), if the row is still ours."""
    db.execute(
        mail_outbox.update()
        .where(o.id == row.id, o.claimed_by == worker_id)
        .values(data_at=None, **values)
    )


class _Writer:
    """Every database write of a pass, on one autocommitting connection, by one thread, one at a
    time. A 'sent' mark is handed over without waiting (``later``): its commit overlaps the next
    message's MAIL FROM and RCPT TO, and the next ``now`` (the check before DATA) waits for it,
    so a message is never handed to the server while the previous one is still unmarked."""

    def __init__(self, db: Connection) -> None:
        self.db = db
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-marks")
        self.pending: Future | None = None

    def now(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.flush()
        return self.pool.submit(fn, self.db, *args, **kwargs).result()

    def later(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.flush()
        self.pending = self.pool.submit(fn, self.db, *args, **kwargs)

    def flush(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.pool.shutdown(wait=True)


def _sent(
    db: Connection, row: Any, worker_id: str, at: datetime, on_sent: Callable[[int], None] | None
) -> None:
    _mark(db, row, worker_id, state="sent", sent_at=at, reason=None)
    if on_sent is not None:
        on_sent(row.id)


class _Heartbeat(threading.Thread):
    """Renews this sender's leases every ``every`` seconds until stopped."""

    def __init__(self, engine: Engine, worker_id: str, clock: Callable[[], datetime], every: float):
        super().__init__(name="mail-lease", daemon=True)
        self.engine, self.worker_id, self.clock, self.every = engine, worker_id, clock, every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        mail_outbox.update()
                        .where(o.claimed_by == self.worker_id, o.state == "pending")
                        .values(claimed_at=self.clock())
                    )
            except Exception:  # noqa: BLE001 - a missed renewal only shortens the lease
                log.warning("could not renew the mail leases of %s", self.worker_id, exc_info=True)

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def _budget(engine: Engine, settings: SmtpSettings, now: datetime, batch: int) -> int:
    if settings.rate_per_minute <= 0:
        return batch
    with engine.connect() as conn:
        recent = conn.scalar(
            select(func.count()).where(o.state == "sent", o.sent_at > now - timedelta(seconds=60))
        )
    return max(0, min(batch, settings.rate_per_minute - int(recent or 0)))


def send_pending(
    engine: Engine,
    smtp_settings: SmtpSettings,
    *,
    worker_id: str,
    now: datetime | None = None,
    batch: int = BATCH,
    lease_seconds: int = LEASE_SECONDS,
    max_messages: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_sent: Callable[[int], None] | None = None,
    durable_marks: bool = False,
) -> SendStats:
    """Send what is due in the outbox until nothing is left (or the rate limit is reached).

    ``now`` fixes the clock (tests); ``on_sent(row_id)`` runs after each row is marked sent;
    ``durable_marks`` waits for PostgreSQL's WAL flush on every mark (slower; see below).
    Example: ``send_pending(engine, settings.smtp, worker_id="w1").sent``
    """
    s = smtp_settings
    if s.username and not os.environ.get(s.password_env):
        raise MailingError(
            f"smtp.username is set but ${s.password_env} is empty; export the password"
        )
    secret = one_click_secret(s.one_click)  # a missing secret stops the pass before any mail
    clock = (lambda: utc_naive(now)) if now is not None else (lambda: utc_naive(datetime.now(UTC)))
    interval = 60.0 / s.rate_per_minute if s.rate_per_minute > 0 else 0.0
    stats, smtp, last = SendStats(), SmtpConnection(s), 0.0
    # One autocommitting connection: each check and each outcome commits on its own, at once.
    db = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    if engine.dialect.name == "postgresql":
        # A commit waits for its WAL flush (~7 ms on the reference disk) unless told not to.
        # Off, a kill of this process still loses nothing (the server has the commit); only a
        # crash of the database server within ~0.6 s can forget a mark (and re-send that
        # mail). SQLite's synchronous=NORMAL makes the same trade.
        db.exec_driver_sql("SET synchronous_commit = " + ("on" if durable_marks else "off"))
    writer = _Writer(db)
    heartbeat = _Heartbeat(engine, worker_id, clock, max(0.2, lease_seconds / 3))
    heartbeat.start()
    try:
        while max_messages is None or stats.sent < max_messages:
            writer.flush()
            n = _budget(engine, s, clock(), batch)
            rows = _claim(engine, worker_id, clock(), n, lease_seconds) if n else []
            if not rows:
                break
            for i, row in enumerate(rows):
                if interval and (wait := last + interval - time.monotonic()) > 0:
                    sleep(wait)
                last = time.monotonic()
                attempts = row.attempts + 1

                def before_data(r: Any = row) -> bool:
                    return bool(writer.now(_begin_data, r, worker_id, clock()))

                try:
                    msg = build_message(row, s, secret, clock())
                    sent = smtp.send(msg, row.to_address, before_data)
                except Permanent as e:
                    writer.now(
                        _mark, row, worker_id, state="failed", reason=str(e), attempts=attempts
                    )
                    stats.failed += 1
                    continue
                except Temporary as e:
                    retried = writer.now(_retry, row, worker_id, str(e), s.max_attempts, clock())
                    stats.retried += retried
                    stats.failed += 1 - retried
                    if e.connection_lost and smtp.client is None:
                        writer.now(_release, worker_id, [r.id for r in rows[i + 1 :]], clock())
                        stats.error = str(e)
                        return stats
                    continue
                except MailingError as e:
                    writer.now(_mark, row, worker_id, state="failed", reason=str(e))
                    stats.failed += 1
                    continue
                if not sent:
                    if why := writer.now(_why_not, row, worker_id):
                        writer.now(_mark, row, worker_id, state="skipped", reason=why)
                        stats.skipped += 1
                    continue
                writer.later(_sent, row, worker_id, clock(), on_sent)
                stats.sent += 1
                if row.data_at is not None:
                    stats.resumed += 1
                    log.warning(
                        "mail %s sent again after a sender died during DATA: possibly a "
                        "duplicate, Message-ID %s",
                        row.id,
                        msg["Message-ID"],
                    )
    finally:
        heartbeat.stop()
        smtp.close()
        writer.close()
        if engine.dialect.name == "postgresql" and not db.closed and not db.invalidated:
            db.exec_driver_sql("RESET synchronous_commit")
        db.close()
    return stats


def _retry(
    db: Connection, row: Any, worker_id: str, reason: str, max_attempts: int, now: datetime
) -> int:
    attempts = row.attempts + 1
    if attempts >= max_attempts:
        _mark(
            db,
            row,
            worker_id,
            state="failed",
            attempts=attempts,
            reason=f"gave up after {attempts} attempts: {reason}",
        )
        return 0
    _mark(
        db,
        row,
        worker_id,
        attempts=attempts,
        reason=reason,
        claimed_by=None,
        next_attempt_at=now + backoff(attempts),
    )
    return 1


def _release(db: Connection, worker_id: str, ids: list[int], now: datetime) -> None:
    """Give back rows not tried because the server went away (no attempt is counted)."""
    if ids:
        db.execute(
            mail_outbox.update()
            .where(o.id.in_(ids), o.claimed_by == worker_id)
            .values(claimed_by=None, next_attempt_at=now + backoff(1))
        )
