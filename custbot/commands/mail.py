"""``custbot optout`` and ``custbot mail …``: opt-out, templates, mailings and one delivery pass.

Example::

    custbot optout buyer@example.com
    custbot mail templates ./templates
    custbot mail list
    custbot mail send-due
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from custbot.cli import app
from custbot.context import AppContext

__all__ = [
    "optout_command",
    "optin_command",
    "send_due_command",
    "templates_command",
    "list_command",
]

mail_app = typer.Typer(
    help="Mailings: templates, scheduled mailings, delivery.", no_args_is_help=True
)
app.add_typer(mail_app, name="mail")


@app.command("optout")
def optout_command(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The address that asked to receive no more mail.")],
) -> None:
    """Opt a customer out by e-mail address: no mailing reaches them again."""
    from mailing import MailingError, opt_out_by_email

    context: AppContext = ctx.find_root().obj
    with context.engine.begin() as conn:
        n = opt_out_by_email(conn, email, context.actor())
    if n == 0:
        raise MailingError(
            f"no customer has the address {email.strip()}; nothing changed "
            "(check the spelling, or find the customer in chat)"
        )
    typer.echo(f"Opted out {n} customer{'s' if n != 1 else ''} with {email.strip()}.")


@app.command("optin")
def optin_command(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The address that asked to be mailed again.")],
) -> None:
    """Opt a customer back in by e-mail address (audited; undo reverts it)."""
    from mailing.optout import opt_in_by_email

    context: AppContext = ctx.find_root().obj
    with context.engine.begin() as conn:
        n = opt_in_by_email(conn, email, context.actor())
    if n == 0:
        from mailing import MailingError

        raise MailingError(
            f"no opted-out customer has the address {email.strip()}; nothing changed"
        )
    typer.echo(f"Opted in {n} customer{'s' if n != 1 else ''} with {email.strip()}.")


@mail_app.command("send-due")
def send_due_command(ctx: typer.Context) -> None:
    """Run one delivery pass: enqueue due mailings, send what is pending, print the reports."""
    from custbot.serve import query_audience
    from mailing.worker import mail_pass, worker_name
    from query_language import CatalogCache

    context: AppContext = ctx.find_root().obj
    stats, reports = mail_pass(
        context.engine,
        context.settings,
        query_audience(CatalogCache(context.engine).get),
        worker_id=f"cli:{worker_name()}",
    )
    typer.echo(
        f"sent {stats.sent}, retrying {stats.retried}, failed {stats.failed}, "
        f"skipped {stats.skipped}"
    )
    if stats.error:
        typer.echo(f"stopped early: {stats.error}", err=True)
    for _chat, report in reports:
        typer.echo(report.text())


@mail_app.command("templates")
def templates_command(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Argument(help="Folder of *.txt / *.j2 templates; first line 'Subject: …'.")
    ],
) -> None:
    """Load (or replace) every template in a folder, each named after its file."""
    from mailing import load_templates_from_folder

    context: AppContext = ctx.find_root().obj
    with context.engine.begin() as conn:
        loaded = load_templates_from_folder(conn, folder)
    typer.echo(
        f"Loaded {len(loaded)} template{'s' if len(loaded) != 1 else ''}: "
        f"{', '.join(t.name for t in loaded) or 'none'}"
    )


@mail_app.command("list")
def list_command(ctx: typer.Context) -> None:
    """List mailings: id, status, template, next run (UTC), recurrence, runs and query."""
    from mailing import list_mailings

    context: AppContext = ctx.find_root().obj
    with context.engine.connect() as conn:
        found = list_mailings(conn)
    if not found:
        typer.echo("No mailings.")
    for m in found:
        when = f"{m.next_run_at:%Y-%m-%d %H:%M} UTC" if m.next_run_at else "-"
        every = f" every '{m.recurrence}' ({m.timezone})" if m.recurrence else ""
        typer.echo(
            f"{m.id}\t{m.status}\t{m.template}\tnext {when}{every}\truns {m.runs}\t{m.query}"
        )
