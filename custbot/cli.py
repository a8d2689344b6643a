"""The ``custbot`` command line: one entry point, global options honoured by every command.

``--config``, ``--db``, ``--as-of`` and ``--as`` may stand before or after the subcommand.
Errors are one line on stderr and a non-zero exit, never a traceback
(``CUSTBOT_DEBUG=1`` shows it).
"""

from __future__ import annotations

import importlib
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperOption

from custbot.context import AppContext

__all__ = ["app", "main"]


def _flag_type(self: TyperOption, ctx: Any) -> str | None:
    """No type column for an on/off flag: ``--json`` needs no value, so it shows no ``<bool>``."""
    return None if self.is_flag else _TYPE(self, ctx)


_TYPE = TyperOption.display_type_rich
TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]

app = typer.Typer(
    name="custbot",
    help="Query, rate and tag your customers from chat, or from here.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

GLOBAL_OPTIONS = ("--config", "--db", "--as-of", "--as")
# Each module registers its own commands on ``app`` when imported; in this order for the help.
COMMAND_MODULES = [
    "custbot.commands.imports",
    "custbot.commands.demo",
    "custbot.commands.ask",
    "custbot.commands.chat",
    "custbot.commands.serve",
    "custbot.commands.classes",
    "custbot.commands.mail",
    "custbot.commands.telegram",
    "custbot.commands.analytics",
    "custbot.commands.watches",
    "custbot.commands.subscriptions",
]
# The module that registers each command (or group), so that running one command imports only
# its own module (issue #19: ``ask`` need not load the demo's generators). tests/test_cli.py
# checks it against what the modules register.
COMMAND_MODULE = {
    "import": "custbot.commands.imports",
    "demo": "custbot.commands.demo",
    "generate": "custbot.commands.demo",
    "ask": "custbot.commands.ask",
    "chat": "custbot.commands.chat",
    "serve": "custbot.commands.serve",
    "recompute": "custbot.commands.classes",
    "classes": "custbot.commands.classes",
    "optout": "custbot.commands.mail",
    "optin": "custbot.commands.mail",
    "mail": "custbot.commands.mail",
    "telegram": "custbot.commands.telegram",
    "analytics": "custbot.commands.analytics",
    "watches": "custbot.commands.watches",
    "subscriptions": "custbot.commands.subscriptions",
}


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2026-11-22"
        ) from None


def _show_version(value: bool) -> None:
    if value:
        from importlib import metadata

        typer.echo(f"custbot {metadata.version('custbot')}")
        raise typer.Exit()


@app.callback()
def _globals(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", help="Configuration file (default ./custbot.toml).")
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: the embedded SQLite file).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="What 'today' is, YYYY-MM-DD.")
    ] = None,
    acting_as: Annotated[
        str | None, typer.Option("--as", help="Act as this user, with their role and scope.")
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Show the installed custbot's version and exit.",
        ),
    ] = False,
) -> None:
    ctx.obj = AppContext.create(config=config, db=db, as_of=_parse_date(as_of), acting_as=acting_as)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply database migrations up to the newest schema."""
    from storage.db import current_revision

    context: AppContext = ctx.find_root().obj
    engine = context.engine  # migrates on first use
    typer.echo(f"database at revision {current_revision(engine)}")


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move global options (with their values) in front of the subcommand."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            if "=" in arg:
                front.append(arg)
            else:
                front.extend(argv[i : i + 2])
                i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


def command_of(argv: list[str]) -> str | None:
    """The command ``argv`` runs (``ask`` in ``--db x.db ask vip``), its first word past the
    global options, wherever they stand; None when it names none."""
    return next(iter(_past_globals(hoist_global_options(list(argv)))), None)


def _register_commands(args: list[str] | None = None) -> None:
    """Import the module of the command ``args`` (hoisted) runs; every module when it names
    no known command (help, a typo: typer then lists and suggests among all of them)."""
    command = command_of(args or [])
    if command == "db":
        return
    if command in COMMAND_MODULE:
        importlib.import_module(COMMAND_MODULE[command])
        return
    for module in COMMAND_MODULES:
        importlib.import_module(module)


def _past_globals(args: list[str]) -> list[str]:
    """``args`` (hoisted) without the global options in front."""
    i = 0
    while i < len(args):
        name = args[i].split("=", 1)[0]
        if name not in GLOBAL_OPTIONS:
            break
        i += 1 if "=" in args[i] else 2
    return args[i:]


def _aborted() -> tuple[type[BaseException], ...]:
    """What ends a command as "aborted": typer's Abort, ^C, and click's own Abort when something
    loaded click (``custbot.errors.click_errors``)."""
    from custbot.errors import click_errors

    return (typer.Abort, KeyboardInterrupt, *click_errors("Abort"))


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from custbot.errors import describe_error

    args = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    _register_commands(args)
    try:
        result = app(args=args, prog_name="custbot", standalone_mode=False)
        if isinstance(result, int):  # typer.Exit(n) comes back as a return value here
            return result
    except SystemExit as e:
        return int(e.code or 0)
    except _aborted():
        typer.echo("aborted", err=True)
        return 130
    except Exception as e:  # noqa: BLE001 - the one place that turns errors into a line
        if os.environ.get("CUSTBOT_DEBUG") == "1":
            raise
        status, message = describe_error(e)
        typer.echo(f"error: {message}", err=True)
        return status
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
