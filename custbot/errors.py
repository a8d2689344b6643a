"""How the command line words an error: one line and an exit status per kind of error.

Only messages written for users reach them (registered types, configuration and usage errors).
Anything else — a bug of ours, a library's exception, the database's own words — is logged with
its traceback under a short reference, and the user reads only the reference.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

_typer_click: ModuleType
try:  # typer ≥ 0.20 carries its own copy of click
    from typer._click import exceptions as _typer_click
except ImportError:  # pragma: no cover
    import click.exceptions as _typer_click


def click_errors(name: str) -> tuple[type[Any], ...]:
    """Click's own exception class ``name`` when something loaded click (uvicorn's command line,
    an older typer), else none: typer ≥ 0.20 raises its own copy's, and an exception of a module
    that was never imported cannot have been raised, so a command loads no click for this
    (issue #19). Example: ``click_errors("Abort")`` is ``()`` in ``custbot ask``."""
    click = sys.modules.get("click.exceptions")
    return (getattr(click, name),) if click is not None else ()


__all__ = ["describe_error", "register_error", "log_internal", "error_log_path", "click_errors"]

log = logging.getLogger("custbot.errors")

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


def _translate(message: str, language: str) -> str:
    if language == "en":
        return message
    from bot.i18n import translator

    return translator(language)(message)


def describe_error(e: BaseException, language: str = "en") -> tuple[int, str]:
    """(exit status, one-line message) for any exception; what is not meant for users is
    logged under a reference and worded in ``language``."""
    from sqlalchemy.exc import OperationalError

    from bot.core import CLI_DATABASE_ERROR, CLI_INTERNAL_ERROR
    from custbot.config import ConfigError
    from custbot.context import UsageError

    clicks: Any = e  # typer's click or click's own: the same interface
    if isinstance(e, (_typer_click.UsageError, *click_errors("UsageError"))):
        ctx = clicks.ctx
        hint = f" (try '{ctx.command_path} --help')" if ctx else " (try 'custbot --help')"
        return 2, f"{clicks.format_message()}{hint}"
    if isinstance(e, (_typer_click.ClickException, *click_errors("ClickException"))):
        return clicks.exit_code, clicks.format_message()
    if isinstance(e, ConfigError):
        return 2, f"bad configuration: {e}"
    if isinstance(e, UsageError):
        return 2, str(e)
    for exc_type, status in [*_package_errors(), *_KNOWN]:
        if isinstance(e, exc_type):
            return status, str(e)
    ref = log_internal(e)
    where = error_log_path()
    message = CLI_DATABASE_ERROR if isinstance(e, OperationalError) else CLI_INTERNAL_ERROR
    return 1, _translate(message, language).format(ref=ref, log=where)


def error_log_path() -> Path:
    """Where the command line logs tracebacks: ``$CUSTBOT_ERROR_LOG`` or a file in the temp dir."""
    given = os.environ.get("CUSTBOT_ERROR_LOG")
    return Path(given) if given else Path(tempfile.gettempdir()) / "custbot-errors.log"


_file_handler: logging.FileHandler | None = None


def _to_file(path: Path) -> None:
    """Tracebacks also go to the file the user is pointed at (whatever else handles the log)."""
    global _file_handler
    if _file_handler is not None and _file_handler.baseFilename == str(path.absolute()):
        return
    if _file_handler is not None:
        log.removeHandler(_file_handler)
        _file_handler.close()
        _file_handler = None
    try:
        _file_handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    except OSError:
        return
    _file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(_file_handler)


def log_internal(e: BaseException, what: str = "internal error") -> str:
    """Log ``e`` with its traceback under a new short reference (also to ``error_log_path()``)
    and return the reference."""
    ref = secrets.token_hex(3)
    _to_file(error_log_path())
    log.error("%s (ref %s)", what, ref, exc_info=(type(e), e, e.__traceback__))
    return ref
