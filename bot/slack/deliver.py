"""Sending rendered replies to Slack: ephemeral, public, in place, or as a file.

Where a request came from (:class:`Origin`) decides how each reply goes out: a slash command
or a button answers through its ``response_url``, a mention with ``chat.postEphemeral``, a
direct message with ``chat.postMessage``; ``replace`` edits the pressed message. Private data in
a channel carries a "Share in channel" button whose copy is stored in ``chat_state``.

Example::

    await Delivery(client, engine, origin).send(reply)
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from datetime import timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy import Engine

from bot import state
from bot.messages import Identity, Reply
from bot.slack.blocks import (
    MAX_BLOCKS,
    SlackMessage,
    SlackUpload,
    has_customer_data,
    render_parts,
    share_button,
)

__all__ = ["Origin", "Delivery", "SlackOutbound", "SHARE_KIND", "share"]

log = logging.getLogger("custbot.slack")
SHARE_KIND = "slack_share"
SHARE_TTL = timedelta(days=1)
RESPONSE_URL_USES = 5  # Slack accepts five posts to one response_url


@dataclass(frozen=True)
class Origin:
    """Where a request came from, and so where its replies go."""

    identity: Identity
    channel: str | None  # None: a Home tab button; replies go to the user's DM
    is_dm: bool = False  # the bot's own direct message: nothing is ever ephemeral there
    shareable: bool = False  # a channel: private replies offer "Share in channel"
    response_url: str | None = None
    message_ts: str | None = None  # the message whose button was pressed
    ephemeral: bool = False  # that message was ephemeral (edit it through response_url)
    thread_ts: str | None = None  # answer in this thread


class Delivery:
    """Sends the replies of one request back to where it came from."""

    def __init__(
        self, client: AsyncWebClient, engine: Engine, origin: Origin, *, strict: bool = False
    ) -> None:
        self.client = client
        self.engine = engine
        self.origin = origin
        # strict: a message or file Slack refuses raises (a scheduled send is then retried and
        # reported); otherwise it is logged, since nobody could act on it mid-conversation
        self.strict = strict
        self._dm: str | None = origin.channel if origin.is_dm else None
        self._responses = 0

    async def send(self, reply: Reply) -> None:
        """Render ``reply`` and post every message and file of it."""
        messages, uploads = render_parts(reply.parts, language=reply.language)
        private = reply.private and not self.origin.is_dm
        if private and self.origin.shareable and messages and has_customer_data(reply):
            token = await asyncio.to_thread(self._store_share, messages)
            if len(messages[-1].blocks) >= MAX_BLOCKS:
                messages.append(SlackMessage([], messages[-1].text))
            messages[-1].blocks.append(share_button(token, reply.language))
        for i, message in enumerate(messages):
            try:
                if (
                    reply.replace
                    and i == 0
                    and (self.origin.response_url or self.origin.message_ts)
                ):
                    await self._replace(message)
                elif private or self.origin.channel is None:
                    await self._private(message)
                else:
                    await self._public(message)
            except SlackApiError as e:
                log.error(
                    "Slack refused a message to %s: %s",
                    self.origin.channel,
                    e.response.get("error"),
                )
                if self.strict:
                    raise
        for upload in uploads:
            await self._upload(upload, private)

    def _can_respond(self) -> bool:
        return bool(self.origin.response_url) and self._responses < RESPONSE_URL_USES

    async def _respond(self, body: dict) -> None:
        assert self.origin.response_url
        self._responses += 1
        response = await AsyncWebhookClient(self.origin.response_url).send_dict(body)
        if response.status_code != 200:
            log.error("response_url answered %s: %s", response.status_code, response.body[:200])

    async def _replace(self, message: SlackMessage) -> None:
        if self.origin.message_ts and not self.origin.ephemeral and self.origin.channel:
            await self.client.chat_update(
                channel=self.origin.channel,
                ts=self.origin.message_ts,
                blocks=message.blocks,
                text=message.text,
            )
        else:
            await self._respond(
                {"replace_original": True, "blocks": message.blocks, "text": message.text}
            )

    async def _private(self, message: SlackMessage) -> None:
        if self.origin.is_dm or self.origin.channel is None:
            await self.client.chat_postMessage(
                channel=await self.dm(),
                blocks=message.blocks,
                text=message.text,
                thread_ts=self.origin.thread_ts,
            )
        elif self._can_respond():
            body = {"response_type": "ephemeral", "replace_original": False}
            await self._respond({**body, "blocks": message.blocks, "text": message.text})
        else:
            await self.client.chat_postEphemeral(
                channel=self.origin.channel,
                user=self.origin.identity.user_id,
                blocks=message.blocks,
                text=message.text,
                thread_ts=self.origin.thread_ts,
            )

    async def _public(self, message: SlackMessage) -> None:
        if self._can_respond() and not self.origin.is_dm:
            body = {"response_type": "in_channel", "replace_original": False}
            await self._respond({**body, "blocks": message.blocks, "text": message.text})
        else:
            channel = self.origin.channel or await self.dm()
            await self.client.chat_postMessage(
                channel=channel,
                blocks=message.blocks,
                text=message.text,
                thread_ts=self.origin.thread_ts,
            )

    async def dm(self) -> str:
        """The asker's direct-message channel with the bot (opened once)."""
        if self._dm is None:
            opened = await self.client.conversations_open(users=self.origin.identity.user_id)
            self._dm = opened["channel"]["id"]
        return self._dm

    async def _upload(self, upload: SlackUpload, private: bool) -> None:
        channel = await self.dm() if private or self.origin.channel is None else self.origin.channel
        try:
            await self.client.files_upload_v2(
                channel=channel,
                filename=upload.filename,
                content=upload.content,
                title=upload.title,
                initial_comment=upload.comment or None,
            )
        except SlackApiError as e:
            log.error("Slack refused the file %s: %s", upload.filename, e.response.get("error"))
            if self.strict:
                raise
            return
        if channel != self.origin.channel and self.origin.channel is not None:
            note = f"I sent {upload.filename} to you in a direct message."
            await self._private(
                SlackMessage(
                    [{"type": "context", "elements": [{"type": "plain_text", "text": note}]}], note
                )
            )

    def _store_share(self, messages: list[SlackMessage]) -> str:
        payload = {
            "channel": self.origin.channel,
            "messages": [
                {"blocks": [b for b in m.blocks if b.get("type") != "actions"], "text": m.text}
                for m in messages
            ],
        }
        with self.engine.begin() as conn:
            return state.put(conn, SHARE_KIND, self.origin.identity.key, payload, SHARE_TTL)


