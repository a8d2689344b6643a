"""The Slack front end: a slack-bolt ``AsyncApp`` that converts in and renders out.

Every listener acknowledges first (Slack wants an answer within 3 seconds) and works after;
redeliveries are dropped with ``core.seen``; workspaces outside ``slack.allowed_teams`` get a
polite refusal. People are identified by (team id, user id) only.

Example::

    app = build_slack_app(core, settings, token="xoxb-…", signing_secret="…")
    # HTTP: AsyncSlackRequestHandler(app); Socket Mode: AsyncSocketModeHandler(app, "xapp-…")
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import N_, translator
from bot.messages import Identity, Reply, Request, Text
from bot.settings import BotSettings
from bot.slack.blocks import ACTION_PREFIX, SHARE_ACTION, render_parts
from bot.slack.deliver import Delivery, Origin, share

__all__ = ["build_slack_app", "make_client", "clean_text"]

log = logging.getLogger("custbot.slack")
REFUSAL = N_("Sorry, this workspace is not allowed to use custbot. Ask your custbot administrator.")
_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def make_client(token: str, base_url: str = "https://slack.com/api/") -> AsyncWebClient:
    """A Web API client that retries 429s after Retry-After, server errors and lost connections.

    Example::

        client = make_client("xoxb-…", settings.slack.base_url)
    """
    return AsyncWebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def clean_text(text: str) -> str:
    """Slack's wire text as typed: mentions dropped, links unwrapped, entities decoded.

    Example::

        clean_text("<@U1> buyers in <mailto:a@b.c|a@b.c> &amp; Co")  # 'buyers in a@b.c & Co'
    """

    def _unwrap(m: re.Match[str]) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith(("@", "!", "#")):
            return "" if target.startswith("@") else (label or "")
        return label or target.removeprefix("mailto:")

    return html.unescape(_LINK.sub(_unwrap, text)).strip()


def _action_origin(body: dict[str, Any]) -> Origin:
    user = body["user"]
    identity = Identity(
        "slack", user["id"], user.get("team_id") or (body.get("team") or {}).get("id")
    )
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    ephemeral = bool(container.get("is_ephemeral"))
    if container.get("type") == "view":  # the Home tab: answer in the DM
        return Origin(identity, None)
    in_dm = bool(channel and channel.startswith("D"))
    return Origin(
        identity,
        channel,
        is_dm=in_dm and not ephemeral,
        shareable=not in_dm,
        response_url=body.get("response_url"),
        message_ts=container.get("message_ts"),
        ephemeral=ephemeral,
    )


def build_slack_app(
    core: Any,
    settings: BotSettings,
    *,
    token: str,
    signing_secret: str,
    client: AsyncWebClient | None = None,
) -> AsyncApp:
    """The bolt app over ``core`` (a :class:`bot.core.ChatCore`); request verification stays on.

    Example::

        app = build_slack_app(core, settings, token=os.environ["CUSTBOT_SLACK_BOT_TOKEN"],
                              signing_secret=os.environ["CUSTBOT_SLACK_SIGNING_SECRET"])
    """
    client = client or make_client(token, settings.slack.base_url)
    app = AsyncApp(client=client, signing_secret=signing_secret, name="custbot", logger=log)
    allowed = set(settings.slack.allowed_teams)

    def permitted(origin: Origin) -> bool:
        if origin.identity.team_id in allowed:
            return True
        log.warning(
            "refused Slack workspace %s (user %s)", origin.identity.team_id, origin.identity.user_id
        )
        return False

    async def serve(
        origin: Origin, key: str, *, text: str | None = None, action: str | None = None
    ) -> None:
        delivery = Delivery(client, core.engine, origin)
        if not permitted(origin):
            refusal = translator(settings.language)(REFUSAL)  # a stranger: the default language
            await delivery.send(Reply((Text(refusal, "error"),), language=settings.language))
            return
        if await core.seen("slack", key):
            log.info("ignored a redelivered Slack request %s", key)
            return
        request = Request(
            who=origin.identity,
            chat_id=origin.channel or origin.identity.user_id,
            text=text,
            action=action,
            is_group=not origin.is_dm,
        )
        for reply in await core.handle(request):
            await delivery.send(reply)

    @app.command(settings.slack.command)
    async def on_command(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        channel = body.get("channel_id") or ""
        in_dm = channel.startswith("D") or body.get("channel_name") == "directmessage"
        origin = Origin(
            Identity("slack", body["user_id"], body.get("team_id")),
            channel,
            shareable=not in_dm,
            response_url=body.get("response_url"),
        )
        await serve(
            origin, f"command:{body.get('trigger_id')}", text=clean_text(body.get("text") or "")
        )

    @app.event("app_mention")
    async def on_mention(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D"):
            return  # the message.im listener answers direct messages
        identity = Identity("slack", event["user"], event.get("user_team") or body.get("team_id"))
        origin = Origin(
            identity, event["channel"], shareable=True, thread_ts=event.get("thread_ts")
        )
        await serve(
            origin, f"event:{body.get('event_id')}", text=clean_text(event.get("text") or "")
        )

    @app.event("message")
    async def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
        if (
            event.get("channel_type") != "im"
            or event.get("subtype")
            or event.get("bot_id")
            or "user" not in event
        ):
            return
        identity = Identity("slack", event["user"], event.get("user_team") or body.get("team_id"))
        origin = Origin(identity, event["channel"], is_dm=True)
        await serve(
            origin, f"event:{body.get('event_id')}", text=clean_text(event.get("text") or "")
        )

    @app.action(re.compile(f"^{re.escape(ACTION_PREFIX)}"))
    async def on_button(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        origin = _action_origin(body)
        key = f"action:{origin.identity.key}:{action.get('action_ts')}:{action.get('value')}"
        await serve(origin, key, action=action.get("value") or "")

    @app.action(SHARE_ACTION)
    async def on_share(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        origin = _action_origin(body)
        delivery = Delivery(client, core.engine, origin)
        if not permitted(origin):
            refusal = translator(settings.language)(REFUSAL)  # a stranger: the default language
            await delivery.send(Reply((Text(refusal, "error"),), language=settings.language))
        elif not await core.seen("slack", f"share:{origin.identity.key}:{action.get('action_ts')}"):
            if not await share(delivery, action.get("value") or ""):
                language = await asyncio.to_thread(core.language_for, origin.identity)
                _ = translator(language)
                gone = _("This was shared already, or has expired.")
                await delivery.send(Reply((Text(gone, "note"),), language=language))

    @app.event("app_home_opened")
    async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        origin = Origin(
            Identity("slack", event["user"], event.get("user_team") or body.get("team_id")), None
        )
        parts = await core.home(origin.identity) if permitted(origin) else [Text(REFUSAL, "error")]
        messages, _files = render_parts(parts, max_blocks=100)
        blocks = messages[0].blocks if messages else []
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": blocks})

    return app
