"""``custbot watches run``: run the due segment watches once (for cron, or tests with ``--at``).

Notices go through the configured front ends (their tokens in the environment); a notice for a
chat no front end serves (e.g. the local administrator's ``cli:local``) is printed instead.

Example::

    custbot watches run
    custbot watches run --at 2026-11-23T09:00
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer

from custbot.cli import app
from custbot.context import AppContext, UsageError

__all__ = ["run_command", "list_command"]

watches_app = typer.Typer(help="Segment watches: who entered and left.", no_args_is_help=True)
app.add_typer(watches_app, name="watches")


def _at(value: str | None, context: AppContext) -> datetime:
    """``--at`` as naive UTC (a time without a zone is in the configured time zone)."""
    if value is None:
        return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--at {value!r} is not a date and time; use ISO 8601, e.g. 2026-11-23T09:00"
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=context.settings.tz)
    return at.astimezone(UTC).replace(tzinfo=None)


@watches_app.command("run")
def run_command(
    ctx: typer.Context,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Run as of this moment (ISO 8601), e.g. 2026-11-23T09:00."),
    ] = None,
) -> None:
    """Run every due watch once and send (or print) its notice."""
    from bot.core import ChatCore
    from bot.watch_run import deliver_notices, holder, run_watches
    from custbot.serve import outbound_router

    context: AppContext = ctx.find_root().obj
    now = _at(at, context)
    today = context.as_of or now.replace(tzinfo=UTC).astimezone(context.settings.tz).date()
    core = ChatCore(context.engine, context.settings, today=today)
    notices = run_watches(core, holder=holder(), today=today, now=now)
    router = outbound_router(core) if notices else None
    sendable = [
        n for n in notices if router is not None and n.chat.partition(":")[0] in router.targets
    ]
    if router is not None and sendable:
        errors = asyncio.run(deliver_notices(core, router, sendable, now))
        for notice, error in zip(sendable, errors, strict=True):
            typer.echo(
                f"watch {notice.watch_id}: sent to {notice.chat}"
                if error is None
                else f"watch {notice.watch_id}: not delivered to {notice.chat} ({error}); "
                "it is tried again later"
            )
    for notice in notices:
        if notice in sendable:
            continue
        typer.echo(f"watch {notice.watch_id} → {notice.chat}:")
        typer.echo(notice.reply.text)
        for part in notice.reply.parts:
            for row in getattr(part, "rows", ()):
                typer.echo("  " + " · ".join(row))
    typer.echo(f"{len(notices)} notice{'s' if len(notices) != 1 else ''}.")


@watches_app.command("list")
def list_command(ctx: typer.Context) -> None:
    """List every watch: its number, where it posts, its query and members."""
    from storage.watches import list_watches, member_count

    context: AppContext = ctx.find_root().obj
    with context.engine.connect() as conn:
        for w in list_watches(conn):
            checked = f"{w.last_run_at:%Y-%m-%d %H:%M}" if w.last_run_at else "never"
            typer.echo(
                f"{w.id}\t{w.chat}\t{w.query}\t{member_count(conn, w.id)} customers\t"
                f"checked {checked}"
            )
