"""Ratings that follow the numbers: recompute by the rules (previewed, confirmed, one undoable
batch) and explain why a customer has its rating."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from bot import state
from bot.core import Context
from bot.messages import Button, Part, Reply, Text
from bot.registry import action, command
from bot.state import State
from bot.views import already_spent, button_row
from storage.large_write import large_write

log = logging.getLogger("custbot.ratings")


@command("recompute ratings", example="recompute ratings", role="manager", topic="ratings")
def recompute(ctx: Context, args: str) -> list[Reply]:
    """Recompute ABC/XYZ/RFM and apply the rating rules: how many go up, down, stay; then confirm."""
    from analytics.rules import RuleError, plan_recompute

    _ = ctx._
    if not ctx.settings.rating.rules and not ctx.settings.loyalty.enabled:
        return [
            Reply(
                (
                    Text(
                        _(
                            "No rating rules are configured: an admin sets [rating.rules] in the configuration."
                        ),
                        "note",
                    ),
                )
            )
        ]
    try:
        with (
            ctx.engine.connect() as conn
        ):  # the preview refreshes classes in a transaction it rolls back
            plan = plan_recompute(conn, ctx.settings, ctx.today)
            conn.rollback()
    except RuleError as e:
        return [Reply((Text(str(e), "error"),))]
    ttl = timedelta(minutes=ctx.settings.bulk.confirm_minutes)
    token = ctx.remember(
        "recompute", {"today": ctx.today.isoformat(), "changes": plan.changes}, ttl
    )
    cancel = ctx.remember("cancel", {"confirm": token}, ttl)
    parts: list[Part] = [Text(line) for line in plan.lines(_)]
    parts.insert(
        0, Text(_("Recompute ratings by the rules for {day}").format(day=ctx.today), "echo")
    )
    if plan.changes == 0:
        return [Reply((*parts, Text(_("Nothing would change."), "note")))]
    parts.append(button_row(Button(_("Confirm"), token, "primary"), Button(_("Cancel"), cancel)))
    return [Reply(tuple(parts))]


@action("recompute")
def _confirm_recompute(ctx: Context, st: State) -> list[Reply]:
    """Apply a previewed recompute once, as one audited, undoable batch."""
    from analytics.rules import RuleError, apply_recompute, plan_recompute

    _ = ctx._
    if not ctx.user.at_least("manager"):
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
    today = date.fromisoformat(st.payload["today"])
    try:
        with ctx.engine.begin() as conn:
            large_write(conn)  # SQLite: a larger cache, and the checkpoint after the reply
            if not state.spend(conn, st.token, ctx.user.identity.key):
                return already_spent(_)
            plan = plan_recompute(conn, ctx.settings, today)
            batch = apply_recompute(conn, plan, ctx.actor)
    except RuleError as e:
        return [Reply((Text(str(e), "error"),))]
    except Exception:
        log.exception("recompute failed; rolled back")
        return [
            Reply(
                (Text(_("The change failed and nothing was changed. Please try again."), "error"),)
            )
        ]
    if batch is None:
        return [
            Reply(
                (Text(_("No rating changed, so no batch was made."), "note"),),
                replace=True,
            )
        ]
    return [
        Reply(
            (
                Text(
                    _("Done: {summary} (batch #{batch}).").format(
                        summary=plan.summary(_), batch=batch
                    ),
                    "heading",
                ),
                button_row(Button(_("Undo"), ctx.remember("undo_start", {"batch_id": batch}))),
            ),
            replace=True,
        )
    ]


@command("explain", example="explain Romashka", topic="ratings")
def explain(ctx: Context, args: str) -> list[Reply]:
    """Why a customer has its rating: the rule that matched, its classes, spend and orders."""
    from analytics.explain import explain_customer

    _ = ctx._
    from bot.commands.card import no_customer_called

    found = ctx.find_customers(args) if args.strip() else []
    if len(found) != 1:
        msg = (
            _("Whose rating? For example: explain Romashka")
            if not args.strip()
            else no_customer_called(ctx, args)
            if not found
            else _("Several customers match '{name}': {names}").format(
                name=args, names=", ".join(n for _i, n, _c in found)
            )
        )
        return [Reply((Text(msg, "error"),))]
    with ctx.engine.connect() as conn:
        explanation = explain_customer(conn, found[0][0], ctx.settings, ctx.today)
    lines = explanation.lines(_, ctx.settings.currency, ctx.language)
    return [Reply((Text(lines[0], "heading"), *(Text(line) for line in lines[1:])))]
