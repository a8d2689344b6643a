"""``custbot serve [--check]``: chat front ends, scheduler and mail worker in one process; with
``--check``, only validate the configuration, the database and the tokens, then exit 0 or 1."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from custbot.cli import app


def _check(context) -> int:  # type: ignore[no-untyped-def]
    """Print what is fine and what is not; 0 when everything is fine."""
    from custbot.preflight import check_database, check_tokens, problems, wanted

    settings = context.settings
    found = problems(settings) + check_database(lambda: context.engine)
    report = asyncio.run(check_tokens(settings))
    found += report.problems + report.unreachable
    parts = [name for name, on in wanted(settings).items() if on] or ["no chat front end"]
    for line in report.ok:
        typer.echo(f"ok: {line}")
    for line in found:
        typer.echo(f"problem: {line}", err=True)
    typer.echo(f"{'not ready' if found else 'ready'}: {', '.join(parts)}, database, mail")
    return 1 if found else 0


@app.command("serve")
def serve(
    ctx: typer.Context,
    check: Annotated[
        bool,
        typer.Option("--check", help="Only check configuration, database and tokens; exit 0 or 1."),
    ] = False,
) -> None:
    """Every configured chat front end, the scheduler and the mail worker, in one process."""
    context = ctx.find_root().obj
    if check:
        raise typer.Exit(_check(context))
    from bot.core import ChatCore
    from custbot.serve import serve as run

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(run(ChatCore(context.engine, context.settings, today=context.as_of)))
