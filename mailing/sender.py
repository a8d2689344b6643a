"""SMTP delivery from the outbox: claim rows, send over one connection, mark each sent at once.

Claiming is atomic (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a single ``UPDATE … WHERE id IN
(SELECT … LIMIT n)`` under SQLite's write lock), so parallel senders never share a row. A row
claimed by a worker that died is reclaimed once its lease (``claimed_at``) is older than
``lease_seconds``. A row is marked sent in its own transaction right after the server accepted
it (that commit overlaps the next message's SMTP exchange; at most one is in flight). The
residual window: a crash after the server's 250 reply and before that commit re-sends the
message after the lease (at most two per crashed worker); it carries the same Message-ID
(mailing, run, customer), so the duplicate is recognisable.

Example::

    stats = send_pending(engine, settings.smtp, worker_id="host:1234")
    stats.sent, stats.retried, stats.failed
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select

from mailing.errors import MailingError
from mailing.message import build_message
from mailing.outbox import utc_naive
from mailing.settings import SmtpSettings
from storage.schema import customers, mail_outbox, mailings

__all__ = ["SendStats", "send_pending", "backoff"]

o = mail_outbox.c


@dataclass
class SendStats:
    sent: int = 0
    retried: int = 0  # temporary failures, tried again later
    failed: int = 0  # permanent failures, or out of attempts
    skipped: int = 0  # opted out or cancelled since they were enqueued
    error: str | None = None  # why the pass stopped early (e.g. the server is unreachable)


def backoff(attempt: int) -> timedelta:
    """Wait before retry number ``attempt`` (1, 2, …): 1, 2, 4, … minutes, at most an hour."""
    return timedelta(seconds=min(3600, 60 * 2 ** max(0, attempt - 1)))


class _Temporary(Exception):
    def __init__(self, reason: str, connection_lost: bool = False) -> None:
        super().__init__(reason)
        self.connection_lost = connection_lost


class _Permanent(Exception):
    pass


class _Smtp:
    """One SMTP connection, opened lazily and reused for every message of the pass."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=30, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=30)
                if s.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
            if s.username:
                client.login(s.username, os.environ.get(s.password_env, ""))
        except smtplib.SMTPAuthenticationError as e:
            raise _Temporary(
                f"SMTP login refused: {e.smtp_code} {_text(e.smtp_error)}", True
            ) from None
        except (OSError, smtplib.SMTPException) as e:
            raise _Temporary(f"cannot reach SMTP {s.host}:{s.port}: {e}", True) from None
        return client

    def send(self, msg: Any, to: str) -> None:
        if self.client is None:
            self.client = self._open()
        try:
            self.client.send_message(msg, from_addr=self.settings.from_address, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as e:
            code, text = next(iter(e.recipients.values()))
            _classify(code, text)
        except smtplib.SMTPResponseException as e:
            _classify(e.smtp_code, e.smtp_error)
        except (OSError, smtplib.SMTPServerDisconnected) as e:
            self.close()
            raise _Temporary(f"connection lost: {e}", True) from None

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.client = None


def _text(raw: Any) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _classify(code: int, text: Any) -> None:
    reason = f"{code} {_text(text)}".strip()
    if 500 <= code < 600:
        raise _Permanent(reason)
    raise _Temporary(reason)


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
        return list(
            conn.execute(
                select(
                    o.id,
                    o.mailing_id,
                    o.run_no,
                    o.customer_id,
                    o.to_address,
                    o.subject,
                    o.body,
                    o.attempts,
                    customers.c.opted_out_at,
                    customers.c.status,
                    mailings.c.status.label("mailing_status"),
                )
                .join(customers, customers.c.id == o.customer_id)
                .join(mailings, mailings.c.id == o.mailing_id)
                .where(o.id.in_(ids))
                .order_by(o.id)
            )
        )


class _Marks:
    """Outcomes, written by one thread on one autocommitting connection with at most one write
    in flight: the commit of a message's 'sent' overlaps the SMTP exchange of the next one."""

    def __init__(self, db: Connection, worker_id: str, on_sent: Callable[[int], None] | None):
        self.db, self.worker_id, self.on_sent = db, worker_id, on_sent
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-marks")
        self.pending: Future | None = None

    def put(self, row_id: int, **values: Any) -> None:
        self.flush()
        self.pending = self.pool.submit(self._write, row_id, values)

    def _write(self, row_id: int, values: dict[str, Any]) -> None:
        self.db.execute(
            mail_outbox.update()
            .where(o.id == row_id, o.claimed_by == self.worker_id)
            .values(**values)
        )
        if self.on_sent is not None and values.get("state") == "sent":
            self.on_sent(row_id)

    def flush(self) -> None:
        """Wait for the write in flight (and raise its error)."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.pool.shutdown(wait=True)


def _budget(engine: Engine, settings: SmtpSettings, now: datetime, batch: int, lease: int) -> int:
    if settings.rate_per_minute <= 0:
        return batch
    with engine.connect() as conn:
        recent = conn.scalar(
            select(func.count()).where(o.state == "sent", o.sent_at > now - timedelta(seconds=60))
        )
    fits_lease = max(1, settings.rate_per_minute * lease // 120)
    return max(0, min(batch, settings.rate_per_minute - int(recent or 0), fits_lease))


def send_pending(
    engine: Engine,
    smtp_settings: SmtpSettings,
    *,
    worker_id: str,
    now: datetime | None = None,
    batch: int = 200,
    lease_seconds: int = 300,
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
    clock = (lambda: utc_naive(now)) if now is not None else (lambda: utc_naive(datetime.now(UTC)))
    interval = 60.0 / s.rate_per_minute if s.rate_per_minute > 0 else 0.0
    stats, smtp, last = SendStats(), _Smtp(s), 0.0
    # One autocommitting connection for the outcomes: each row is committed by its own UPDATE
    # right after the server's reply, without a pool checkout per message.
    db = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    marks = _Marks(db, worker_id, on_sent)
    if engine.dialect.name == "postgresql":
        # A commit waits for its WAL flush (~7 ms on the reference disk) unless told not to.
        # Off, a kill of this process still loses nothing; only a crash of the database server
        # within ~0.6 s can forget a 'sent' mark (and re-send that mail). SQLite's
        # synchronous=NORMAL makes the same trade.
        db.exec_driver_sql("SET synchronous_commit = " + ("on" if durable_marks else "off"))
    try:
        while max_messages is None or stats.sent < max_messages:
            marks.flush()
            n = _budget(engine, s, clock(), batch, lease_seconds)
            rows = _claim(engine, worker_id, clock(), n, lease_seconds) if n else []
            if not rows:
                break
            for i, row in enumerate(rows):
                if (
                    row.opted_out_at is not None
                    or row.status == "archived"
                    or row.mailing_status == "cancelled"
                ):
                    why = (
                        "mailing cancelled"
                        if row.mailing_status == "cancelled"
                        else "opted out"
                        if row.opted_out_at is not None
                        else "archived"
                    )
                    marks.put(row.id, state="skipped", reason=why)
                    stats.skipped += 1
                    continue
                if interval and (wait := last + interval - time.monotonic()) > 0:
                    sleep(wait)
                last = time.monotonic()
                try:
                    msg = build_message(row, s)
                    smtp.send(msg, row.to_address)
                except _Permanent as e:
                    marks.put(row.id, state="failed", reason=str(e), attempts=row.attempts + 1)
                    stats.failed += 1
                    continue
                except _Temporary as e:
                    retried = _retry(marks, row, str(e), s.max_attempts, clock())
                    stats.retried += retried
                    stats.failed += 1 - retried
                    if e.connection_lost and smtp.client is None:
                        marks.flush()
                        _release(db, worker_id, [r.id for r in rows[i + 1 :]], clock())
                        stats.error = str(e)
                        return stats
                    continue
                except MailingError as e:
                    marks.put(row.id, state="failed", reason=str(e))
                    stats.failed += 1
                    continue
                marks.put(
                    row.id, state="sent", sent_at=clock(), attempts=row.attempts + 1, reason=None
                )
                stats.sent += 1
    finally:
        smtp.close()
        marks.close()
        if engine.dialect.name == "postgresql" and not db.closed and not db.invalidated:
            db.exec_driver_sql("RESET synchronous_commit")
        db.close()
    return stats


def _retry(marks: _Marks, row: Any, reason: str, max_attempts: int, now: datetime) -> int:
    attempts = row.attempts + 1
    if attempts >= max_attempts:
        marks.put(
            row.id,
            state="failed",
            attempts=attempts,
            reason=f"gave up after {attempts} attempts: {reason}",
        )
        return 0
    marks.put(
        row.id,
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
