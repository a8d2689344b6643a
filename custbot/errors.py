"""How the command line words an error: one line and an exit status per kind of error."""

from __future__ import annotations

import click

__all__ = ["describe_error", "register_error"]

# (exception type, exit status); more specific types first. Packages register their own.
_KNOWN: list[tuple[type[BaseException], int]] = []


def register_error(exc_type: type[BaseException], status: int = 1) -> None:
    """Declare that ``exc_type``'s message is fit to show a user as it is."""
    _KNOWN.append((exc_type, status))


def describe_error(e: BaseException) -> tuple[int, str]:
    """(exit status, one-line message) for any exception."""
    from sqlalchemy.exc import OperationalError

    from custbot.config import ConfigError
    from custbot.context import UsageError

    if isinstance(e, click.exceptions.UsageError):
        hint = f" (try 'custbot {e.ctx.command_path.split(' ', 1)[-1]} --help')" if e.ctx else ""
        return 2, f"{e.format_message()}{hint}"
    if isinstance(e, click.ClickException):
        return e.exit_code, e.format_message()
    if isinstance(e, ConfigError):
        return 2, f"bad configuration: {e}"
    if isinstance(e, UsageError):
        return 2, str(e)
    for exc_type, status in _KNOWN:
        if isinstance(e, exc_type):
            return status, str(e)
    if isinstance(e, OperationalError):
        return 1, f"database error: {str(e.orig).strip().splitlines()[0]}"
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return 1, f"internal error ({type(e).__name__}: {first}); set CUSTBOT_DEBUG=1 for the traceback"
