"""The Telegram front end (python-telegram-bot 22): a thin adapter over the chat core.

Example::

    from bot.telegram import build_telegram_application, run_telegram
    await run_telegram(core, settings, token, stop_event)
"""

from __future__ import annotations

from bot.telegram.app import TelegramSetupError, build_telegram_application, publish_commands
from bot.telegram.deliver import TelegramOutbound
from bot.telegram.limits import FloodLimiter, FloodLimits
from bot.telegram.runner import make_webhook_app, run_telegram

__all__ = [
    "TelegramSetupError",
    "build_telegram_application",
    "publish_commands",
    "run_telegram",
    "make_webhook_app",
    "TelegramOutbound",
    "FloodLimiter",
    "FloodLimits",
]
