"""Running the watches: each due watch computed as its recipient, its snapshot moved, and the
notices to send.

A watch is due when the data changed since its last run (``storage.watches.data_generation``),
when the day changed (conditions such as "no purchases in the last 90 days" move with the
calendar), or when it has no baseline yet. Its query is interpreted with the scope its owner has
*now*; a watch into a group chat runs only while its owner is a manager whose configured
``team_channel`` it is. One lease keeps replicas from running the same pass; a compare-and-set
on each watch keeps a run from being recorded (and told) twice in any case.

A notice no front end takes is not lost: its run is remembered on the watch
(``storage.watches.notice_failed``) and told again with backoff (``bot.scheduled.BACKOFF``) by
later passes until it is delivered or the backoff is spent; ``watches`` shows it meanwhile.

Example::

    notices = run_watches(core, holder="host:1")
    errors = await deliver_notices(core, router, notices)  # None where delivered
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, select, update

from bot import state
from bot.core import ChatCore
from bot.messages import Reply
from bot.outbound import OutboundRouter
from bot.settings import BotSettings
from bot.users import ROLE_RANK
from bot.watch_notice import notice_page
from storage.changes import utcnow
from storage.leases import release_lease, take_lease
from storage.schema import managers, watches
from storage.scope import EVERYONE, CustomerScope
from storage.watches import (
    Watch,
    advance,
    data_generation,
    list_watches,
    notice_failed,
    notice_sent,
    notices_to_retry,
    owes,
    postpone,
    set_reasons,
)

__all__ = [
    "Notice",
    "run_watches",
    "run_watch",
    "deliver_notices",
    "watch_scope",
    "team_channel",
    "private_chat",
    "LEASE",
]

log = logging.getLogger("custbot.watches")

LEASE = "watches"
HELD = "held: an earlier notice of this watch was not delivered"  # told after it, in order
CLAIM = timedelta(minutes=10)  # a retried notice is this pass's for this long (one replica sends)


@dataclass(frozen=True)
class Notice:
    watch_id: int
    run_no: int
    chat: str
    reply: Reply


def holder() -> str:
    """Who takes the watches' lease: this host, process and run."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def team_channel(settings: BotSettings, name: str) -> str | None:
    """The configured team channel (``platform:chat``) of the user called ``name``, if any."""
    return next((u.team_channel for u in settings.users if u.name == name), None)


def private_chat(user_key: str) -> str:
    """The address of a user's private chat with the bot: ``telegram:42``, ``slack:U02``."""
    return f"{user_key.split(':', 1)[0]}:{user_key.rsplit(':', 1)[-1]}"


def watch_scope(conn: Connection, settings: BotSettings, watch: Watch) -> CustomerScope | None:
    """Whose customers ``watch`` may show now (its owner's scope); None when it may not run:
    its owner is gone, or it posts to a group chat that is not its manager's team channel."""
    if watch.owner_id is None:
        return EVERYONE  # the local administrator (command line)
    owner = conn.execute(
        select(managers.c.name, managers.c.role).where(managers.c.id == watch.owner_id)
    ).first()
    if owner is None:
        return None
    if watch.chat != private_chat(watch.owner_key) and (
        ROLE_RANK.get(owner.role, 0) < ROLE_RANK["manager"]
        or team_channel(settings, owner.name) != watch.chat
    ):
        return None
    return CustomerScope.for_user(
        role=owner.role, manager_id=watch.owner_id, setting=settings.access.scope
    )


def run_watch(
    core: ChatCore, watch: Watch, *, today: date, now: datetime, generation: int
) -> Notice | None:
    """One run of ``watch``: the snapshot moved and the notice to send (None: nothing to tell,
    the baseline, not allowed now, or another process recorded this run)."""
    from bot.watch_reasons import explain
    from query_language import QueryError, interpret, matching_ids

    with core.engine.begin() as conn:
        scope = watch_scope(conn, core.settings, watch)
        if scope is None:
            log.warning(
                "watch %s skipped: its owner may no longer post to %s", watch.id, watch.chat
            )
            postpone(conn, watch.id, generation)
            return None
        try:
            query = interpret(
                watch.query,
                core.catalog(),
                today=today,
                language=watch.query_language,
                scope=scope,
            )
        except QueryError as e:
            log.warning("watch %s skipped: its query no longer reads: %s", watch.id, e)
            postpone(conn, watch.id, generation)
            return None
        done = advance(
            conn, watch, matching_ids(query), generation=generation, today=today, now=now
        )
        if done is None or done.baseline or not (done.entered or done.left):
            return None
        from bot.i18n import translator

        set_reasons(
            conn,
            watch.id,
            done.run_no,
            explain(conn, watch, done.run_no, query, translator(watch.language)),
        )
        reply, rows = notice_page(
            conn, watch, done.run_no, scope, watch.language, offset=0, user_key=watch.owner_key
        )
        state.put_rows(conn, rows)
    if reply is None:
        return None
    return Notice(watch.id, done.run_no, watch.chat, reply)


