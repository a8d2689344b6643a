"""The scheduler job that sends due follow-ups (``custbot serve``, every minute).

Any number of replicas run it: the job takes the database lease ``follow-ups``
(``storage.leases``) so that one replica at a time sends, and each reminder is claimed by a
conditional UPDATE before it goes out, so a reminder is sent once even across a restart in the
middle of a run or a lease that expired meanwhile.

Example::

    await follow_up_job(core, router, holder="host-1:4242")
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import timedelta

from bot.core import ChatCore
from bot.outbound import OutboundRouter
from bot.reminders import due_reminders
from storage.leases import release_lease, take_lease

__all__ = ["follow_up_job", "LEASE", "default_holder"]

log = logging.getLogger("custbot.serve")

LEASE = "follow-ups"
INTERVAL_SECONDS = 60
ROUNDS = 10


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def follow_up_job(core: ChatCore, router: OutboundRouter, holder: str | None = None) -> int:
    """Send every follow-up due now; returns how many this run sent (0 when another replica
    holds the lease)."""
    holder = holder or default_holder()
    if not await asyncio.to_thread(take_lease, core.engine, LEASE, holder, timedelta(minutes=5)):
        return 0
    sent = 0
    try:
        for _round in range(ROUNDS):  # each claims at most 100: a backlog goes out in rounds
            due = await asyncio.to_thread(due_reminders, core)
            for chat, reply in due:
                await router.send(chat, reply)
            sent += len(due)
            if not due:
                break
        if sent:
            log.info("sent %d follow-up reminders", sent)
        return sent
    finally:
        await asyncio.to_thread(release_lease, core.engine, LEASE, holder)
