"""Running the watches: each due watch computed as its recipient, its snapshot moved, and the
notices to send.

A watch is due when the data changed since its last run (``storage.watches.data_generation``),
when the day changed (conditions such as "no purchases in the last 90 days" move with the
calendar), or when it has no baseline yet. Its query is interpreted with the scope its owner has
*now*; a watch into a group chat runs only while its owner is a manager whose configured
``team_channel`` it is. One lease keeps replicas from running the same pass; a compare-and-set
on each watch keeps a run from being recorded (and told) twice in any case.

Example::

    for notice in run_watches(core, holder="host:1"):
        await router.send(notice.chat, notice.reply)
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, select

from bot import state
from bot.core import ChatCore
from bot.messages import Reply
from bot.settings import BotSettings
from bot.users import ROLE_RANK
from bot.watch_notice import notice_page
from storage.changes import utcnow
from storage.leases import release_lease, take_lease
from storage.schema import managers
from storage.scope import EVERYONE, CustomerScope
from storage.watches import (
    Watch,
    advance,
    data_generation,
    list_watches,
    postpone,
    set_reasons,
)

__all__ = [
    "Notice",
    "run_watches",
    "run_watch",
    "watch_scope",
    "team_channel",
    "private_chat",
    "LEASE",
]

log = logging.getLogger("custbot.watches")

LEASE = "watches"


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
            if notice is not None:
                notices.append(notice)
    finally:
        release_lease(core.engine, LEASE, holder)
    return notices