async def share(delivery: Delivery, token: str) -> bool:
    """Re-post the stored copy behind ``token`` in its channel, once; False if spent or foreign."""
    origin = delivery.origin

    def _take() -> dict | None:
        with delivery.engine.begin() as conn:
            st = state.get(conn, token)
            if (
                st is None
                or st.kind != SHARE_KIND
                or not state.spend(conn, token, origin.identity.key)
            ):
                return None
            return st.payload

    payload = await asyncio.to_thread(_take)
    if payload is None:
        return False
    by = {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f"Shared by <@{origin.identity.user_id}>"}],
    }
    for i, message in enumerate(payload["messages"]):
        blocks = message["blocks"] + (
            [by]
            if i == len(payload["messages"]) - 1 and len(message["blocks"]) < MAX_BLOCKS
            else []
        )
        try:
            await delivery.client.chat_postMessage(
                channel=payload["channel"], blocks=blocks, text=message["text"]
            )
        except SlackApiError as e:
            if (
                e.response.get("error") not in ("not_in_channel", "channel_not_found")
                or not origin.response_url
            ):
                raise
            await delivery._respond(
                {
                    "response_type": "in_channel",
                    "replace_original": False,
                    "blocks": blocks,
                    "text": message["text"],
                }
            )
    if origin.response_url:
        await delivery._respond({"delete_original": True})
    return True


class SlackOutbound:
    """Messages nobody asked for right now (scheduled reports), posted in a channel.

    Example::

        await SlackOutbound(app.client, engine).send("C0123", Reply((Text("Weekly ratings"),)))
    """

    def __init__(self, client: AsyncWebClient, engine: Engine) -> None:
        self.client = client
        self.engine = engine

    async def send(self, chat: str, reply: Reply) -> None:
        """Post ``reply`` publicly in the channel ``chat`` (a bot DM when ``chat`` is a user id).
        A message or file Slack refuses raises ``SlackApiError``, so the caller can retry and
        report it rather than count it as sent."""
        origin = Origin(Identity("slack", chat), chat, is_dm=chat.startswith(("D", "U", "W")))
        await Delivery(self.client, self.engine, origin, strict=True).send(
            dc_replace(reply, private=False, replace=False)
        )
