"""How the command line words an error: one line and an exit status per kind of error."""

from __future__ import annotations

from types import ModuleType

import click

_typer_click: ModuleType
try:  # typer ≥ 0.20 carries its own copy of click
    from typer._click import exceptions as _typer_click
except ImportError:  # pragma: no cover
    _typer_click = click.exceptions

_USAGE = (click.exceptions.UsageError, _typer_click.UsageError)
_CLICK = (click.ClickException, _typer_click.ClickException)

__all__ = ["describe_error", "register_error"]

# (exception type, exit status); more specific types first. The application's command modules
# register their own; the packages below are listed in ``_package_errors``.
_KNOWN: list[tuple[type[BaseException], int]] = []


def register_error(exc_type: type[BaseException], status: int = 1) -> None:
    """Declare that ``exc_type``'s message is fit to show a user as it is."""
    _KNOWN.append((exc_type, status))


def _package_errors() -> list[tuple[type[BaseException], int]]:
    """Each package's own exception types (imported here: the packages never import ``custbot``)."""
    from bot.errors import SlackConfigError, TelegramSetupError
    from mailing.errors import MailingError
    from query_language.errors import QueryError

    return [(QueryError, 2), (MailingError, 1), (TelegramSetupError, 2), (SlackConfigError, 2)]


def describe_error(e: BaseException) -> tuple[int, str]:
    """(exit status, one-line message) for any exception."""
    from sqlalchemy.exc import OperationalError

    from custbot.config import ConfigError
    from custbot.context import UsageError

    if isinstance(e, _USAGE):
        hint = f" (try '{e.ctx.command_path} --help')" if e.ctx else " (try 'custbot --help')"
        return 2, f"{e.format_message()}{hint}"
    if isinstance(e, _CLICK):
        return e.exit_code, e.format_message()
    if isinstance(e, ConfigError):
        return 2, f"bad configuration: {e}"
    if isinstance(e, UsageError):
        return 2, str(e)
    for exc_type, status in [*_package_errors(), *_KNOWN]:
        if isinstance(e, exc_type):
            return status, str(e)
    if isinstance(e, OperationalError):
        return 1, f"database error: {str(e.orig).strip().splitlines()[0]}"
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return 1, f"internal error ({type(e).__name__}: {first}); set CUSTBOT_DEBUG=1 for the traceback"
