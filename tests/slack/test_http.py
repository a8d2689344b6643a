"""HTTP mode end to end: ``run_slack`` serves the ASGI app with uvicorn on loopback, and a
signed command posted over HTTP is acknowledged and answered; a bad signature gets 401."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import aiohttp
import pytest

from bot.core import ChatCore
from bot.slack import SlackConfigError, run_slack
from bot.slack.run import EVENTS_PATH
from tests.slack.conftest import TODAY, make_settings
from tests.slack.factories import SECRET, SlackDriver, signed_headers, texts
from tests.slack.web_api import APP_TOKEN, BOT_TOKEN, WebApiStandIn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def served(
    core: ChatCore, api: WebApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    monkeypatch.setenv("CUSTBOT_SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("CUSTBOT_SLACK_SIGNING_SECRET", SECRET)
    port = _free_port()
    settings = make_settings(api, mode="http", port=port)
    http_core = ChatCore(core.engine, settings, today=TODAY)
    stop = asyncio.Event()
    task = asyncio.create_task(run_slack(http_core, settings, stop, host="127.0.0.1"))
    url = f"http://127.0.0.1:{port}{EVENTS_PATH}"
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
        except OSError:
            await asyncio.sleep(0.05)
    yield url
    stop.set()
    await asyncio.wait_for(task, 10)


async def test_a_signed_command_over_http_is_acked_and_answered(
    served: str, api: WebApiStandIn
) -> None:
    body = SlackDriver(None, api).command_body("whoami")  # type: ignore[arg-type]
    async with aiohttp.ClientSession() as http:
        async with http.post(served, data=body.encode(), headers=signed_headers(body)) as r:
            assert r.status == 200
        async with http.post(
            served, data=body.encode(), headers=signed_headers(body, "wrong")
        ) as r:
            assert r.status == 401
    (answer,) = await api.wait_for("response_url")
    assert "Ivanov" in texts(answer.args["blocks"]) or "U1" in texts(answer.args["blocks"])
    await asyncio.sleep(0.3)
    assert len(api.of("response_url")) == 1


async def test_missing_secrets_are_named(
    api: WebApiStandIn, core: ChatCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CUSTBOT_SLACK_BOT_TOKEN", raising=False)
    with pytest.raises(SlackConfigError, match="CUSTBOT_SLACK_BOT_TOKEN"):
        await run_slack(core, make_settings(api, mode="http"), asyncio.Event())
    monkeypatch.setenv("CUSTBOT_SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.delenv("CUSTBOT_SLACK_APP_TOKEN", raising=False)
    with pytest.raises(SlackConfigError, match="CUSTBOT_SLACK_APP_TOKEN"):
        await run_slack(core, make_settings(api, mode="socket"), asyncio.Event())


async def test_socket_mode_acks_the_envelope_and_answers(
    core: ChatCore, api: WebApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTBOT_SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("CUSTBOT_SLACK_APP_TOKEN", APP_TOKEN)
    settings = make_settings(api, mode="socket")
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_slack(ChatCore(core.engine, settings, today=TODAY), settings, stop)
    )
    try:
        body = dict(parse_qsl(SlackDriver(None, api).command_body("whoami")))  # type: ignore[arg-type]
        await api.push(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": body,
            }
        )
        (ack,) = await api.wait_for("socket_ack")
        assert ack.args["envelope_id"] == "env-1"
        (answer,) = await api.wait_for("response_url")
        assert "Ivanov" in texts(answer.args["blocks"]) or "U1" in texts(answer.args["blocks"])
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_serve_shares_slacks_http_port_with_the_unsubscribe_endpoint(
    core: ChatCore, api: WebApiStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With Slack's HTTP mode on, ``custbot serve`` answers /slack/events and the one-click
    unsubscribe endpoint in one ASGI app on one port (issue 16, defect 9)."""
    from datetime import datetime, timedelta

    import httpx
    from sqlalchemy import select

    from custbot.config import Settings
    from custbot.serve import serve
    from mailing.unsubscribe import make_token
    from storage.schema import customers

    secret = "0123456789abcdef-slack-shared"
    monkeypatch.setenv("CUSTBOT_SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("CUSTBOT_SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("CUSTBOT_UNSUBSCRIBE_SECRET", secret)
    monkeypatch.delenv("CUSTBOT_TELEGRAM_TOKEN", raising=False)
    port = _free_port()
    settings = Settings.model_validate(
        {
            "slack": {"allowed_teams": ["T1"], "base_url": api.base_url, "mode": "http"}
            | {"port": port},
            "smtp": {"one_click": {"url": f"http://127.0.0.1:{port}/unsubscribe"}},
        }
    )
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(ChatCore(core.engine, settings, today=TODAY), stop, mail_poll_seconds=3600)
    )
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                    break
            except OSError:
                await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        token = make_token(secret.encode(), 1, 1, datetime.now() + timedelta(days=1))
        body = SlackDriver(None, api).command_body("whoami")  # type: ignore[arg-type]
        async with httpx.AsyncClient(base_url=base) as http:
            slack = await http.post(EVENTS_PATH, content=body, headers=signed_headers(body))
            assert slack.status_code == 200
            page = await http.get(f"/unsubscribe?t={token}")
            assert page.status_code == 200 and "Stop our e-mails to" in page.text
            done = await http.post(
                f"/unsubscribe?t={token}", data={"List-Unsubscribe": "One-Click"}
            )
            assert done.status_code == 200
            assert (await http.get("/elsewhere")).status_code == 404
        (answer,) = await api.wait_for("response_url")
        assert "U1" in texts(answer.args["blocks"]) or "Ivanov" in texts(answer.args["blocks"])
        with core.engine.connect() as conn:
            opted = conn.scalar(select(customers.c.opted_out_at).where(customers.c.id == 1))
        assert opted is not None
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
