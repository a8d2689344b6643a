"""Bulk changes on everything a query matches (or one customer from its card): previewed,
confirmed by their initiator only, applied once in one set-based transaction, audited, undoable.

The pending operation is a single-use ``chat_state`` row that expires; the role is checked
again at confirm time and the query is re-evaluated then.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Select, select

from bot import state
from bot.commands.query import interpret_for, query_error_reply
from bot.core import Context
from bot.i18n import N_
from bot.lexicon import connector_pattern
from bot.messages import Button, Part, Reply, Text
from bot.registry import action, command
from bot.state import State
from bot.views import already_spent, button_row, stars
from storage.changes import (
    add_tag,
    finish_batch,
    fixed_targets,
    members,
    remove_tag,
    set_field,
    start_batch,
)
from storage.large_write import large_write
from storage.previews import change_counts, changing
from storage.schema import customers

__all__ = ["Operation", "OPERATIONS", "preview_reply"]

log = logging.getLogger("custbot.bulk")
RATINGS = {"a": "A", "b": "B", "c": "C", "а": "A", "в": "B", "с": "C"}  # Latin and Cyrillic
STATUSES = ("active", "check", "archived")
_FOR = re.compile(rf"^(?:{connector_pattern('for')})\s+", re.IGNORECASE)


class _Refused(Exception):
    """Refuse a confirmation and roll its transaction back (the pending change stays unused)."""


@dataclass(frozen=True)
class Operation:
    op: str
    field: str  # rating, status, rating_pinned, tag:<name>
    verb: str  # for the audit log (English, stable): "rate A", "tag vip", …
    template: str  # the same for people, a catalog message: "rate {value}"
    value: Any = None

    def says(self, _: Any) -> str:
        """The operation in the user's language, e.g. «оценить A»."""
        return _(self.template).format(value=self.value)

    def apply(self, conn: Connection, batch_id: int, value: Any, ids: Select, source: str) -> int:
        if self.op == "tag":
            return add_tag(conn, batch_id, self.field[4:], ids)
        if self.op == "untag":
            return remove_tag(conn, batch_id, self.field[4:], ids)
        return set_field(conn, batch_id, self.field, value, ids, source=source)


def operation(op: str, value: Any) -> Operation:
    if op == "rate" and value:
        return Operation(op, "rating", f"rate {value}", N_("rate {value}"), value)
    if op in ("rate", "unrate"):
        return Operation(op, "rating", "unrate", N_("remove the rating"))
    if op == "tag":
        return Operation(op, f"tag:{value}", f"tag {value}", N_("tag {value}"), value)
    if op == "untag":
        return Operation(op, f"tag:{value}", f"untag {value}", N_("untag {value}"), value)
    if op == "status":
        return Operation(op, "status", f"set status {value}", N_("set status {value}"), value)
    if op == "assign":  # value: the manager's name; the payload's manager_id is what is set
        return Operation(op, "manager_id", f"assign to {value}", N_("assign to {value}"), value)
    if op == "pin":
        return Operation(op, "rating_pinned", "pin rating", N_("pin the rating"))
    if op == "unpin":
        return Operation(op, "rating_pinned", "unpin rating", N_("unpin the rating"))
    raise ValueError(f"unknown operation {op!r}")


OPERATIONS = ("rate", "unrate", "tag", "untag", "status", "pin", "unpin", "assign")


def _target(ctx: Context, p: dict[str, Any]) -> tuple[Select, str | None]:
    """The customers a pending change is for, and the echo of its query (None for one customer
    from its card); the query is interpreted once for both."""
    from query_language import describe, matching_ids

    if p.get("customer_id") is not None:
        one = customers.c.id == int(p["customer_id"])
        return select(customers.c.id).where(one, ctx.scope.condition()), None
    query = interpret_for(ctx, p["text"], date.fromisoformat(p["today"]), p.get("language"))
    return matching_ids(query), describe(query)


def _value(p: dict[str, Any]) -> Any:
    if p["op"] == "assign":
        return int(p["manager_id"])
    return {"pin": True, "unpin": False, "unrate": None}.get(p["op"], p.get("value"))


