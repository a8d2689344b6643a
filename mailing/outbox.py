"""The outbox: due mailing runs become one row per recipient; finished runs become reports.

``enqueue_due`` claims a due run by advancing the mailing (a compare-and-set on
``runs_started``), so two replicas never enqueue the same run; the rows are inserted with
``ON CONFLICT DO NOTHING`` on (mailing, run, customer) as a second guard.

Example::

    with engine.begin() as conn:
        enqueue_due(conn, datetime.now(UTC), audience)
    send_pending(engine, settings.smtp, worker_id="w1")
    with engine.begin() as conn:
        for chat, report in due_reports(conn): post(chat, report.text())
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from mailing.errors import MailingError
from mailing.facts import chunks, customer_facts
from mailing.mailings import Audience, skip_reason, split_recurrence
from mailing.templates import get_template, render_facts
from mailing.when import next_run_after
from storage.schema import mail_outbox, mail_templates, mailings

__all__ = ["Report", "enqueue_due", "final_report", "due_reports", "utc_naive"]


def utc_naive(moment: datetime | None = None) -> datetime:
    """``moment`` (aware, or naive meaning UTC; default now) as the naive UTC the tables store."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _english(message: str) -> str:
    """The identity translation: messages are written in English."""
    return message


@dataclass(frozen=True)
class Report:
    mailing_id: int
    run_no: int
    template: str
    sent: int
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    failed: dict[str, int] = field(default_factory=dict)  # reason -> count
    pending: int = 0
    error: str | None = None  # the audience could not be computed

    @property
    def complete(self) -> bool:
        return self.pending == 0

    def text(self, _: Callable[[str], str] = _english) -> str:
        """One paragraph for the requester's chat, in the language of ``_`` (gettext)."""
        head = _("Mailing {id} ('{template}', run {run}): ").format(
            id=self.mailing_id, template=self.template, run=self.run_no
        )
        if self.error:
            return head + _("not sent: {error}").format(error=self.error)
        parts = [_("{n} sent").format(n=self.sent)]
        for label, counts in (
            (_("{n} skipped ({why})"), self.skipped),
            (_("{n} failed ({why})"), self.failed),
        ):
            if counts:
                why = ", ".join(f"{n} {_(reason)}" for reason, n in sorted(counts.items()))
                parts.append(label.format(n=sum(counts.values()), why=why))
        if self.pending:
            parts.append(_("{n} still pending").format(n=self.pending))
        return head + "; ".join(parts) + "."


def _insert(conn: Connection) -> postgresql.Insert | sqlite.Insert:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(mail_outbox).on_conflict_do_nothing(
        index_elements=["mailing_id", "run_no", "customer_id"]
    )


def _recipients(conn: Connection, m: Any, audience: Audience, today: Any) -> list[int]:
    if m.frozen_customer_ids is not None:
        return [int(i) for i in m.frozen_customer_ids]
    return list(conn.scalars(audience(conn, m.query, m.language, today)))


def _enqueue_run(conn: Connection, m: Any, run_no: int, ids: list[int], today: Any) -> int:
    tpl = get_template(conn, m.template_id)
    written = 0
    for part in chunks(sorted(set(ids))):
        facts = customer_facts(conn, part, today)
        rows = []
        for cid in part:
            f = facts.get(cid)
            row = {
                "mailing_id": m.id,
                "run_no": run_no,
                "customer_id": cid,
                "attempts": 0,
                "to_address": None,
                "subject": None,
                "body": None,
                "state": "pending",
                "reason": None,
            }
            reason = (
                "deleted" if f is None else skip_reason(f["status"], f["opted_out_at"], f["email"])
            )
            if reason:
                row.update(state="skipped", reason=reason)
            else:
                try:
                    out = render_facts(tpl, f)  # type: ignore[arg-type]
                    row.update(
                        to_address=out.to_address.strip(), subject=out.subject, body=out.body
                    )
                except MailingError as e:
                    row.update(state="failed", reason=str(e))
            rows.append(row)
        if rows:
            written += conn.execute(_insert(conn), rows).rowcount or 0
    return written