def _due(watch: Watch, generation: int, today: date) -> bool:
    return watch.runs == 0 or watch.data_generation != generation or watch.last_day != today


def run_watches(
    core: ChatCore,
    *,
    holder: str,
    today: date | None = None,
    now: datetime | None = None,
    only: int | None = None,
) -> list[Notice]:
    """Run every due watch once (or only watch ``only``); the notices to send. Empty when
    another process holds the lease."""
    if not take_lease(core.engine, LEASE, holder, timedelta(minutes=10)):
        log.info("watches: another process is running them")
        return []
    notices: list[Notice] = []
    try:
        today = today or core.today()
        now = now or utcnow()
        with core.engine.connect() as conn:
            generation = data_generation(conn)
            found = [w for w in list_watches(conn) if only is None or w.id == only]
        for watch in found:
            if only is None and not _due(watch, generation, today):
                continue
            try:
                notice = run_watch(core, watch, today=today, now=now, generation=generation)
            except Exception:  # one broken watch does not stop the others
                log.exception("watch %s failed", watch.id)
                continue
            if notice is not None and not owes(watch):  # else it waits its turn behind the owed
                notices.append(notice)
        notices += _retries(core, now)
    finally:
        release_lease(core.engine, LEASE, holder)
    return notices


def _retries(core: ChatCore, now: datetime) -> list[Notice]:
    """The owed notices due again, oldest run first, from the oldest owed to the newest run,
    each rebuilt from its recorded run in the owner's scope now and claimed for ``CLAIM`` so
    that another pass does not send it too."""
    found: list[Notice] = []
    with core.engine.begin() as conn:
        for watch in notices_to_retry(conn, now):
            if watch.unsent_run is None:
                continue
            scope = watch_scope(conn, core.settings, watch)
            if scope is None:
                continue  # its owner may not post there now: it waits
            for run_no in range(watch.unsent_run, watch.runs + 1):
                reply, rows = notice_page(
                    conn, watch, run_no, scope, watch.language, offset=0, user_key=watch.owner_key
                )
                if reply is None:  # nothing of it is in the owner's scope (any more)
                    notice_sent(conn, watch.id, run_no, now=now)
                    continue
                state.put_rows(conn, rows)
                found.append(Notice(watch.id, run_no, watch.chat, reply))
            conn.execute(
                update(watches).where(watches.c.id == watch.id).values(notice_retry_at=now + CLAIM)
            )
    return found


async def deliver_notices(
    core: ChatCore, router: OutboundRouter, notices: list[Notice], now: datetime | None = None
) -> list[str | None]:
    """Send each notice to its chat; record it delivered, or failed with its next attempt
    (``bot.scheduled.BACKOFF``). Returns each notice's error (None: delivered), in order."""
    from bot.deliver import OUR_ERROR, DeliveryError, send
    from bot.scheduled import BACKOFF

    errors: list[str | None] = []
    stopped: set[int] = set()  # watches whose notice failed in this pass: the later ones wait
    for notice in notices:
        error: str | None = None
        if notice.watch_id in stopped:
            errors.append(HELD)
            continue
        try:
            await send(router, notice.chat, [notice.reply])
        except DeliveryError as e:
            error = str(e)
        except Exception:  # logged with its traceback; `watches` shows one line
            log.exception("watch %s: the notice to %s failed", notice.watch_id, notice.chat)
            error = OUR_ERROR
        at = now or utcnow()

        def record(n: Notice = notice, error: str | None = error, at: datetime = at) -> None:
            with core.engine.begin() as conn:
                if error is None:
                    notice_sent(conn, n.watch_id, n.run_no, now=at)
                    return
                retry = notice_failed(
                    conn, n.watch_id, n.run_no, error=error, backoff=BACKOFF, now=at
                )
                log.warning(
                    "watch %s: notice of run %s not delivered (%s); %s",
                    n.watch_id,
                    n.run_no,
                    error,
                    f"retrying at {retry:%Y-%m-%d %H:%M} UTC" if retry else "gave up",
                )

        await asyncio.to_thread(record)
        errors.append(error)
        if error is not None:
            stopped.add(notice.watch_id)
    return errors