def preview_reply(ctx: Context, p: dict[str, Any]) -> list[Reply]:
    """The count, a breakdown by the current value, a sample of names, Confirm and Cancel."""
    from query_language import QueryError

    _ = ctx._
    op = operation(p["op"], p.get("value"))
    try:
        ids, echo = _target(ctx, p)
    except QueryError as e:
        return [query_error_reply(ctx, e)]
    with ctx.engine.connect() as conn:
        target = (
            echo
            if echo is not None
            else conn.execute(
                select(customers.c.name).where(
                    customers.c.id == int(p["customer_id"]), ctx.scope.condition()
                )
            ).scalar()
            or "—"
        )
        # one pass: how many match, and by their current value those that would really change,
        # by the very condition the confirmation applies
        matched, counts = change_counts(conn, op.field, _value(p), ids, remove=op.op == "untag")
        if matched == 0:
            return [
                Reply(
                    (
                        Text(target, "echo"),
                        Text(_("No customers match, so there is nothing to change."), "note"),
                    )
                )
            ]
        will = changing(conn, op.field, _value(p), ids, remove=op.op == "untag")
        if op.field == "manager_id":  # by the manager's name, not the id (bot/commands/assign.py)
            from bot.commands.assign import manager_names

            counts = manager_names(conn, counts)
        count = sum(counts.values())
        already = matched - count
        if count == 0:
            return [
                Reply(
                    (
                        Text(_("{verb}: {target}").format(verb=op.says(_), target=target), "echo"),
                        Text(
                            _(
                                "Nothing would change: the {n} matching customers are already so."
                            ).format(n=matched)
                            if matched != 1
                            else _("Nothing would change: the matching customer is already so."),
                            "heading",
                        ),
                    )
                )
            ]
        sample = conn.execute(
            select(customers.c.name, customers.c.rating)
            .where(members(will))
            .order_by(customers.c.name)
            .limit(5)
        ).all()
    cap = ctx.settings.bulk.row_cap
    parts: list[Part] = [
        Text(_("{verb}: {target}").format(verb=op.says(_), target=target), "echo"),
        Text(
            _("{n} customers would change.").format(n=count)
            if count != 1
            else _("1 customer would change."),
            "heading",
        ),
        Text(
            _("Now: {breakdown}").format(
                breakdown=", ".join(
                    f"{n} {_label(op, v, _)}"
                    for v, n in sorted(counts.items(), key=lambda kv: -kv[1])
                )
            )
        ),
        Text(
            _("For example: {names}").format(
                names=", ".join(f"{n} ({stars(r)})" for n, r in sample)
            )
            + (" …" if count > len(sample) else "")
        ),
    ]
    if already:
        parts.insert(
            2,
            Text(
                _("{n} more match but already are so; they stay as they are.").format(n=already)
                if already != 1
                else _("1 more matches but already is so; it stays as it is."),
                "note",
            ),
        )
    if count > cap:
        parts.append(
            Text(
                _(
                    "That is more than the limit of {cap} customers: only an admin may confirm."
                ).format(cap=cap),
                "note",
            )
        )
    ttl = timedelta(minutes=ctx.settings.bulk.confirm_minutes)
    pending = {**p, "count": count, "matched": matched}
    token = ctx.remember("confirm", pending, ttl)
    cancel = ctx.remember("cancel", {"confirm": token}, ttl)
    parts.append(
        button_row(
            Button(
                _("Confirm"),
                token,
                "danger" if op.op in ("status", "unrate", "untag") else "primary",
            ),
            Button(_("Cancel"), cancel),
        )
    )
    parts.append(
        Text(_("This expires in {m} minutes.").format(m=ctx.settings.bulk.confirm_minutes), "note")
    )
    return [Reply(tuple(parts))]


def _label(op: Operation, value: str | None, _: Any) -> str:
    if op.field == "manager_id":
        return _("with {manager}").format(manager=value) if value else _("with no manager")
    if op.field == "rating":
        return _("now {value}").format(value=value) if value else _("unrated")
    if op.field.startswith("tag:"):
        return _("tagged") if value == "yes" else _("untagged")
    if op.field == "rating_pinned":
        return _("pinned") if value == "yes" else _("not pinned")
    return _("now {value}").format(value=_(value) if value else "—")


