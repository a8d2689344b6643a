"""Running the Slack front end: Socket Mode (an ``xapp-`` token) or HTTP mode behind uvicorn.

Tokens and the signing secret come from the environment variables named in ``[slack]``
(``bot_token_env``, ``app_token_env``, ``signing_secret_env``), never from the file.

Example::

    stop = asyncio.Event()
    await run_slack(core, settings, stop)   # returns after stop.set()
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp

from bot.errors import SlackConfigError
from bot.http import ASGIApp, route
from bot.settings import BotSettings
from bot.slack.app import build_slack_app

__all__ = ["SlackConfigError", "EVENTS_PATH", "asgi_app", "run_slack"]

log = logging.getLogger("custbot.slack")
EVENTS_PATH = "/slack/events"


def _secret(settings: BotSettings, env_name: str, what: str) -> str:
    value = settings.secret(env_name)
    if not value:
        raise SlackConfigError(
            f"Slack: {what} is missing; set the environment variable {env_name} (see docs/slack.md)"
        )
    return value


def asgi_app(app: AsyncApp, path: str = EVENTS_PATH) -> AsyncSlackRequestHandler:
    """The ASGI application for HTTP mode: Slack posts events, commands and actions to ``path``.

    Example::

        uvicorn.run(asgi_app(build_slack_app(core, settings, token=t, signing_secret=s)), port=3000)
    """
    return AsyncSlackRequestHandler(app, path=path)


async def run_slack(
    core: Any,
    settings: BotSettings,
    stop_event: asyncio.Event,
    *,
    host: str = "0.0.0.0",
    routes: dict[str, ASGIApp] | None = None,
) -> None:
    """Serve Slack in ``settings.slack.mode`` until ``stop_event`` is set. In HTTP mode,
    ``routes`` (path -> ASGI app, e.g. the one-click unsubscribe endpoint) share the port.

    Example::

        await run_slack(ChatCore(engine, settings), settings, asyncio.Event())
    """
    s = settings.slack
    token = _secret(settings, s.bot_token_env, "the bot token (xoxb-…)")
    if s.mode == "socket":
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        app_token = _secret(
            settings, s.app_token_env, "the app-level token (xapp-…) for Socket Mode"
        )
        signing_secret = settings.secret(s.signing_secret_env) or ""  # unused in Socket Mode
        app = build_slack_app(core, settings, token=token, signing_secret=signing_secret)
        handler = AsyncSocketModeHandler(app, app_token)
        await handler.connect_async()
        log.info("Slack: connected in Socket Mode")
        try:
            await stop_event.wait()
        finally:
            await handler.close_async()
        return
    import uvicorn

    signing_secret = _secret(settings, s.signing_secret_env, "the signing secret")
    app = build_slack_app(core, settings, token=token, signing_secret=signing_secret)
    web: Any = asgi_app(app)
    if routes:
        web = route({EVENTS_PATH: web, **routes})
    server = uvicorn.Server(
        uvicorn.Config(web, host=host, port=s.port, log_level="info", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    log.info("Slack: HTTP mode on %s:%s%s", host, s.port, EVENTS_PATH)
    try:
        await asyncio.wait(
            {task, asyncio.create_task(stop_event.wait())}, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        server.should_exit = True
        await task
