"""Signed Slack requests, as Slack would send them, dispatched to the real bolt ``AsyncApp``.

Example::

    slack = SlackDriver(app, api, secret=SECRET)
    response = await slack.command("Moscow buyers")   # the ack
    await api.wait_for("response_url")                 # the answer
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from tests.slack.web_api import WebApiStandIn

__all__ = ["SECRET", "signed_headers", "SlackDriver", "buttons", "button", "texts"]

SECRET = "test-signing-secret"
_n = itertools.count(1)


def signed_headers(
    body: str,
    secret: str = SECRET,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    """Headers of a request signed like Slack signs it (``v0=`` HMAC of ``v0:ts:body``)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature,
    }


class SlackDriver:
    """Builds commands, events and button presses and dispatches them to ``app``."""

    def __init__(self, app: AsyncApp, api: WebApiStandIn, secret: str = SECRET) -> None:
        self.app = app
        self.api = api
        self.secret = secret

    async def send(
        self,
        body: str,
        content_type: str = "application/x-www-form-urlencoded",
        extra: dict[str, str] | None = None,
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> BoltResponse:
        headers = signed_headers(body, secret or self.secret, timestamp, content_type) | (
            extra or {}
        )
        return await self.app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))

    def command_body(
        self,
        text: str,
        *,
        user: str = "U1",
        team: str = "T1",
        channel: str = "C1",
        channel_name: str = "sales",
    ) -> str:
        n = next(_n)
        return urlencode(
            {
                "token": "legacy",
                "team_id": team,
                "team_domain": "test",
                "channel_id": channel,
                "channel_name": channel_name,
                "user_id": user,
                "user_name": "someone",
                "command": "/customers",
                "text": text,
                "api_app_id": "A1",
                "is_enterprise_install": "false",
                "response_url": self.api.response_url(f"cmd{n}"),
                "trigger_id": f"{n}.1.trigger",
            }
        )

    async def command(self, text: str, **kw: Any) -> BoltResponse:
        return await self.send(self.command_body(text, **kw))

    def event_body(
        self, event: dict[str, Any], *, team: str = "T1", event_id: str | None = None
    ) -> str:
        return json.dumps(
            {
                "token": "legacy",
                "team_id": team,
                "api_app_id": "A1",
                "type": "event_callback",
                "event": {"event_ts": f"{time.time():.6f}", **event},
                "event_id": event_id or f"Ev{next(_n)}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
            }
        )

    async def event(
        self,
        event: dict[str, Any],
        *,
        team: str = "T1",
        event_id: str | None = None,
        retry: int | None = None,
    ) -> BoltResponse:
        extra = (
            {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
            if retry
            else None
        )
        return await self.send(
            self.event_body(event, team=team, event_id=event_id), "application/json", extra
        )

    async def mention(
        self, text: str, *, user: str = "U1", team: str = "T1", channel: str = "C1"
    ) -> BoltResponse:
        event = {
            "type": "app_mention",
            "user": user,
            "text": f"<@UBOT> {text}",
            "channel": channel,
            "ts": f"{time.time():.6f}",
        }
        return await self.event(event, team=team)

    async def dm(
        self,
        text: str,
        *,
        user: str = "U1",
        team: str = "T1",
        event_id: str | None = None,
        retry: int | None = None,
    ) -> BoltResponse:
        event = {
            "type": "message",
            "channel_type": "im",
            "user": user,
            "text": text,
            "channel": f"D{user}",
            "ts": f"{time.time():.6f}",
        }
        return await self.event(event, team=team, event_id=event_id, retry=retry)

    def action_body(
        self,
        element: dict[str, Any],
        *,
        user: str = "U1",
        team: str = "T1",
        channel: str = "C1",
        ephemeral: bool = True,
        message_ts: str = "1.000001",
        action_ts: str | None = None,
    ) -> str:
        n = next(_n)
        action = {
            "type": "button",
            "block_id": "b1",
            "action_id": element["action_id"],
            "value": element.get("value"),
            "text": element.get("text"),
            "action_ts": action_ts or f"{time.time():.6f}",
        }
        payload = {
            "type": "block_actions",
            "team": {"id": team, "domain": "test"},
            "user": {"id": user, "team_id": team, "username": "someone"},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"{n}.2.trigger",
            "channel": {"id": channel, "name": "sales"},
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "response_url": self.api.response_url(f"act{n}"),
            "actions": [action],
        }
        return urlencode({"payload": json.dumps(payload)})

    async def press(self, element: dict[str, Any], **kw: Any) -> BoltResponse:
        """Press the button ``element`` (a Block Kit button dict as the bot rendered it)."""
        return await self.send(self.action_body(element, **kw))


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button element in ``blocks``."""
    return [el for b in blocks if b.get("type") == "actions" for el in b["elements"]]


def button(blocks: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """The button whose text contains ``label`` (case-insensitive)."""
    found = [b for b in buttons(blocks) if label.lower() in b["text"]["text"].lower()]
    if not found:
        raise AssertionError(
            f"no button {label!r} among {[b['text']['text'] for b in buttons(blocks)]}"
        )
    return found[0]


def texts(blocks: list[dict[str, Any]]) -> str:
    """All visible text of ``blocks``, one block a line."""
    out = []
    for b in blocks:
        if "text" in b:
            out.append(b["text"]["text"])
        for el in b.get("elements", []):
            label = el.get("text", "")
            out.append(label["text"] if isinstance(label, dict) else label)
    return "\n".join(out)
