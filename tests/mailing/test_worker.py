"""The worker loop: enqueue, send and report, off the event loop, until told to stop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine

from custbot.config import Settings
from mailing import create_mailing, parse_when, run_mail_worker, save_template
from mailing.outbox import Report
from tests.mailing.conftest import SmtpServer, by_city


async def test_worker_sends_and_posts_the_report_once(
    seeded: Engine, smtp_server: SmtpServer
) -> None:
    with seeded.begin() as conn:
        save_template(conn, "hello", "Subject: Hello {{ name }}\nHi", None)
        mid = create_mailing(
            conn,
            "hello",
            "Berlin",
            "en",
            parse_when("now", "UTC", datetime.now(UTC)),
            None,
            {"platform": "telegram", "chat_id": 7},
            None,
        )
    settings = Settings(smtp=smtp_server.settings())
    posted: list[tuple[object, Report]] = []
    stop = asyncio.Event()

    async def notify(chat: object, report: Report) -> None:
        posted.append((chat, report))

    task = asyncio.create_task(
        run_mail_worker(seeded, settings, by_city, notify, stop_event=stop, poll_seconds=0.05)
    )
    for _ in range(600):
        if posted:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # a few more passes: the report must not be posted again
    stop.set()
    await asyncio.wait_for(task, 10)
    assert [(chat, r.mailing_id, r.sent) for chat, r in posted] == [
        ({"platform": "telegram", "chat_id": 7}, mid, 10)
    ]
    assert len(smtp_server.handler.per_recipient()) == 10


async def test_worker_survives_a_failing_notify_and_stops_promptly(
    seeded: Engine, smtp_server: SmtpServer
) -> None:
    with seeded.begin() as conn:
        save_template(conn, "hello", "Subject: Hello\nHi", None)
        create_mailing(
            conn,
            "hello",
            "Berlin",
            "en",
            parse_when("now", "UTC", datetime.now(UTC)),
            None,
            None,
            None,
        )
    calls: list[int] = []

    def notify(chat: object, report: Report) -> None:
        calls.append(report.mailing_id)
        raise RuntimeError("chat is down")

    stop = asyncio.Event()
    task = asyncio.create_task(
        run_mail_worker(
            seeded,
            Settings(smtp=smtp_server.settings()),
            by_city,
            notify,
            stop_event=stop,
            poll_seconds=3600,
        )
    )
    for _ in range(600):
        if calls:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)  # does not wait for the hour-long poll
    assert calls == [1]
