"""Mailings: preview an audience, schedule a template to it, list and cancel.

A mailing keeps its query and re-evaluates it on every run, unless it was frozen to the ids
shown at confirmation. Suppression (opted out, archived, no e-mail) is applied at every run.

Example::

    preview = preview_mailing(conn, template_id, select(customers.c.id), today)
    mailing_id = create_mailing(conn, template_id, "customers in Berlin", "en",
                                parse_when("tomorrow 9:00", tz, now), requester_id=1,
                                requester_chat={"platform": "telegram", "chat_id": 42},
                                frozen_ids=None)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Select, select

from mailing.errors import MailingError
from mailing.facts import customer_facts
from mailing.templates import Rendered, get_template, render_facts
from mailing.when import Schedule
from storage.schema import customers, mail_outbox, mail_templates, mailings, managers

__all__ = [
    "Audience",
    "Preview",
    "MailingInfo",
    "skip_reason",
    "preview_mailing",
    "create_mailing",
    "list_mailings",
    "cancel_mailing",
    "split_recurrence",
]

# audience(conn, query_text, language, today) -> Select of customer ids
Audience = Callable[[Connection, str, str, date], Select]

REASONS = ("opted out", "archived", "no email")


def skip_reason(status: str | None, opted_out_at: datetime | None, email: str | None) -> str | None:
    """Why a customer gets no mail (``"opted out"``, ``"archived"``, ``"no email"``) or None."""
    if opted_out_at is not None:
        return "opted out"
    if status == "archived":
        return "archived"
    if not email or "@" not in email.strip(" @"):
        return "no email"
    return None


@dataclass(frozen=True)
class Preview:
    matched: int  # customers the query found
    will_receive: int
    skipped: dict[str, int]  # reason -> count: "no email", "opted out", "archived"
    sample_customer: str | None  # the sample's customer name
    sample: Rendered | None

    @property
    def no_email(self) -> int:
        return self.skipped.get("no email", 0)

    @property
    def opted_out(self) -> int:
        return self.skipped.get("opted out", 0)

    @property
    def archived(self) -> int:
        return self.skipped.get("archived", 0)


@dataclass(frozen=True)
class MailingInfo:
    id: int
    template: str
    query: str
    status: str  # scheduled | sending | finished | cancelled | failed
    next_run_at: datetime | None  # UTC
    recurrence: str | None  # cron in the mailing's time zone
    timezone: str
    runs: int
    frozen: int | None  # number of frozen recipients, None when the query is re-evaluated
    requester_id: int | None
    last_error: str | None


def preview_mailing(
    conn: Connection, template_id: int | str, audience_ids: Select, today: date
) -> Preview:
    """Counts after suppression and one rendered sample, before anything is scheduled.

    Example: ``preview_mailing(conn, "winback", select(customers.c.id), today).will_receive``
    """
    tpl = get_template(conn, template_id)
    c = customers.c
    rows = conn.execute(
        select(c.id, c.status, c.opted_out_at, c.email).where(c.id.in_(audience_ids)).order_by(c.id)
    ).all()
    reasons = Counter(skip_reason(r.status, r.opted_out_at, r.email) for r in rows)
    eligible = [r.id for r in rows if skip_reason(r.status, r.opted_out_at, r.email) is None]
    sample, sample_name = None, None
    if eligible:
        facts = customer_facts(conn, eligible[:1], today)[eligible[0]]
        sample, sample_name = render_facts(tpl, facts), facts["name"]
    skipped = {k: v for k, v in reasons.items() if k is not None}
    return Preview(len(rows), len(eligible), skipped, sample_name, sample)


def create_mailing(
    conn: Connection,
    template_id: int | str,
    query_text: str,
    language: str,
    schedule: Schedule,
    requester_id: int | None,
    requester_chat: Any,
    frozen_ids: list[int] | None,
) -> int:
    """Schedule a mailing; returns its id. ``frozen_ids`` fixes the audience (else re-evaluated).

    Example: ``create_mailing(conn, "winback", "rating A", "en", schedule, 1, {"chat": 5}, None)``
    """
    tpl = get_template(conn, template_id)
    recurrence = f"CRON_TZ={schedule.tz} {schedule.cron}" if schedule.cron else None
    now = datetime.now(UTC).replace(tzinfo=None)
    result = conn.execute(
        mailings.insert().values(
            template_id=tpl.id,
            query=query_text,
            language=language or "en",
            frozen_customer_ids=sorted(set(frozen_ids)) if frozen_ids is not None else None,
            requester_id=requester_id,
            requester_chat=requester_chat,
            first_run_at=schedule.first_run_utc,
            recurrence=recurrence,
            next_run_at=schedule.first_run_utc,
            status="scheduled",
            created_at=now,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def split_recurrence(recurrence: str | None) -> tuple[str | None, str]:
    """``"CRON_TZ=Europe/Berlin 0 9 * * mon"`` -> ``("0 9 * * mon", "Europe/Berlin")``."""
    if not recurrence:
        return None, "UTC"
    if recurrence.startswith("CRON_TZ="):
        zone, _, cron = recurrence[len("CRON_TZ=") :].partition(" ")
        return cron.strip(), zone
    return recurrence, "UTC"


def _info(row: Any) -> MailingInfo:
    cron, zone = split_recurrence(row.recurrence)
    frozen = row.frozen_customer_ids
    return MailingInfo(
        row.id,
        row.template,
        row.query,
        row.status,
        row.next_run_at,
        cron,
        zone,
        row.runs_started,
        len(frozen) if frozen is not None else None,
        row.requester_id,
        row.last_error,
    )


def _select_info() -> Select:
    m = mailings.c
    return select(
        m.id,
        mail_templates.c.name.label("template"),
        m.query,
        m.status,
        m.next_run_at,
        m.recurrence,
        m.runs_started,
        m.frozen_customer_ids,
        m.requester_id,
        m.last_error,
    ).join(mail_templates, mail_templates.c.id == m.template_id)


def list_mailings(conn: Connection, requester_id: int | None = None) -> list[MailingInfo]:
    """Mailings (of one requester, or all), scheduled ones first, newest first.

    Example: ``[m.id for m in list_mailings(conn, requester_id=3) if m.status == "scheduled"]``
    """
    query = _select_info()
    if requester_id is not None:
        query = query.where(mailings.c.requester_id == requester_id)
    rows = conn.execute(query.order_by(mailings.c.id.desc()).limit(200)).all()
    order = {"scheduled": 0, "sending": 1}
    return sorted((_info(r) for r in rows), key=lambda m: order.get(m.status, 2))


def cancel_mailing(conn: Connection, mailing_id: int, by: int | None) -> MailingInfo:
    """Cancel mailing ``mailing_id``: no further runs, unsent mails are dropped.

    ``by`` is the manager cancelling it (None: the local administrator); only the requester
    or an admin may cancel. Example: ``cancel_mailing(conn, 4, by=1).status == "cancelled"``
    """
    row = conn.execute(_select_info().where(mailings.c.id == mailing_id)).first()
    if row is None:
        raise MailingError.said("no_mailing", id=mailing_id)
    if row.status in ("finished", "cancelled"):
        raise MailingError.said(f"mailing_{row.status}", id=mailing_id)
    if by is not None and by != row.requester_id:
        role = conn.scalar(select(managers.c.role).where(managers.c.id == by))
        if role != "admin":
            raise MailingError.said("not_yours", id=mailing_id)
    now = datetime.now(UTC).replace(tzinfo=None)
    conn.execute(
        mailings.update()
        .where(mailings.c.id == mailing_id)
        .values(status="cancelled", next_run_at=None, cancelled_at=now)
    )
    conn.execute(
        mail_outbox.update()
        .where(mail_outbox.c.mailing_id == mailing_id, mail_outbox.c.state == "pending")
        .values(state="skipped", reason="mailing cancelled")
    )
    return _info(conn.execute(_select_info().where(mailings.c.id == mailing_id)).one())