def enqueue_due(conn: Connection, now: datetime, audience: Audience) -> list[tuple[int, int]]:
    """Write the recipients of every due run to the outbox; returns [(mailing_id, run_no)].

    Recurring mailings move to their next occurrence (missed ones are not replayed), one-shot
    ones to ``sending``. Call inside a transaction: ``with engine.begin() as conn: ...``.
    Example: ``enqueue_due(conn, datetime.now(UTC), lambda c, q, lang, d: select(customers.c.id))``
    """
    now_utc = utc_naive(now)
    m = mailings.c
    due = conn.execute(
        select(mailings)
        .where(m.status == "scheduled", m.next_run_at <= now_utc)
        .order_by(m.next_run_at, m.id)
    ).all()
    done: list[tuple[int, int]] = []
    for row in due:
        cron, zone = split_recurrence(row.recurrence)
        next_at = next_run_after(cron, zone, max(row.next_run_at, now_utc)) if cron else None
        run_no = row.runs_started + 1
        claimed = conn.execute(
            mailings.update()
            .where(m.id == row.id, m.runs_started == row.runs_started, m.status == "scheduled")
            .values(
                runs_started=run_no,
                next_run_at=next_at,
                status="scheduled" if cron else "sending",
                last_error=None,
            )
        ).rowcount
        if not claimed:
            continue  # another replica took this run
        today = now_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()
        savepoint = conn.begin_nested()
        try:
            ids = _recipients(conn, row, audience, today)
            _enqueue_run(conn, row, run_no, ids, today)
            savepoint.commit()
        except Exception as e:  # noqa: BLE001 - a broken query must not stop other mailings
            savepoint.rollback()
            conn.execute(
                mailings.update()
                .where(m.id == row.id)
                .values(last_error=f"{type(e).__name__}: {e}"[:2000])
            )
        done.append((row.id, run_no))
    return done


def final_report(conn: Connection, mailing_id: int, run_no: int) -> Report:
    """What happened to run ``run_no`` of ``mailing_id``: sent, skipped and failed with reasons.

    Example: ``final_report(conn, 4, 1).text()`` -> "Mailing 4 ('winback', run 1): 120 sent; ..."
    """
    o = mail_outbox.c
    head = conn.execute(
        select(mail_templates.c.name, mailings.c.runs_started, mailings.c.last_error)
        .join(mail_templates, mail_templates.c.id == mailings.c.template_id)
        .where(mailings.c.id == mailing_id)
    ).first()
    if head is None:
        raise MailingError(f"no mailing {mailing_id}")
    rows = conn.execute(
        select(o.state, o.reason, func.count())
        .where(o.mailing_id == mailing_id, o.run_no == run_no)
        .group_by(o.state, o.reason)
    ).all()
    by_state: dict[str, Counter] = {
        "sent": Counter(),
        "skipped": Counter(),
        "failed": Counter(),
        "pending": Counter(),
    }
    for state, reason, n in rows:
        by_state.setdefault(state, Counter())[reason or state] += n
    error = head.last_error if run_no == head.runs_started and not rows else None
    return Report(
        mailing_id,
        run_no,
        head.name,
        sum(by_state["sent"].values()),
        dict(by_state["skipped"]),
        dict(by_state["failed"]),
        sum(by_state["pending"].values()),
        error,
    )


def due_reports(conn: Connection) -> list[tuple[Any, Report]]:
    """Claim and return (requester_chat, report) for every run that finished since last time.

    Each run is reported once, even with several workers. One-shot mailings become ``finished``.
    Example: ``for chat, report in due_reports(conn): notify(chat, report.text())``
    """
    m = mailings.c
    rows = conn.execute(
        select(
            m.id, m.runs_started, m.runs_reported, m.recurrence, m.status, m.requester_chat
        ).where(m.runs_reported < m.runs_started)
    ).all()
    out: list[tuple[Any, Report]] = []
    for row in rows:
        for run_no in range(row.runs_reported + 1, row.runs_started + 1):
            report = final_report(conn, row.id, run_no)
            if not report.complete:
                break
            claimed = conn.execute(
                mailings.update()
                .where(m.id == row.id, m.runs_reported == run_no - 1)
                .values(runs_reported=run_no)
            ).rowcount
            if not claimed:
                break
            if not row.recurrence and row.status == "sending" and run_no == row.runs_started:
                conn.execute(
                    mailings.update()
                    .where(m.id == row.id, m.status == "sending")
                    .values(status="finished", next_run_at=None)
                )
            out.append((row.requester_chat, report))
    return out
