"""Reminders due now: each open follow-up whose time has come is claimed (once, across
processes and replicas: ``storage.follow_ups.claim_due``) and becomes a reply for its author's
DM, in their language, with the customer's card and Done / Snooze buttons.

Example::

    for chat, reply in due_reminders(core, now=utcnow()):
        await router.send(chat, reply)       # e.g. "telegram:1001"
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from bot.core import ChatCore, Context
from bot.messages import Identity, Reply, Request
from storage.changes import utcnow
from storage.follow_ups import claim_due

__all__ = ["due_reminders", "identity_of"]

log = logging.getLogger("custbot.reminders")


def identity_of(key: str) -> Identity | None:
    """The identity behind a user key (``telegram:42``, ``slack:T1:U2``, ``terminal:Ivanov``)."""
    parts = key.split(":")
    if parts[0] == "slack" and len(parts) == 3:
        return Identity("slack", parts[2], parts[1])
    if parts[0] in ("telegram", "terminal", "cli") and len(parts) == 2:
        return Identity(parts[0], parts[1])  # type: ignore[arg-type]
    return None


def due_reminders(core: ChatCore, *, now: datetime | None = None) -> list[tuple[str, Reply]]:
    """(``platform:chat``, reply) for every follow-up due by ``now`` (naive UTC) that this call
    claimed; a follow-up whose author is no longer known is claimed and logged, not sent."""
    from bot.commands.follow_up_list import reminder_reply

    with core.engine.begin() as conn:
        claimed = claim_due(conn, now=now or utcnow())
    out: list[tuple[str, Reply]] = []
    for f in claimed:
        who = identity_of(f.author_key)
        user = core.identify(who) if who is not None else None
        if who is None or user is None:
            log.warning("follow-up %s: its author %s is unknown; not sent", f.id, f.author_key)
            continue
        language = core.language_for(who)
        ctx = Context(core, user, Request(who, who.user_id), core.today(), language, language)
        reply = reminder_reply(ctx, f)
        ctx.flush()
        out.append((f"{who.platform}:{who.user_id}", replace(reply, language=language)))
    return out