@action("confirm")
def _confirm(ctx: Context, st: State) -> list[Reply]:
    """Apply a previewed change once: role re-checked, query re-evaluated, one transaction."""
    _ = ctx._
    p = st.payload
    if p.get("op") == "undo":
        from bot.commands.undo import confirm_undo

        return confirm_undo(ctx, st)
    if st.used:
        return [Reply((Text(_("This change was already confirmed or cancelled."), "note"),))]
    if not ctx.user.at_least("manager"):
        log.warning("refused confirm by %s: role %s", ctx.user.identity.key, ctx.user.role)
        return [
            Reply(
                (
                    Text(
                        _("Only a manager may confirm changes. You are a {role}.").format(
                            role=_(ctx.user.role)
                        ),
                        "error",
                    ),
                )
            )
        ]
    op = operation(p["op"], p.get("value"))
    try:
        ids, _echo = _target(ctx, p)
        with ctx.engine.begin() as conn:
            large_write(conn)  # SQLite: a larger cache, and the checkpoint after the reply
            # spend first: the write lock makes a second, concurrent confirm wait and then find it spent
            if not state.spend(conn, st.token, ctx.user.identity.key):
                return already_spent(_)
            # the customers matching now, counted and changed as one set
            with fixed_targets(conn, ids) as (targets, now_count):
                if now_count > ctx.settings.bulk.row_cap and not ctx.user.at_least("admin"):
                    raise _Refused(
                        _(
                            "{n} customers is over the limit of {cap}: only an admin may confirm."
                        ).format(n=now_count, cap=ctx.settings.bulk.row_cap)
                    )
                target = p.get("text") or f"customer #{p.get('customer_id')}"
                batch = start_batch(
                    conn,
                    ctx.actor,
                    action=op.op,
                    description=f"{op.verb}: {target}",
                    query=p.get("text"),
                )
                changed = op.apply(conn, batch, _value(p), targets, source=ctx.user.label)
                finish_batch(conn, batch, changed)
    except _Refused as e:
        return [Reply((Text(str(e), "error"),))]
    except Exception:
        log.exception("bulk change failed; rolled back")
        return [
            Reply(
                (Text(_("The change failed and nothing was changed. Please try again."), "error"),)
            )
        ]
    parts: list[Part] = [
        Text(
            ctx.ngettext(
                "Done: {verb} for {n} customer (batch #{batch}).",
                "Done: {verb} for {n} customers (batch #{batch}).",
                changed,
            ).format(verb=op.says(_), n=changed, batch=batch),
            "heading",
        )
    ]
    if now_count != p.get("matched", p.get("count")):
        parts.append(
            Text(
                _(
                    "The query matched {before} customers at preview and {now} at confirm; "
                    "the change used the customers matching now."
                ).format(before=p.get("matched", p.get("count")), now=now_count),
                "note",
            )
        )
    if now_count - changed:
        parts.append(Text(_("{n} already had that value.").format(n=now_count - changed), "note"))
    parts.append(button_row(Button(_("Undo"), ctx.remember("undo_start", {"batch_id": batch}))))
    return [Reply(tuple(parts), replace=True)]


@action("cancel")
def _cancel(ctx: Context, st: State) -> list[Reply]:
    """Cancel a previewed change."""
    with ctx.engine.begin() as conn:
        spent = state.spend(conn, st.payload["confirm"], ctx.user.identity.key)
    msg = (
        ctx._("Cancelled; nothing was changed.")
        if spent
        else ctx._("This change was already confirmed or cancelled.")
    )
    return [Reply((Text(msg, "note"),), replace=True)]


@action("bulk_start")
def _bulk_start(ctx: Context, st: State) -> list[Reply]:
    """A bulk-action button under an answer or on a card: show the preview."""
    if not ctx.user.at_least("manager"):
        return [Reply((Text(ctx._("Only a manager may change customers."), "error"),))]
    return preview_reply(ctx, dict(st.payload))


# --- the typed commands -------------------------------------------------------------------


