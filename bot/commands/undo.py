"""Undo and history: revert a batch to its exact before values, previewed like any change.

A user undoes their own batches; a manager also their team's; an admin any batch. Customers
changed since by someone else are left alone and listed.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Row, select

from bot import state
from bot.batch_words import described
from bot.core import Context
from bot.messages import Button, Part, Reply, Table, Text
from bot.registry import action, command
from bot.state import State
from bot.views import button_row
from storage.changes import utcnow
from storage.large_write import large_write
from storage.schema import batches, managers
from storage.undo import apply_undo, plan_undo

__all__ = ["confirm_undo"]


def _may_undo(ctx: Context, batch: Row) -> bool:
    if ctx.user.at_least("admin") or batch.actor_id == ctx.user.identity.key:
        return True
    if (
        ctx.user.role == "manager"
        and ctx.user.manager_id is not None
        and batch.manager_id is not None
    ):
        with ctx.engine.connect() as conn:
            lead = conn.execute(
                select(managers.c.team_lead_id).where(managers.c.id == batch.manager_id)
            ).scalar()
        return lead == ctx.user.manager_id or batch.manager_id == ctx.user.manager_id
    return batch.manager_id is not None and batch.manager_id == ctx.user.manager_id


def _undo_preview(ctx: Context, batch_id: int | None) -> list[Reply]:
    _ = ctx._
    since = utcnow() - timedelta(days=ctx.settings.bulk.undo_days)
    with ctx.engine.connect() as conn:
        q = select(batches).where(
            batches.c.undone_by_batch_id.is_(None), batches.c.action != "undo"
        )
        if batch_id is None:
            q = (
                q.where(batches.c.actor_id == ctx.user.identity.key)
                .order_by(batches.c.id.desc())
                .limit(1)
            )
        else:
            q = q.where(batches.c.id == batch_id)
        batch = conn.execute(q).first()
        if batch is None:
            return [
                Reply(
                    (
                        Text(
                            _("There is no change of yours to undo.")
                            if batch_id is None
                            else _("Batch #{id} does not exist or was undone already.").format(
                                id=batch_id
                            ),
                            "note",
                        ),
                    )
                )
            ]
        if not _may_undo(ctx, batch):
            return [
                Reply(
                    (
                        Text(
                            _("You may undo only your own changes (managers: their team's)."),
                            "error",
                        ),
                    )
                )
            ]
        if batch.created_at < since:
            return [
                Reply(
                    (
                        Text(
                            _(
                                "Batch #{id} is older than {d} days and can no longer be undone."
                            ).format(id=batch.id, d=ctx.settings.bulk.undo_days),
                            "error",
                        ),
                    )
                )
            ]
        plan = plan_undo(conn, batch.id)
    parts: list[Part] = [
        Text(
            _("Undo batch #{id}: {what}").format(id=batch.id, what=described(_, batch.description)),
            "echo",
        ),
        Text(
            ctx.ngettext(
                "{n} customer goes back to their values before it.",
                "{n} customers go back to their values before it.",
                plan.revertible,
            ).format(n=plan.revertible),
            "heading",
        ),
    ]
    if plan.conflicts:
        names = ", ".join(n for _i, n in plan.conflicts[:20])
        parts.append(
            Text(
                _("{n} were changed since by someone else and are left alone: {names}").format(
                    n=len(plan.conflicts), names=names
                )
                + (" …" if len(plan.conflicts) > 20 else ""),
                "note",
            )
        )
    ttl = timedelta(minutes=ctx.settings.bulk.confirm_minutes)
    token = ctx.remember(
        "confirm", {"op": "undo", "batch_id": batch.id, "count": plan.revertible}, ttl
    )
    cancel = ctx.remember("cancel", {"confirm": token}, ttl)
    parts.append(
        button_row(Button(_("Confirm undo"), token, "danger"), Button(_("Cancel"), cancel))
    )
    return [Reply(tuple(parts))]


def confirm_undo(ctx: Context, st: State) -> list[Reply]:
    _ = ctx._
    with ctx.engine.connect() as conn:
        batch = conn.execute(
            select(batches).where(batches.c.id == int(st.payload["batch_id"]))
        ).first()
    own = batch is not None and batch.actor_id == ctx.user.identity.key
    if not ctx.user.at_least("manager") and not own:  # a rep undoes their own edits only
        return [Reply((Text(_("Only a manager may undo changes."), "error"),))]
    if batch is None or not _may_undo(ctx, batch):
        return [
            Reply(
                (Text(_("You may undo only your own changes (managers: their team's)."), "error"),)
            )
        ]
    try:
        with ctx.engine.begin() as conn:
            large_write(conn)  # SQLite: a larger cache, and the checkpoint after the reply
            if not state.spend(conn, st.token, ctx.user.identity.key):
                return [
                    Reply(
                        (
                            Text(
                                _("This undo was already confirmed, cancelled, or it expired."),
                                "note",
                            ),
                        )
                    )
                ]
            if conn.execute(
                select(batches.c.undone_by_batch_id).where(batches.c.id == batch.id)
            ).scalar():
                return [
                    Reply((Text(_("Batch #{id} was undone already.").format(id=batch.id), "note"),))
                ]
            undo_id, reverted = apply_undo(conn, batch.id, ctx.actor)
    except Exception:
        return [
            Reply((Text(_("The undo failed and nothing was changed. Please try again."), "error"),))
        ]
    return [
        Reply(
            (
                Text(
                    ctx.ngettext(
                        "Undone: {n} customer is back as before batch #{id} (undo batch #{undo}).",
                        "Undone: {n} customers are back as before batch #{id} (undo batch #{undo}).",
                        reverted,
                    ).format(n=reverted, id=batch.id, undo=undo_id),
                    "heading",
                ),
            ),
            replace=True,
        )
    ]


@command("undo", example="undo", role="rep", topic="bulk")  # a rep: their own edits
def undo(ctx: Context, args: str) -> list[Reply]:
    """Undo your last change ('undo N' for batch N), previewed first."""
    arg = args.strip().lstrip("#")
    if arg and not arg.isdigit():
        return [
            Reply(
                (
                    Text(
                        ctx._("Say 'undo' for your last change, or 'undo 12' for batch #12."),
                        "error",
                    ),
                )
            )
        ]
    return _undo_preview(ctx, int(arg) if arg else None)


@action("undo_start")
def _undo_start(ctx: Context, st: State) -> list[Reply]:
    """The Undo button under a finished change."""
    return _undo_preview(ctx, int(st.payload["batch_id"]))


@command("history", example="history", role="rep", topic="bulk")
def history(ctx: Context, args: str) -> list[Reply]:
    """Your recent changes (an admin sees everyone's)."""  # reps: their logs and follow-ups
    _ = ctx._
    q = select(batches).order_by(batches.c.id.desc()).limit(15)
    if not ctx.user.at_least("admin"):
        q = q.where(batches.c.actor_id == ctx.user.identity.key)
    with ctx.engine.connect() as conn:
        rows = conn.execute(q).all()
    if not rows:
        return [Reply((Text(_("No changes yet."), "note"),))]
    return [
        Reply(
            (
                Table(
                    ("#", _("when (UTC)"), _("what"), _("customers"), _("undone")),
                    tuple(
                        (
                            str(b.id),
                            f"{b.created_at:%Y-%m-%d %H:%M}",
                            described(_, b.description)[:80],
                            str(b.count),
                            f"#{b.undone_by_batch_id}" if b.undone_by_batch_id else "",
                        )
                        for b in rows
                    ),
                ),
            )
        )
    ]
