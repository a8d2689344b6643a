"""``custbot telegram …``: point Telegram at this bot's webhook, or take the webhook away.

The token comes from the environment variable named in ``telegram.token_env`` (never from a
file), and the webhook secret from ``telegram.webhook_secret_env``.

Example::

    CUSTBOT_TELEGRAM_TOKEN=123:ABC custbot telegram set-webhook https://bot.example.com/telegram
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from custbot.cli import app
from custbot.config import Settings
from custbot.context import AppContext

if TYPE_CHECKING:
    from telegram import Bot

__all__ = ["telegram_app", "set_webhook", "delete_webhook"]

telegram_app = typer.Typer(help="Telegram: webhook set-up.", no_args_is_help=True)
app.add_typer(telegram_app, name="telegram")


def _token(settings: Settings) -> str:
    from bot.telegram.app import TelegramSetupError

    env = settings.telegram.token_env
    token = settings.secret(env)
    if not token:
        raise TelegramSetupError(
            f"${env} is not set; put the token @BotFather gave you in that "
            "environment variable (telegram.token_env names it)"
        )
    return token


def _bot(settings: Settings, token: str) -> Bot:
    from telegram import Bot

    return Bot(
        token, base_url=settings.telegram.base_url, base_file_url=settings.telegram.base_file_url
    )


async def _call(settings: Settings, token: str, method: str, **kwargs: object) -> object:
    from telegram.error import TelegramError

    from bot.telegram.app import TelegramSetupError

    try:
        async with _bot(settings, token) as bot:
            return await getattr(bot, method)(**kwargs)
    except TelegramError as e:  # the message never holds the token
        reason = str(e).replace(token, "<token>")
        raise TelegramSetupError(f"Telegram refused {method}: {reason}") from None


@telegram_app.command("set-webhook")
def set_webhook(
    ctx: typer.Context,
    url: Annotated[
        str, typer.Argument(help="The public https URL Telegram should post updates to.")
    ],
    drop_pending: Annotated[
        bool, typer.Option("--drop-pending", help="Forget updates waiting for delivery.")
    ] = False,
) -> None:
    """Tell Telegram to deliver updates to URL, with the secret from the environment."""
    from bot.telegram.runner import ALLOWED_UPDATES, webhook_secret

    settings = (
        ctx.find_root().obj.settings if isinstance(ctx.find_root().obj, AppContext) else Settings()
    )
    token = _token(settings)
    if not url.startswith("https://"):
        typer.echo(
            "warning: Telegram only calls https:// webhooks (ports 443, 80, 88, 8443)", err=True
        )
    secret = webhook_secret(settings)
    asyncio.run(
        _call(
            settings,
            token,
            "set_webhook",
            url=url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=drop_pending,
        )
    )
    typer.echo(f"webhook set to {url}; run 'custbot serve' with telegram.mode = \"webhook\"")


@telegram_app.command("delete-webhook")
def delete_webhook(ctx: typer.Context) -> None:
    """Remove the webhook so that polling works again."""
    settings = (
        ctx.find_root().obj.settings if isinstance(ctx.find_root().obj, AppContext) else Settings()
    )
    asyncio.run(_call(settings, _token(settings), "delete_webhook"))
    typer.echo("webhook removed; polling mode can be used now")
