"""``custbot chat``: the chat in the terminal (interactive, or one message per line from a pipe)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from custbot.cli import app
from custbot.context import AppContext, UsageError

__all__ = ["open_chat"]


def open_chat(context: AppContext, files_dir: Path | None = None) -> None:
    """Open the terminal chat on the context's database, as the local admin or ``--as`` user."""
    from bot.core import ChatCore
    from bot.messages import Identity
    from bot.terminal import TerminalChat, run_terminal

    core = ChatCore(context.engine, context.settings, today=context.as_of)
    who = Identity("terminal", context.acting_as or "local")
    if context.acting_as and core.identify(who) is None:
        raise UsageError(
            f"--as {context.acting_as}: no user has that name or surname; "
            "see the managers table or the [[users]] of the configuration"
        )
    interactive = sys.stdin.isatty()
    console = Console(soft_wrap=not interactive, width=None if interactive else 160)
    chat = TerminalChat(
        core, who, console=console, files_dir=files_dir or Path(context.settings.files_dir)
    )
    asyncio.run(run_terminal(chat, interactive=interactive))


@app.command("chat")
def chat(
    ctx: typer.Context,
    files: Annotated[
        Path | None, typer.Option("--files", help="Where exports and charts are saved.")
    ] = None,
) -> None:
    """The same chat as Slack and Telegram get, in the terminal (reads a pipe one line per message)."""
    open_chat(ctx.find_root().obj, files)
