"""``custbot serve``: chat front ends, scheduler and mail worker in one process."""

from __future__ import annotations

import asyncio
import logging

import typer

from custbot.cli import app


@app.command("serve")
def serve(ctx: typer.Context) -> None:
    """Every configured chat front end, the scheduler and the mail worker, in one process."""
    from bot.core import ChatCore
    from custbot.serve import serve as run

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    context = ctx.find_root().obj
    asyncio.run(run(ChatCore(context.engine, context.settings, today=context.as_of)))
