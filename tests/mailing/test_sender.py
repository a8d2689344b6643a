"""Delivery through a real SMTP server on loopback: headers, retries, failures, exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from mailing import (
    create_mailing,
    enqueue_due,
    final_report,
    opt_out_by_email,
    parse_when,
    save_template,
    send_pending,
)
from mailing.errors import MailingError
from mailing.sender import backoff
from storage.schema import mail_outbox
from tests.conftest import REPO
from tests.mailing.conftest import SmtpServer, by_city, seed

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def _schedule(
    engine: Engine, n_extra: int = 0, text: str = "Subject: Hi {{ name }}\nDear {{ name }}"
) -> int:
    with engine.begin() as conn:
        if n_extra:
            seed(conn, n_extra)
        save_template(conn, "promo", text, None)
        mid = create_mailing(
            conn, "promo", "Berlin", "en", parse_when("now", "UTC", NOW), None, None, None
        )
        enqueue_due(conn, NOW, by_city)
    return mid


def _states(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        o = mail_outbox.c
        return dict(conn.execute(select(o.state, func.count()).group_by(o.state)).all())  # type: ignore[arg-type]


def test_messages_carry_unsubscribe_message_id_and_opt_out_line(
    seeded: Engine, smtp_server: SmtpServer
) -> None:
    mid = _schedule(seeded)
    stats = send_pending(seeded, smtp_server.settings(), worker_id="w1", now=NOW)
    assert (stats.sent, stats.failed, stats.retried) == (10, 0, 0)
    assert smtp_server.handler.per_recipient() == {f"c{i}@example.com": 1 for i in range(1, 11)}
    rcpt, msg = smtp_server.handler.messages[0]
    assert rcpt == "c1@example.com" and msg["To"] == "c1@example.com"
    assert msg["Subject"] == "Hi Customer 1" and msg["From"] == "news@shop.example"
    assert msg["List-Unsubscribe"] == "<mailto:unsubscribe@shop.example?subject=unsubscribe>"
    assert msg["Message-ID"] == f"<custbot.{mid}.1.1@shop.example>"
    body = msg.get_payload(decode=True).decode()
    assert body.startswith("Dear Customer 1")
    assert "To stop receiving these e-mails: write to unsubscribe@shop.example" in body
    with seeded.connect() as conn:
        assert final_report(conn, mid, 1).text() == f"Mailing {mid} ('promo', run 1): 10 sent."
    assert send_pending(seeded, smtp_server.settings(), worker_id="w1", now=NOW).sent == 0


def test_https_unsubscribe_gets_one_click_and_per_recipient_link(
    seeded: Engine, smtp_server: SmtpServer
) -> None:
    _schedule(seeded)
    settings = smtp_server.settings(unsubscribe="https://shop.example/unsub?e={email}&c={customer}")
    send_pending(seeded, settings, worker_id="w1", now=NOW)
    msg = dict(smtp_server.handler.messages)["c1@example.com"]
    assert msg["List-Unsubscribe"] == "<https://shop.example/unsub?e=c1%40example.com&c=1>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_temporary_failures_are_retried_with_backoff(
    seeded: Engine, smtp_server: SmtpServer
) -> None:
    _schedule(seeded)
    smtp_server.handler.temporary_failures = 3
    first = send_pending(seeded, smtp_server.settings(), worker_id="w1", now=NOW)
    assert (first.sent, first.retried) == (7, 3)
    with seeded.connect() as conn:
        o = mail_outbox.c
        waiting = conn.execute(
            select(o.attempts, o.next_attempt_at, o.reason).where(o.state == "pending")
        ).all()
    assert {(a, t) for a, t, _ in waiting} == {(1, NOW.replace(tzinfo=None) + backoff(1))}
    assert all(r.startswith("451") for _, _, r in waiting)
    assert (
        send_pending(seeded, smtp_server.settings(), worker_id="w1", now=NOW).sent == 0
    )  # not yet
    later = send_pending(seeded, smtp_server.settings(), worker_id="w1", now=NOW + backoff(1))
    assert later.sent == 3
    assert smtp_server.handler.per_recipient() == {f"c{i}@example.com": 1 for i in range(1, 11)}


def test_permanent_failures_and_giving_up_are_reported(
    seeded: Engine, smtp_server: SmtpServer
) -> None:
    mid = _schedule(seeded)
    smtp_server.handler.reject = {"c2@example.com"}
    smtp_server.handler.temporary_failures = 1
    settings = smtp_server.settings(max_attempts=1)
    stats = send_pending(seeded, settings, worker_id="w1", now=NOW)
    assert (stats.sent, stats.failed) == (8, 2)
    with seeded.connect() as conn:
        report = final_report(conn, mid, 1)
    assert report.failed == {
        "550 5.1.1 mailbox unavailable": 1,
        "gave up after 1 attempts: 451 4.3.0 try again later": 1,
    }
    assert report.complete and report.sent == 8


def test_an_unreachable_server_releases_the_batch_without_counting_attempts(
    seeded: Engine, smtp_server: SmtpServer
) -> None:
    _schedule(seeded)
    settings = smtp_server.settings(port=1)  # nothing listens there
    stats = send_pending(seeded, settings, worker_id="w1", now=NOW)
    assert (
        stats.sent == 0
        and stats.retried == 1
        and "cannot reach SMTP 127.0.0.1:1" in (stats.error or "")
    )
    with seeded.connect() as conn:
        o = mail_outbox.c
        assert conn.scalar(select(func.sum(o.attempts))) == 1
        assert conn.scalar(select(func.count()).where(o.claimed_by.is_not(None))) == 0
    assert (
        send_pending(seeded, smtp_server.settings(), worker_id="w1", now=NOW + backoff(1)).sent
        == 10
    )


def test_opt_out_after_enqueue_is_honoured_at_send(seeded: Engine, smtp_server: SmtpServer) -> None:
    mid = _schedule(seeded)
    with seeded.begin() as conn:
        # claimed by a sender that is in the middle of its batch: opt-out cannot skip it directly
        conn.execute(
            mail_outbox.update().values(claimed_by="dead", claimed_at=NOW.replace(tzinfo=None))
        )
        assert opt_out_by_email(conn, " C3@Example.COM ") == 1
    stats = send_pending(
        seeded, smtp_server.settings(), worker_id="w1", now=NOW + timedelta(minutes=6)
    )
    assert (stats.sent, stats.skipped) == (9, 1)
    assert "c3@example.com" not in smtp_server.handler.per_recipient()
    with seeded.connect() as conn:
        assert final_report(conn, mid, 1).skipped == {"opted out": 1}


def test_opt_out_while_the_batch_is_being_sent_stops_the_next_message(
    seeded: Engine, smtp_server: SmtpServer
) -> None:
    """Issue 16, defect 5: a customer opted out after their row was claimed was still mailed."""
    mid = _schedule(seeded)

    def opt_out_c5(row_id: int) -> None:
        if row_id == 1:  # c5's row is already claimed in this batch of 10
            with seeded.begin() as conn:
                assert opt_out_by_email(conn, "c5@example.com") == 1

    stats = send_pending(
        seeded, smtp_server.settings(), worker_id="w1", now=NOW, batch=10, on_sent=opt_out_c5
    )
    assert (stats.sent, stats.skipped) == (9, 1)
    assert "c5@example.com" not in smtp_server.handler.per_recipient()
    with seeded.connect() as conn:
        assert final_report(conn, mid, 1).skipped == {"opted out": 1}


def test_opt_out_during_the_smtp_exchange_before_data_is_honoured(
    seeded: Engine, smtp_server: SmtpServer
) -> None:
    """The opt-out is read in the step right before DATA: one that commits while the server
    answers RCPT TO still stops the message (the transaction is reset, nothing is handed over)."""
    mid = _schedule(seeded)

    def opt_out_at_rcpt(address: str) -> None:
        if address == "c7@example.com":
            with seeded.begin() as conn:
                opt_out_by_email(conn, address)

    smtp_server.handler.on_rcpt = opt_out_at_rcpt
    stats = send_pending(seeded, smtp_server.settings(), worker_id="w1", now=NOW)
    assert (stats.sent, stats.skipped) == (9, 1)
    assert "c7@example.com" not in smtp_server.handler.per_recipient()
    with seeded.connect() as conn:
        o = mail_outbox.c
        row = conn.execute(
            select(o.state, o.reason, o.data_at, o.attempts).where(o.customer_id == 7)
        ).one()
        assert tuple(row) == ("skipped", "opted out", None, 0)
        assert final_report(conn, mid, 1).text() == (
            f"Mailing {mid} ('promo', run 1): 9 sent; 1 skipped (1 opted out)."
        )


def test_rate_limit_caps_each_minute_and_paces_messages(
    seeded: Engine, smtp_server: SmtpServer
) -> None:
    _schedule(seeded)
    waits: list[float] = []
    settings = smtp_server.settings(rate_per_minute=4)
    stats = send_pending(seeded, settings, worker_id="w1", now=NOW, sleep=waits.append)
    assert stats.sent == 4
    assert len(waits) == 3 and all(0 < w <= 15.0 for w in waits)
    assert (
        send_pending(
            seeded, settings, worker_id="w1", now=NOW + timedelta(seconds=30), sleep=waits.append
        ).sent
        == 0
    )
    assert (
        send_pending(
            seeded, settings, worker_id="w1", now=NOW + timedelta(seconds=61), sleep=waits.append
        ).sent
        == 4
    )


def test_two_senders_in_parallel_never_send_twice(engine: Engine, smtp_server: SmtpServer) -> None:
    _schedule(engine, n_extra=300)
    results: list = []

    def run(worker: str) -> None:
        results.append(send_pending(engine, smtp_server.settings(), worker_id=worker, batch=10))

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = smtp_server.handler.per_recipient()
    assert len(counts) == 300 and set(counts.values()) == {1}
    assert sum(r.sent for r in results) == 300
    assert _states(engine) == {"sent": 300}


def test_a_sender_killed_mid_send_is_resumed_exactly_once(
    engine: Engine, db_url: str, smtp_server: SmtpServer
) -> None:
    _schedule(engine, n_extra=40)
    handler = smtp_server.handler
    handler.hold_at = 12  # the 12th message is in flight (no reply yet) when the sender dies
    script = REPO / "tests" / "mailing" / "_sender_process.py"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, str(script), db_url, str(smtp_server.port), "victim", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert handler.holding.wait(60), (
        proc.stderr.read().decode() if proc.poll() is not None else "no hold"
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    handler.release.set()
    assert len(handler.per_recipient()) == 11
    with engine.connect() as conn:
        o = mail_outbox.c
        claimed = conn.scalar(
            select(func.count()).where(o.state == "pending", o.claimed_by == "victim")
        )
    assert claimed > 0  # the rest of its batch was left claimed by the dead worker
    import time

    time.sleep(1.1)  # let the 1-second lease of the dead worker expire
    restart = subprocess.run(
        [sys.executable, str(script), db_url, str(smtp_server.port), "heir", "1"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert restart.returncode == 0, restart.stderr.decode()
    counts = handler.per_recipient()
    assert len(counts) == 40 and set(counts.values()) == {1}
    assert _states(engine) == {"sent": 40}


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_settings_fail_clearly_against_a_plain_server(
    seeded: Engine, smtp_server: SmtpServer, security: str
) -> None:
    _schedule(seeded)
    stats = send_pending(seeded, smtp_server.settings(security=security), worker_id="w1", now=NOW)
    assert stats.sent == 0 and "cannot reach SMTP" in (stats.error or "")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_uses_the_password_from_the_environment(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from tests.mailing.conftest import RecordingHandler, free_port

    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    handler, port = RecordingHandler(), free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        server = SmtpServer(handler, port)
        _schedule(seeded)
        settings = server.settings(username="mailer", password_env="TEST_SMTP_PASSWORD")
        monkeypatch.delenv("TEST_SMTP_PASSWORD", raising=False)
        with pytest.raises(MailingError, match=r"\$TEST_SMTP_PASSWORD is empty"):
            send_pending(seeded, settings, worker_id="w1", now=NOW)
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
        refused = send_pending(seeded, settings, worker_id="w1", now=NOW)
        assert refused.sent == 0 and "SMTP login refused: 535" in (refused.error or "")
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
        assert send_pending(seeded, settings, worker_id="w1", now=NOW + backoff(1)).sent == 10
        assert logins[-1] == (b"mailer", b"s3cret")
    finally:
        controller.stop()
