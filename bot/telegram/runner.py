"""Running the bot: long polling, or a webhook served by aiohttp that checks Telegram's secret.

Example::

    stop = asyncio.Event()
    await run_telegram(core, settings, os.environ["CUSTBOT_TELEGRAM_TOKEN"], stop)
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.settings import BotSettings
from bot.telegram.app import TelegramSetupError, build_telegram_application, publish_commands
from bot.telegram.limits import FloodLimits

if TYPE_CHECKING:
    from bot.core import ChatCore

__all__ = [
    "TelegramSetupError",
    "run_telegram",
    "make_webhook_app",
    "webhook_secret",
    "ALLOWED_UPDATES",
]

log = logging.getLogger("custbot.telegram")

ALLOWED_UPDATES = ["message", "callback_query"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_OK = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def webhook_secret(settings: BotSettings) -> str:
    """The webhook secret from the environment variable named in the settings."""
    env = settings.telegram.webhook_secret_env
    secret = settings.secret(env)
    if not secret:
        raise TelegramSetupError(
            f"telegram.mode is 'webhook' but ${env} is not set; set it to a "
            "random string of 1-256 letters, digits, '_' or '-'"
        )
    if not _SECRET_OK.match(secret):
        raise TelegramSetupError(
            f"${env} may only hold 1-256 letters, digits, '_' or '-' "
            "(Telegram's rule for secret_token)"
        )
    return secret


def make_webhook_app(application: Application, secret: str, path: str = "/") -> web.Application:
    """An aiohttp app that accepts updates on ``path`` only with the right secret header
    (403 otherwise) and queues them for ``application``.

    Example: ``web.run_app(make_webhook_app(app, secret, "/telegram"))``.
    """
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("refused a webhook call from %s: wrong or missing secret", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(), application.bot)
        except (ValueError, TypeError, KeyError) as e:
            log.warning("refused a webhook call: not an update (%s)", type(e).__name__)
            return web.Response(status=400, text="not a Telegram update")
        await application.update_queue.put(update)
        return web.Response(status=200, text="ok")

    web_app = web.Application(client_max_size=2**20)
    web_app.router.add_post(path, receive)
    return web_app


async def run_telegram(
    core: ChatCore,
    settings: BotSettings,
    token: str,
    stop_event: asyncio.Event,
    *,
    limits: FloodLimits | None = None,
) -> None:
    """Serve Telegram until ``stop_event`` is set: polling or webhook per ``settings.telegram``.

    Example::

        stop = asyncio.Event()
        task = asyncio.create_task(run_telegram(core, settings, token, stop))
    """
    tg = settings.telegram
    secret = webhook_secret(settings) if tg.mode == "webhook" else None
    if tg.mode == "webhook" and not tg.webhook_url:
        raise TelegramSetupError(
            "telegram.mode is 'webhook' but telegram.webhook_url is not "
            "set; give the public https URL Telegram should call"
        )
    app = build_telegram_application(core, settings, token, limits=limits)
    async with app:
        await publish_commands(app, core, settings)
        runner: web.AppRunner | None = None
        if secret is not None and tg.webhook_url:
            runner = web.AppRunner(
                make_webhook_app(app, secret, urlsplit(tg.webhook_url).path or "/")
            )
            await runner.setup()
            await web.TCPSite(runner, tg.listen, tg.port).start()
            await app.bot.set_webhook(
                tg.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )
            log.info("telegram webhook listening on %s:%s", tg.listen, tg.port)
        else:
            await app.bot.delete_webhook()
            assert app.updater is not None
            await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            log.info("telegram polling started as @%s", app.bot.username)
        await app.start()
        try:
            await stop_event.wait()
        finally:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            await app.stop()
            if runner is not None:
                await runner.cleanup()
