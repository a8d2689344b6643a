"""What ``custbot serve`` checks before it starts, and what ``custbot serve --check`` reports.

``problems(settings)`` finds configuration that cannot work (a webhook without its URL or
secret, Slack's Socket Mode without the ``xapp-`` token, HTTP mode without the signing secret,
a front end half-configured without its token) without touching the network.
``check_tokens(settings)`` asks the platforms themselves — Telegram's ``getMe``, Slack's
``auth.test`` — at the configured API base, and says whether each token is accepted.

Example::

    for line in problems(settings) + asyncio.run(check_tokens(settings)).problems:
        print(line)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.settings import BotSettings as Settings
from custbot.errors import register_error

__all__ = [
    "ServeConfigError",
    "TokenReport",
    "wanted",
    "problems",
    "check_tokens",
    "check_database",
]

_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ServeConfigError(Exception):
    """``custbot serve`` cannot start; the message says what to set."""


register_error(ServeConfigError, 2)


def wanted(settings: Settings) -> dict[str, bool]:
    """Which front ends the configuration asks for: a token in the environment, or settings
    that only make sense for that front end (webhook mode, Slack HTTP mode, a Slack secret)."""
    tg, sl = settings.telegram, settings.slack
    env = settings.secret
    return {
        "telegram": bool(env(tg.token_env) or tg.mode == "webhook" or tg.webhook_url),
        "slack": bool(
            env(sl.bot_token_env)
            or env(sl.app_token_env)
            or env(sl.signing_secret_env)
            or sl.mode == "http"
        ),
    }


def _telegram(settings: Settings) -> list[str]:
    tg, env = settings.telegram, settings.secret
    out = []
    token = env(tg.token_env)
    if not token:
        out.append(f"telegram: ${tg.token_env} is not set (the bot token from @BotFather)")
    elif ":" not in token:
        out.append(f"telegram: ${tg.token_env} does not look like a bot token (123456:ABC-DEF…)")
    if tg.mode == "webhook":
        if not tg.webhook_url:
            out.append("telegram: mode is 'webhook' but telegram.webhook_url is not set")
        elif not tg.webhook_url.startswith("https://"):
            out.append("telegram: telegram.webhook_url must be an https:// URL")
        secret = env(tg.webhook_secret_env)
        if not secret:
            out.append(f"telegram: mode is 'webhook' but ${tg.webhook_secret_env} is not set")
        elif not _TELEGRAM_SECRET.match(secret):
            out.append(
                f"telegram: ${tg.webhook_secret_env} may only hold 1-256 letters, digits, '_', '-'"
            )
    return out


def _slack(settings: Settings) -> list[str]:
    sl, env = settings.slack, settings.secret
    out = []
    token = env(sl.bot_token_env)
    if not token:
        out.append(f"slack: ${sl.bot_token_env} is not set (the bot token, xoxb-…)")
    elif not token.startswith("xoxb-"):
        out.append(f"slack: ${sl.bot_token_env} must be a bot token starting with xoxb-")
    if sl.mode == "socket":
        app_token = env(sl.app_token_env)
        if not app_token:
            out.append(f"slack: Socket Mode needs ${sl.app_token_env} (the app-level xapp- token)")
        elif not app_token.startswith("xapp-"):
            out.append(f"slack: ${sl.app_token_env} must be an app-level token starting with xapp-")
    elif not env(sl.signing_secret_env):
        out.append(f"slack: HTTP mode needs ${sl.signing_secret_env} (the signing secret)")
    if not sl.allowed_teams:
        out.append("slack: slack.allowed_teams is empty, so nobody could use the bot")
    return out


def problems(settings: Settings) -> list[str]:
    """Configuration that cannot work, one line each (empty: fine). No network."""
    want = wanted(settings)
    return (_telegram(settings) if want["telegram"] else []) + (
        _slack(settings) if want["slack"] else []
    )


@dataclass
class TokenReport:
    ok: list[str] = field(default_factory=list)  # e.g. "telegram: @custbot_bot"
    problems: list[str] = field(default_factory=list)  # the platform refused a token
    unreachable: list[str] = field(default_factory=list)  # the platform could not be asked


async def _telegram_token(settings: Settings, report: TokenReport) -> None:
    from telegram import Bot
    from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError

    tg = settings.telegram
    token = settings.secret(tg.token_env) or ""
    bot = Bot(token, base_url=tg.base_url, base_file_url=tg.base_file_url)
    try:
        me = await bot.get_me()
    except (InvalidToken, Forbidden):
        report.problems.append(f"telegram: {tg.base_url} refused the token in ${tg.token_env}")
    except NetworkError:
        report.unreachable.append(f"telegram: cannot reach {tg.base_url} to check the token")
    except TelegramError as e:
        report.problems.append(f"telegram: getMe failed ({type(e).__name__})")
    else:
        report.ok.append(f"telegram: @{me.username}")
    finally:
        try:
            await bot.shutdown()
        except Exception:  # noqa: BLE001 - a bot that never initialised has nothing to close
            pass


async def _slack_token(settings: Settings, report: TokenReport) -> None:
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.slack.app import make_client

    sl = settings.slack
    client = make_client(settings.secret(sl.bot_token_env) or "", sl.base_url)
    client.retry_handlers = []  # one question, one answer
    try:
        got = await client.auth_test()
    except SlackApiError as e:
        code = e.response.get("error", "error") if e.response is not None else "error"
        report.problems.append(
            f"slack: {sl.base_url} refused the token in ${sl.bot_token_env} ({code})"
        )
    except (SlackClientError, OSError, TimeoutError):
        report.unreachable.append(f"slack: cannot reach {sl.base_url} to check the token")
    else:
        team = got.get("team_id")
        report.ok.append(f"slack: {got.get('user')} in team {team}")
        if sl.allowed_teams and team not in sl.allowed_teams:
            report.problems.append(f"slack: the token's team {team} is not in slack.allowed_teams")


async def check_tokens(settings: Settings) -> TokenReport:
    """Ask each wanted platform whether it accepts its token (getMe, auth.test)."""
    report = TokenReport()
    want = wanted(settings)
    if want["telegram"] and settings.secret(settings.telegram.token_env):
        await _telegram_token(settings, report)
    if want["slack"] and settings.secret(settings.slack.bot_token_env):
        await _slack_token(settings, report)
    return report


def check_database(engine: Callable[[], Any]) -> list[str]:
    """The database answers (migrated on first use): [] or one line with a log reference."""
    from sqlalchemy import text

    from custbot.errors import log_internal

    try:
        with engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:  # noqa: BLE001 - any failure means "cannot use it"
        return [f"database: cannot use it (ref {log_internal(e, 'database check')})"]
    return []
