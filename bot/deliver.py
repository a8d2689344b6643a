"""Who gets a subscription or digest, what each one reads, and how it reaches them.

Every delivery is computed *as its recipient* at send time: the chat core answers the stored
query for that user, in their language, with their scope — a post in the owner's scope (in a
team channel the owner's team), a digest in the recipient's own customers (a manager: their
team's total). A recipient who is no longer a user, no longer on the team or no longer allowed
the channel gets nothing.

Example::

    planned, gone = deliveries(core, sub)
    replies = render(core, sub, planned[0])   # list of replies, None (empty digest) or an error
    await send(router, planned[0].chat, replies)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select

from bot.core import ChatCore, Context
from bot.i18n import N_
from bot.messages import Identity, Reply, Request, Text
from bot.outbound import OutboundRouter
from storage import subscriptions as subs
from storage.schema import managers
from storage.scope import CustomerScope

__all__ = [
    "Delivery",
    "DeliveryError",
    "deliveries",
    "render",
    "send",
    "SAFE_COMMANDS",
    "GONE_RECIPIENT",
    "OUR_ERROR",
]

log = logging.getLogger("custbot.subscriptions")

SAFE_COMMANDS = frozenset({"export", "chart", "segment"})  # commands a subscription may run

# why a delivery did not happen: stored in English, shown by 'subscriptions' in the reader's language
GONE_USER = N_("the owner is no longer a user")
GONE_MANAGER = N_("the owner is no longer a manager")
GONE_CHANNEL = N_("no longer the owner's team channel")
GONE_RECIPIENT = N_("no longer a recipient")
NO_FRONT_END = N_("no front end for this chat is running")
REFUSED = N_("the chat platform did not take it")
OUR_ERROR = N_("an error on our side (see the log)")


class DeliveryError(Exception):
    """A front end did not take a message (retried with backoff)."""


@dataclass(frozen=True)
class Delivery:
    chat: str  # platform:chat
    who: Identity | None = None  # the recipient it is computed as
    scope: CustomerScope | None = None  # None: the recipient's own chat scope
    lead: bool = False  # a manager receiving their team's digest
    why: str = ""  # why it is not delivered (the recipient is gone)


def _person(row: Any) -> tuple[Identity, str]:
    if row.telegram_id is not None:
        return Identity("telegram", str(row.telegram_id)), f"telegram:{row.telegram_id}"
    if row.slack_user_id:
        return Identity("slack", row.slack_user_id, row.slack_team_id), f"slack:{row.slack_user_id}"
    return Identity("terminal", row.name), f"terminal:{row.name}"


def _digest(core: ChatCore, sub: subs.Subscription) -> list[Delivery]:
    with core.engine.connect() as conn:
        leads_q = select(managers).where(managers.c.role == "manager")
        if sub.team_lead_id is not None:
            leads_q = select(managers).where(managers.c.id == sub.team_lead_id)
        leads = conn.execute(leads_q.order_by(managers.c.id)).all()
        out: list[Delivery] = []
        for lead in leads:
            who, chat = _person(lead)
            out.append(Delivery(chat, who, CustomerScope(lead.id), lead=True))
            if sub.with_reps:
                reps = conn.execute(
                    select(managers)
                    .where(managers.c.team_lead_id == lead.id, managers.c.role == "rep")
                    .order_by(managers.c.id)
                ).all()
                for rep in reps:
                    who, chat = _person(rep)
                    out.append(Delivery(chat, who, CustomerScope(rep.id)))
    return out


def deliveries(core: ChatCore, sub: subs.Subscription) -> tuple[list[Delivery], list[Delivery]]:
    """(who gets this run, who would have but is gone — recorded as skipped)."""
    owner = Identity(*sub.owner) if sub.owner else None  # type: ignore[arg-type]
    user = core.identify(owner) if owner else None
    if owner is not None and user is None:
        return [], [Delivery(sub.chat or "-", why=GONE_USER)]
    if sub.kind == "digest":
        if owner is not None and (user is None or not user.at_least("manager")):
            return [], [Delivery("-", why=GONE_MANAGER)]
        return _digest(core, sub), []
    assert user is not None and owner is not None and sub.chat
    if not sub.channel:
        return [Delivery(sub.chat, owner)], []
    configured = next((u.team_channel for u in core.settings.users if u.name == user.name), None)
    if not user.at_least("manager") or configured != sub.chat:
        return [], [Delivery(sub.chat, why=GONE_CHANNEL)]
    team = CustomerScope(user.manager_id) if user.manager_id is not None else None
    return [Delivery(sub.chat, owner, team)], []


def _empty(ctx: Context, query: str) -> bool:
    from bot.commands.query import interpret_for
    from query_language import QueryError, run_query

    try:
        q = interpret_for(ctx, query, language=ctx.query_language)
    except QueryError:
        return False  # the answer says what is wrong
    with ctx.engine.connect() as conn:
        return run_query(conn, q, offset=0, limit=0).count == 0


def _heading(ctx: Context, sub: subs.Subscription, d: Delivery) -> str:
    if sub.kind != "digest":
        return ctx._("Subscription {n} · {schedule}").format(n=sub.id, schedule=sub.schedule)
    name = sub.name or f"#{sub.id}"
    if d.lead:
        return ctx._("Digest {name} · {schedule} · you and your team").format(
            name=name, schedule=sub.schedule
        )
    return ctx._("Digest {name} · {schedule} · your customers").format(
        name=name, schedule=sub.schedule
    )


def render(core: ChatCore, sub: subs.Subscription, d: Delivery) -> list[Reply] | str | None:
    """The normal chat answer to the subscription's query, as ``d.who`` reads it: the replies,
    None for an empty digest not to be sent, or the error the answer would show."""
    from bot.commands.query import answer_query
    from bot.registry import match_command
    from storage.timeouts import statement_timeout

    assert d.who is not None
    user = core.identify(d.who)
    if user is None:
        return "the recipient is no longer a user"
    language = core.language_for(d.who)
    text = sub.query if sub.output == "answer" else f"export {sub.query} as {sub.output}"
    chat_id = d.chat.partition(":")[2]
    request = Request(d.who, chat_id, text=text, is_group=sub.channel, language=language)
    ctx = Context(core, user, request, core.today(), language, sub.language)
    if d.scope is not None:
        ctx.__dict__["scope"] = d.scope  # the cached scope of this request: the recipient's own
        ctx.extra["narrowed"] = True  # not "… which you cannot see": they may, in the chat
    with statement_timeout(core.settings.limits.statement_timeout_ms):
        if sub.kind == "digest" and not sub.send_empty and _empty(ctx, sub.query):
            return None
        found = match_command(text)
        if found is not None and found[0].name in SAFE_COMMANDS:
            replies = found[0].handler(ctx, found[1])
        else:
            replies = answer_query(ctx, text, language=sub.language)
        ctx.flush()
    errors = [
        p.text for r in replies for p in r.parts if isinstance(p, Text) and p.style == "error"
    ]
    if errors or not replies:
        return (errors[0] if errors else "no answer")[:300]
    first = replies[0]
    replies[0] = replace(first, parts=(Text(_heading(ctx, sub, d), "heading"), *first.parts))
    return [replace(r, language=language, private=False) for r in replies]


async def send(router: OutboundRouter, chat: str, replies: list[Reply]) -> None:
    """Hand every reply to the front end of ``chat`` (``platform:chat``); DeliveryError when
    none runs or it refuses (the details are logged)."""
    platform, _sep, chat_id = chat.partition(":")
    target = router.targets.get(platform)
    if target is None or not chat_id:
        log.warning("cannot deliver to %s: no %s front end is running", chat, platform)
        raise DeliveryError(NO_FRONT_END)
    for reply in replies:
        try:
            await target.send(chat_id, reply)
        except Exception:
            log.exception("delivery to %s failed", chat)
            raise DeliveryError(REFUSED) from None