def _start(ctx: Context, op: str, value: Any, text: str, example: str) -> list[Reply]:
    if not text.strip():
        return [
            Reply(
                (
                    Text(
                        ctx._("Which customers? For example: {example}").format(example=example),
                        "error",
                    ),
                )
            )
        ]
    return preview_reply(
        ctx,
        {
            "op": op,
            "value": value,
            "text": text.strip(),
            "today": ctx.today.isoformat(),
            "language": ctx.query_language,
        },
    )


def _split_first(args: str) -> tuple[str, str]:
    head, _sep, rest = args.strip().partition(" ")
    return head, rest


@command("rate", example="rate A Moscow buyers of Super Drill", role="manager", topic="bulk")
def rate(ctx: Context, args: str) -> list[Reply]:
    """Set rating A, B or C on every customer a query matches (previewed first)."""
    head, rest = _split_first(args)
    if head.lower() not in RATINGS:
        return [Reply((Text(ctx._("Rate with A, B or C, e.g. 'rate A vip in Moscow'."), "error"),))]
    return _start(ctx, "rate", RATINGS[head.lower()], rest, "rate A vip in Moscow")


@command("set rating", example="set rating B for Kazan customers", role="manager", topic="bulk")
def set_rating(ctx: Context, args: str) -> list[Reply]:
    """Set a rating for every customer a query matches ('set rating B for QUERY')."""
    head, rest = _split_first(args)
    rest = _FOR.sub("", rest)
    if head.lower() not in RATINGS:
        return [
            Reply((Text(ctx._("Set rating A, B or C, e.g. 'set rating B for Kazan'."), "error"),))
        ]
    return _start(ctx, "rate", RATINGS[head.lower()], rest, "set rating B for Kazan")


@command("unrate", example="unrate archived", role="manager", topic="bulk")
def unrate(ctx: Context, args: str) -> list[Reply]:
    """Remove the rating of every customer a query matches."""
    return _start(ctx, "unrate", None, args, "unrate archived")


@command(
    "tag", example="tag vip buyers of Super Drill over 100k this year", role="manager", topic="bulk"
)
def tag(ctx: Context, args: str) -> list[Reply]:
    """Tag every customer a query matches ('tag NAME QUERY')."""
    head, rest = _split_first(args)
    if not head:
        return [Reply((Text(ctx._("Tag with what? e.g. 'tag vip Moscow'."), "error"),))]
    return _start(ctx, "tag", head.lower(), rest, "tag vip Moscow")


@command("untag", example="untag vip no purchases in last 12 months", role="manager", topic="bulk")
def untag(ctx: Context, args: str) -> list[Reply]:
    """Remove a tag from every customer a query matches ('untag NAME QUERY')."""
    head, rest = _split_first(args)
    if not head:
        return [Reply((Text(ctx._("Untag what? e.g. 'untag vip Kazan'."), "error"),))]
    return _start(ctx, "untag", head.lower(), rest, "untag vip Kazan")


@command("archive", example="archive no purchases in last 24 months", role="manager", topic="bulk")
def archive(ctx: Context, args: str) -> list[Reply]:
    """Archive every customer a query matches."""
    return _start(ctx, "status", "archived", args, "archive no purchases in last 24 months")


@command(
    "set status",
    example="set status check Kazan with complaints last month",
    role="manager",
    topic="bulk",
)
def set_status(ctx: Context, args: str) -> list[Reply]:
    """Set the status (active, check, archived) of every customer a query matches."""
    head, rest = _split_first(args)
    rest = _FOR.sub("", rest)
    if head.lower() not in STATUSES:
        return [Reply((Text(ctx._("The status is one of active, check, archived."), "error"),))]
    return _start(ctx, "status", head.lower(), rest, "set status check Kazan")


@command("pin rating", example="pin rating vip", role="manager", topic="bulk")
def pin(ctx: Context, args: str) -> list[Reply]:
    """Pin the ratings of every customer a query matches, so rules leave them alone."""
    return _start(ctx, "pin", True, args, "pin rating vip")


@command("unpin rating", example="unpin rating vip", role="manager", topic="bulk")
def unpin(ctx: Context, args: str) -> list[Reply]:
    """Unpin the ratings of every customer a query matches."""
    return _start(ctx, "unpin", False, args, "unpin rating vip")
