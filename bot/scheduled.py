"""Subscriptions and digests that are due, computed as each recipient and delivered once.

``run_due`` is the job of ``custbot serve`` and of ``custbot subscriptions run``: under the
``subscriptions`` lease it stores the configured ``[[digests]]``, then for every due
subscription works out its deliveries (a post: its owner; a digest: each manager of the team,
and each rep when configured), claims each by its run key (``storage.subscriptions.claim``: one
replica sends it), renders the normal chat answer *as the recipient*, in their scope and
language (``bot.deliver``), and sends it through the outbound router. A failed delivery is
retried with backoff; ``subscriptions`` shows the failures.

Example::

    report = await run_due(core, router, now=datetime(2026, 11, 23, 6, 5))
    report.sent, report.failed
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core import ChatCore
from bot.deliver import (
    GONE_RECIPIENT,
    OUR_ERROR,
    Delivery,
    DeliveryError,
    deliveries,
    render,
    send,
)
from bot.outbound import OutboundRouter
from storage import subscriptions as subs
from storage.changes import utcnow
from storage.digests import DigestDefinition, sync_digests
from storage.leases import release_lease, take_lease

__all__ = ["RunReport", "run_due", "sync_config_digests", "BACKOFF"]

log = logging.getLogger("custbot.subscriptions")

LEASE = "subscriptions"
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))  # then give up


@dataclass
class RunReport:
    sent: int = 0
    failed: int = 0
    empty: int = 0
    skipped: int = 0
    leased: bool = False  # another process was running it: nothing done here


def sync_config_digests(core: ChatCore, now: datetime) -> None:
    """Store the ``[[digests]]`` of the configuration as rows (by name)."""
    from bot.schedule_words import split_lead
    from mailing.when import next_run_after
    from query_language import detect_language

    definitions = []
    for d in core.settings.digests:
        typed = split_lead(d.schedule, core.settings.timezone, now)
        definitions.append(
            DigestDefinition(
                d.name,
                d.query,
                d.schedule,
                typed.cron,
                typed.tz,
                detect_language(d.query),
                d.reps,
                d.send_empty,
            )
        )
    with core.engine.begin() as conn:
        sync_digests(conn, definitions, lambda cron, tz: next_run_after(cron, tz, now), now)


async def _attempt(
    core: ChatCore,
    router: OutboundRouter,
    sub: subs.Subscription,
    d: Delivery,
    key: str,
    attempts: int,
    now: datetime,
    report: RunReport,
) -> None:
    """Render and send one claimed delivery, and record how it went."""
    status, error, retry_at = "sent", None, None
    try:
        replies = await asyncio.to_thread(render, core, sub, d)
        if replies is None:
            status = "empty"
        elif isinstance(replies, str):  # the query no longer reads: retrying will not help
            status, error = "gave_up", replies
        else:
            await send(router, d.chat, replies)
    except DeliveryError as e:
        status, error = "failed", str(e)
    except Exception:  # logged with its traceback; the user reads one line
        log.exception("subscription %s to %s failed", sub.id, d.chat)
        status, error = "failed", OUR_ERROR
    if status == "failed":
        if attempts < len(BACKOFF):
            retry_at = now + BACKOFF[attempts]
        else:
            status = "gave_up"
    counter = {"sent": "sent", "empty": "empty"}.get(status, "failed")
    setattr(report, counter, getattr(report, counter) + 1)
    log.info("subscription %s to %s: %s %s", sub.id, d.chat, status, error or "")

    def record() -> None:
        with core.engine.begin() as conn:
            subs.finish(conn, key, status, now, error=error, retry_at=retry_at)

    await asyncio.to_thread(record)


async def _run_one(
    core: ChatCore, router: OutboundRouter, sub: subs.Subscription, now: datetime, r: RunReport
) -> None:
    from mailing.when import next_run_after

    planned, gone = await asyncio.to_thread(deliveries, core, sub)
    for d in planned + gone:
        key = subs.run_key(sub.id, sub.next_run_at, d.chat)

        def claim(key: str = key, d: Delivery = d) -> bool:
            with core.engine.begin() as conn:
                return subs.claim(conn, sub.id, key, sub.next_run_at, d.chat, now)

        if not await asyncio.to_thread(claim):
            continue  # another replica (or an earlier try of this one) has it
        if d in gone:
            r.skipped += 1
            await asyncio.to_thread(_skip, core, key, now, d.why)
            continue
        await _attempt(core, router, sub, d, key, 0, now, r)

    def move() -> None:
        with core.engine.begin() as conn:
            subs.advance(conn, sub.id, sub.next_run_at, next_run_after(sub.cron, sub.tz, now))

    await asyncio.to_thread(move)


def _skip(core: ChatCore, key: str, now: datetime, why: str) -> None:
    with core.engine.begin() as conn:
        subs.finish(conn, key, "skipped", now, error=why)


async def _retry(core: ChatCore, router: OutboundRouter, now: datetime, r: RunReport) -> None:
    def load() -> list[tuple[subs.Subscription, str, int, str]]:
        with core.engine.connect() as conn:
            rows = subs.retries_due(conn, now)
            found = [(subs.get(conn, row.subscription_id), row) for row in rows]
        return [(s, row.run_key, row.attempts, row.recipient) for s, row in found if s]

    for sub, key, attempts, chat in await asyncio.to_thread(load):

        def take(key: str = key, attempts: int = attempts) -> bool:
            with core.engine.begin() as conn:
                return subs.take_retry(conn, key, attempts, now)

        if not await asyncio.to_thread(take):
            continue
        planned, _gone = await asyncio.to_thread(deliveries, core, sub)
        d = next((p for p in planned if p.chat == chat), None)
        if d is None or not sub.active:
            r.skipped += 1
            await asyncio.to_thread(_skip, core, key, now, GONE_RECIPIENT)
            continue
        await _attempt(core, router, sub, d, key, attempts, now, r)


async def run_due(
    core: ChatCore, router: OutboundRouter, now: datetime | None = None, holder: str | None = None
) -> RunReport:
    """Deliver every due subscription, digest and retry once (``now``: naive UTC, a fake
    clock in tests). Another process holding the lease means nothing is done here."""
    now = now or utcnow()
    holder = holder or f"{socket.gethostname()}:{os.getpid()}:{id(core)}"
    report = RunReport()
    if not await asyncio.to_thread(take_lease, core.engine, LEASE, holder, timedelta(minutes=10)):
        report.leased = True
        return report
    try:
        await asyncio.to_thread(sync_config_digests, core, now)

        def load() -> list[subs.Subscription]:
            with core.engine.connect() as conn:
                return subs.due(conn, now)

        for sub in await asyncio.to_thread(load):
            await _run_one(core, router, sub, now, report)
        await _retry(core, router, now, report)
    finally:
        await asyncio.to_thread(release_lease, core.engine, LEASE, holder)
    return report
