"""Reassign customers to a manager: ``assign vip Kazan to Petrov`` (``передать vip Казань
Петрову``, ``назначить … менеджеру Петров``), managers only. It is a bulk change like ``rate``
(bot/commands/bulk.py): a preview with how many really change and how many are already his,
Confirm, one audited batch, Undo. A customer's card has a Reassign button that lists the
managers to pick from.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, select

from bot.commands.bulk import preview_reply
from bot.core import Context
from bot.messages import Button, Buttons, Reply, Text
from bot.registry import action, command
from bot.state import State
from storage.creating import find_managers
from storage.schema import managers

__all__ = ["manager_names", "reassign_button", "one_manager"]

# "<query> to Petrov", "<query> to manager Petrov", "<запрос> менеджеру Петров", "<запрос> Петрову"
_TO = re.compile(r"^(?P<q>.+?)\s+(?:to|менеджеру|на)\s+(?:manager\s+)?(?P<m>\S.*)$", re.I | re.S)
_LAST = re.compile(r"^(?P<q>.+?)\s+(?P<m>\S+)$", re.S)


def manager_names(conn: Connection, counts: dict[Any, int]) -> dict[Any, int]:
    """A breakdown by manager id (the audit text of it) as a breakdown by manager name."""
    ids = [int(k) for k in counts if k is not None]
    rows = conn.execute(select(managers.c.id, managers.c.name).where(managers.c.id.in_(ids)))
    names: dict[int, str] = {r[0]: r[1] for r in rows}
    out: dict[Any, int] = {}
    for k, n in counts.items():
        key = names.get(int(k), k) if k is not None else None
        out[key] = out.get(key, 0) + n
    return out


def _usage(ctx: Context) -> list[Reply]:
    return [
        Reply((Text(ctx._("Say whose and to whom, e.g. 'assign vip Kazan to Petrova'."), "error"),))
    ]


def _preview(ctx: Context, payload: dict[str, Any], manager: tuple[int, str]) -> list[Reply]:
    return preview_reply(
        ctx,
        {**payload, "op": "assign", "value": manager[1], "manager_id": manager[0],
         "today": ctx.today.isoformat(), "language": ctx.query_language},
    )  # fmt: skip


@command("assign", example="assign vip Kazan to Petrova", role="manager", topic="bulk")
def assign(ctx: Context, args: str) -> list[Reply]:
    """Reassign every customer a query matches to a manager ('assign QUERY to SURNAME')."""
    m = _TO.match(args.strip()) or _LAST.match(args.strip())
    if not m:
        return _usage(ctx)
    query, who = m.group("q").strip(), m.group("m").strip()
    manager, problem = one_manager(ctx, who)
    if manager is None:
        return [Reply((Text(problem or "", "error"),))]
    return _preview(ctx, {"text": query}, manager)


def one_manager(ctx: Context, typed: str) -> tuple[tuple[int, str] | None, str | None]:
    """The one manager a user names (surname, full name, a Russian case of it), or an error."""
    _ = ctx._
    with ctx.engine.connect() as conn:
        found = find_managers(conn, typed)
    if len(found) == 1:
        return found[0], None
    if not found:
        return None, _("There is no manager '{name}'.").format(name=typed)
    names = ", ".join(n for _i, n in found)
    return None, _("Several managers match '{name}': {names}").format(name=typed, names=names)


def reassign_button(ctx: Context, customer_id: int) -> Button:
    """The card's Reassign button (managers only)."""
    return Button(ctx._("Reassign"), ctx.remember("reassign_pick", {"customer_id": customer_id}))


@action("reassign_pick")
def _reassign_pick(ctx: Context, st: State) -> list[Reply]:
    """The card's Reassign: the managers to choose from (then the usual preview)."""
    if not ctx.user.at_least("manager"):
        return [Reply((Text(ctx._("Only a manager may change customers."), "error"),))]
    cid = int(st.payload["customer_id"])
    with ctx.engine.connect() as conn:
        rows = conn.execute(
            select(managers.c.id, managers.c.name).order_by(managers.c.surname).limit(20)
        ).all()
    buttons = tuple(
        Button(
            name, ctx.remember("reassign_to", {"customer_id": cid, "manager_id": mid, "name": name})
        )
        for mid, name in rows
    )
    return [Reply((Text(ctx._("Reassign to which manager?"), "heading"), Buttons(buttons)))]


@action("reassign_to")
def _reassign_to(ctx: Context, st: State) -> list[Reply]:
    """A manager picked for one customer: the preview of the change."""
    if not ctx.user.at_least("manager"):
        return [Reply((Text(ctx._("Only a manager may change customers."), "error"),))]
    p = st.payload
    return _preview(ctx, {"customer_id": int(p["customer_id"])}, (int(p["manager_id"]), p["name"]))
