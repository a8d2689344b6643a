"""``custbot subscriptions run [--at ISO]`` and ``custbot subscriptions list``: the scheduled
posts and digests of docs/subscriptions.md, run once by hand (what ``custbot serve`` does every
minute), and listed.

Example::

    custbot subscriptions run --at 2026-11-23T09:05   # as if it were then (the configured zone)
    custbot subscriptions list
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from custbot.cli import app
from custbot.context import AppContext, UsageError

if TYPE_CHECKING:
    from bot.core import ChatCore
    from bot.messages import Reply

__all__ = ["subscriptions_app", "TerminalOutbound"]

subscriptions_app = typer.Typer(
    help="Scheduled posts and digests (docs/subscriptions.md).", no_args_is_help=True
)
app.add_typer(subscriptions_app, name="subscriptions")


class TerminalOutbound:
    """Prints what goes to a ``terminal:NAME`` chat (the demo's people have no messenger), as
    the terminal chat shows it; files are saved where the terminal chat saves them."""

    def __init__(self, core: ChatCore) -> None:
        from rich.console import Console

        self.core = core
        self.console = Console(soft_wrap=True, width=160)

    async def send(self, chat_id: str, reply: Reply) -> None:
        from bot.messages import Identity
        from bot.terminal import TerminalChat

        self.console.print(f"── to {chat_id} ──", markup=False, highlight=False)
        files = Path(getattr(self.core.settings, "files_dir", "custbot-files"))
        who = Identity("terminal", chat_id)
        TerminalChat(self.core, who, console=self.console, files_dir=files).render(reply)


def _at(context: AppContext, at: str | None) -> datetime | None:
    if at is None:
        return None
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise UsageError(f"--at {at}: not an ISO time such as 2026-11-23T09:05") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=context.settings.tz)
    return when.astimezone(UTC).replace(tzinfo=None)


@subscriptions_app.command("run")
def run_command(
    ctx: typer.Context,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Run as if it were this time (ISO; the configured zone)."),
    ] = None,
) -> None:
    """Post the subscriptions and digests that are due (and due retries), once."""
    from bot.core import ChatCore
    from bot.outbound import OutboundRouter
    from bot.scheduled import run_due
    from custbot.serve import _front_ends

    context: AppContext = ctx.find_root().obj
    now = _at(context, at)
    today = context.as_of or (
        now.replace(tzinfo=UTC).astimezone(context.settings.tz).date() if now else None
    )
    core = ChatCore(context.engine, context.settings, today=today)
    router = OutboundRouter({"terminal": TerminalOutbound(core)})
    _front_ends(core, context.settings, asyncio.Event(), router)
    report = asyncio.run(run_due(core, router, now=now))
    if report.leased:
        typer.echo("another process is running the subscriptions now; nothing done")
        return
    typer.echo(
        f"sent: {report.sent}, empty: {report.empty}, failed: {report.failed}, "
        f"skipped: {report.skipped}"
    )


@subscriptions_app.command("list")
def list_command(ctx: typer.Context) -> None:
    """Every active subscription and digest: what, when, where, next run."""
    from sqlalchemy import select

    from storage.schema import subscriptions
    from storage.subscriptions import Subscription

    context: AppContext = ctx.find_root().obj
    with context.engine.connect() as conn:
        rows = conn.execute(
            select(subscriptions)
            .where(subscriptions.c.active.is_(True))
            .order_by(subscriptions.c.id)
        ).all()
    if not rows:
        typer.echo("no subscriptions")
    for row in rows:
        s = Subscription.of(row)
        who = f"{s.owner[0]}:{s.owner[1]}" if s.owner else "configured"
        where = s.chat or ("each manager" + (" and rep" if s.with_reps else ""))
        typer.echo(
            f"{s.id}\t{s.kind}\t{s.schedule} ({s.tz})\t{s.query}\t{where}\t{who}\t"
            f"next {s.next_run_at:%Y-%m-%d %H:%M} UTC"
        )
