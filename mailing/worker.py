"""The mail worker: enqueue due runs, send, report finished runs; forever, off the event loop.

``custbot serve`` runs it next to the chat front ends; several replicas may run it at once
(runs are claimed in the database, rows are claimed by the sender).

Example::

    stop = asyncio.Event()
    await run_mail_worker(engine, settings, audience, notify, stop_event=stop, poll_seconds=30)
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from mailing.mailings import Audience
from mailing.outbox import Report, due_reports, enqueue_due
from mailing.sender import SendStats, send_pending
from mailing.settings import MailSettings

__all__ = ["run_mail_worker", "mail_pass", "worker_name"]

log = logging.getLogger(__name__)

# notify(requester_chat, report) -> None, or an awaitable
Notify = Callable[[Any, Report], Any]


def worker_name() -> str:
    """``host:pid:random``: unique per process, readable in ``mail_outbox.claimed_by``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def mail_pass(
    engine: Engine,
    settings: MailSettings,
    audience: Audience,
    *,
    worker_id: str,
    now: datetime | None = None,
) -> tuple[SendStats, list[tuple[Any, Report]]]:
    """One synchronous pass: enqueue due runs, send what is pending, collect finished reports.

    Example: ``stats, reports = mail_pass(engine, settings, audience, worker_id="cli")``
    """
    moment = now or datetime.now(UTC)
    with engine.begin() as conn:
        enqueue_due(conn, moment, audience)
    stats = send_pending(engine, settings.smtp, worker_id=worker_id, now=now)
    with engine.begin() as conn:
        reports = due_reports(conn)
    return stats, reports


async def run_mail_worker(
    engine: Engine,
    settings: MailSettings,
    audience: Audience,
    notify: Notify,
    *,
    stop_event: asyncio.Event,
    poll_seconds: float = 30.0,
) -> None:
    """Loop ``mail_pass`` every ``poll_seconds`` until ``stop_event`` is set; post each report
    with ``notify(requester_chat, report)``. Errors are logged and the loop goes on."""
    worker_id = worker_name()
    while not stop_event.is_set():
        try:
            stats, reports = await asyncio.to_thread(
                mail_pass, engine, settings, audience, worker_id=worker_id
            )
            if stats.error:
                log.warning("mail worker %s: %s", worker_id, stats.error)
            for chat, report in reports:
                try:
                    result = notify(chat, report)
                    if inspect.isawaitable(result):
                        await result
                except Exception:  # noqa: BLE001 - one failed post must not stop the others
                    log.exception("could not post the report of mailing %s", report.mailing_id)
        except Exception:  # noqa: BLE001 - the worker outlives a bad pass (e.g. database down)
            log.exception("mail worker pass failed; retrying in %s s", poll_seconds)
        try:
            await asyncio.wait_for(stop_event.wait(), timeout=poll_seconds)
        except TimeoutError:
            pass
