"""Mailings: preview with suppression, scheduling, enqueue per run, recurrence, cancel, reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from mailing import (
    MailingError,
    cancel_mailing,
    create_mailing,
    due_reports,
    enqueue_due,
    final_report,
    list_mailings,
    opt_out_customer,
    parse_when,
    preview_mailing,
    save_template,
)
from storage.schema import customers, mail_outbox, mailings, managers
from tests.mailing.conftest import TODAY, by_city, seed

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)  # Sunday


def _suppress_some(conn) -> list[int]:  # type: ignore[no-untyped-def]
    ids = list(conn.scalars(select(customers.c.id).order_by(customers.c.id)))
    conn.execute(customers.update().where(customers.c.id == ids[0]).values(email=None))
    conn.execute(customers.update().where(customers.c.id == ids[1]).values(email="not-an-address"))
    conn.execute(customers.update().where(customers.c.id == ids[2]).values(status="archived"))
    conn.execute(
        customers.update()
        .where(customers.c.id == ids[3])
        .values(opted_out_at=NOW.replace(tzinfo=None))
    )
    return ids


def _outbox(conn, mailing_id: int, run_no: int = 1) -> dict[str, int]:  # type: ignore[no-untyped-def]
    o = mail_outbox.c
    rows = conn.execute(
        select(o.state, func.count())
        .where(o.mailing_id == mailing_id, o.run_no == run_no)
        .group_by(o.state)
    ).all()
    return {state: n for state, n in rows}


def test_preview_counts_suppressed_customers_and_renders_a_sample(seeded: Engine) -> None:
    with seeded.begin() as conn:
        ids = _suppress_some(conn)
        tpl = save_template(conn, "promo", "Subject: Offer for {{ name }}\nHi {{ name }}", None)
        preview = preview_mailing(
            conn, tpl.id, select(customers.c.id).where(customers.c.city == "Berlin"), TODAY
        )
    assert preview.matched == 10 and preview.will_receive == 6
    assert (preview.no_email, preview.archived, preview.opted_out) == (2, 1, 1)
    assert preview.sample is not None and preview.sample.subject == "Offer for Customer 5"
    assert preview.sample_customer == "Customer 5" and len(ids) == 10


def test_a_one_off_mailing_is_enqueued_once_and_reported(seeded: Engine) -> None:
    with seeded.begin() as conn:
        _suppress_some(conn)
        save_template(conn, "promo", "Subject: Offer for {{ name }}\nHi {{ name }}", None)
        schedule = parse_when("today 10:00", "Europe/Berlin", NOW)
        mid = create_mailing(conn, "promo", "Berlin", "en", schedule, None, {"chat": 1}, None)
    with seeded.begin() as conn:
        assert enqueue_due(conn, NOW, by_city) == []  # not due yet (10:00 Berlin = 09:00 UTC)
        assert enqueue_due(conn, NOW + timedelta(hours=1), by_city) == [(mid, 1)]
        assert enqueue_due(conn, NOW + timedelta(hours=2), by_city) == []  # never twice
        assert _outbox(conn, mid) == {"pending": 6, "skipped": 4}
        assert due_reports(conn) == []  # still pending
        o = mail_outbox.c
        conn.execute(
            mail_outbox.update()
            .where(o.mailing_id == mid, o.state == "pending")
            .values(state="sent")
        )
        [(chat, report)] = due_reports(conn)
        assert due_reports(conn) == []  # reported once
    assert chat == {"chat": 1}
    assert (report.sent, report.skipped) == (6, {"archived": 1, "no email": 2, "opted out": 1})
    assert report.text() == (
        "Mailing 1 ('promo', run 1): 6 sent; 4 skipped (1 archived, 2 no email, 1 opted out)."
    )
    with seeded.connect() as conn:
        [info] = list_mailings(conn)
        assert (info.status, info.next_run_at, info.runs) == ("finished", None, 1)


def test_recurring_mailing_re_evaluates_its_query_each_run_in_the_time_zone(seeded: Engine) -> None:
    with seeded.begin() as conn:
        save_template(conn, "weekly", "Subject: Weekly\nHi {{ name }}", None)
        start = datetime(2026, 3, 20, 12, tzinfo=UTC)
        schedule = parse_when("every Monday 9:00", "Europe/Berlin", start)
        mid = create_mailing(conn, "weekly", "Berlin", "en", schedule, None, None, None)
        assert schedule.first_run_utc == datetime(2026, 3, 23, 8, 0)  # CET
    with seeded.begin() as conn:
        assert enqueue_due(conn, datetime(2026, 3, 23, 8, 0, 5), by_city) == [(mid, 1)]
        assert conn.scalar(select(mailings.c.next_run_at)) == datetime(2026, 3, 30, 7, 0)  # CEST
        seed(conn, 3)  # three new customers in Berlin before the next run
        assert enqueue_due(conn, datetime(2026, 3, 30, 7, 1), by_city) == [(mid, 2)]
        assert _outbox(conn, mid, 1) == {"pending": 10}
        assert _outbox(conn, mid, 2) == {"pending": 13}
        assert conn.scalar(select(mailings.c.status)) == "scheduled"


def test_a_frozen_mailing_keeps_its_recipients(seeded: Engine) -> None:
    with seeded.begin() as conn:
        save_template(conn, "t", "Subject: s\nb", None)
        ids = list(conn.scalars(select(customers.c.id).order_by(customers.c.id).limit(3)))
        mid = create_mailing(
            conn, "t", "Berlin", "en", parse_when("now", "UTC", NOW), None, None, ids
        )
        seed(conn, 5)
        enqueue_due(conn, NOW, by_city)
        assert _outbox(conn, mid) == {"pending": 3}


def test_opted_out_and_cancelled_are_not_enqueued_or_dropped(seeded: Engine) -> None:
    with seeded.begin() as conn:
        save_template(conn, "t", "Subject: s\nb", None)
        first = conn.scalar(select(customers.c.id).order_by(customers.c.id))
        mid = create_mailing(
            conn, "t", "Berlin", "en", parse_when("now", "UTC", NOW), None, None, None
        )
        enqueue_due(conn, NOW, by_city)
        assert opt_out_customer(conn, first) is True
        assert _outbox(conn, mid) == {"pending": 9, "skipped": 1}
        info = cancel_mailing(conn, mid, by=None)
        assert (info.status, info.next_run_at) == ("cancelled", None)
        assert _outbox(conn, mid) == {"skipped": 10}
        assert final_report(conn, mid, 1).skipped == {"mailing cancelled": 9, "opted out": 1}
        with pytest.raises(MailingError, match="already cancelled"):
            cancel_mailing(conn, mid, by=None)


def test_only_the_requester_or_an_admin_may_cancel(seeded: Engine) -> None:
    with seeded.begin() as conn:
        anna, boris = conn.scalars(select(managers.c.id).order_by(managers.c.id)).all()
        conn.execute(managers.insert().values(name="Carl Admin", surname="Admin", role="admin"))
        admin = conn.scalar(select(managers.c.id).where(managers.c.role == "admin"))
        save_template(conn, "t", "Subject: s\nb", None)
        sched = parse_when("tomorrow 9:00", "UTC", NOW)
        mid = create_mailing(conn, "t", "Berlin", "en", sched, anna, None, None)
        other = create_mailing(conn, "t", "Berlin", "en", sched, boris, None, None)
        with pytest.raises(MailingError, match="belongs to someone else"):
            cancel_mailing(conn, mid, by=boris)
        assert cancel_mailing(conn, mid, by=anna).status == "cancelled"
        assert cancel_mailing(conn, other, by=admin).status == "cancelled"
        assert [m.id for m in list_mailings(conn, requester_id=anna)] == [mid]
        with pytest.raises(MailingError, match="no mailing 99"):
            cancel_mailing(conn, 99, by=None)


def test_a_broken_audience_is_reported_not_retried_forever(seeded: Engine) -> None:
    def broken(conn, query, language, today):  # type: ignore[no-untyped-def]
        raise ValueError("unknown city 'Atlantis'")

    with seeded.begin() as conn:
        save_template(conn, "t", "Subject: s\nb", None)
        mid = create_mailing(
            conn, "t", "Atlantis", "en", parse_when("now", "UTC", NOW), None, "chat", None
        )
        assert enqueue_due(conn, NOW, broken) == [(mid, 1)]
        [(chat, report)] = due_reports(conn)
    assert report.error == "ValueError: unknown city 'Atlantis'"
    assert "not sent: ValueError" in report.text()
