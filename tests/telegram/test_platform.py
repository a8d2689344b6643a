"""Telegram's rules: groups, anonymous admins, flood limits (429), long messages, the command
menu, webhooks with their secret, polling, and the token kept out of logs."""

from __future__ import annotations

import asyncio
import logging
import socket

import aiohttp
import pytest

from bot.messages import Reply, Table, Text
from bot.telegram import TelegramOutbound, run_telegram
from tests.telegram.conftest import ADMIN, FAST, GROUP, MARKUP_NAME, TOKEN, feed, tg_settings
from tests.telegram.factories import Updates
from tests.telegram.standin import BOT_USERNAME, parse_html

DATA = "Moscow Trade"  # words only customer data contains


async def wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        assert loop.time() < end, "timed out waiting for the bot"
        await asyncio.sleep(0.02)


async def test_group_ignores_messages_without_mention_or_command(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, "Moscow", chat_id=GROUP))
    await feed(app, updates.message(ADMIN, "/help@another_bot", chat_id=GROUP))
    assert [c.method for c in api.calls] == ["getMe"]


@pytest.mark.parametrize("text", ["/help", f"/help@{BOT_USERNAME}", f"@{BOT_USERNAME} help"])
async def test_group_answer_goes_privately_with_a_note_in_the_group(
    app, api, updates, text
) -> None:
    await feed(app, updates.message(ADMIN, text, chat_id=GROUP))
    private = [c for c in api.sent("sendMessage") if c.params["chat_id"] == ADMIN]
    in_group = [c for c in api.sent("sendMessage") if c.params["chat_id"] == GROUP]
    assert private and len(in_group) == 1
    assert (
        "private" in in_group[0].params["text"]
        and f"tg://user?id={ADMIN}" in in_group[0].params["text"]
    )


async def test_group_share_word_answers_in_the_group(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, f"@{BOT_USERNAME} help share", chat_id=GROUP))
    assert {c.params["chat_id"] for c in api.sent("sendMessage")} == {GROUP}


async def test_group_user_who_never_started_the_bot_is_told_without_data(app, api, updates) -> None:
    api.unstarted_users.add(ADMIN)
    await feed(app, updates.message(ADMIN, "/help", chat_id=GROUP))
    sent = api.sent("sendMessage")
    assert [c.params["chat_id"] for c in sent] == [GROUP]
    assert "Start" in sent[0].params["text"] and DATA not in sent[0].params["text"]


async def test_anonymous_admin_is_nobody(app, api, updates) -> None:
    await feed(app, updates.anonymous_admin(GROUP, f"@{BOT_USERNAME} Moscow"))
    (sent,) = api.sent("sendMessage")
    assert sent.params["chat_id"] == GROUP and "anonymous" in sent.params["text"]


async def test_a_429_is_waited_out_and_retried(app, api, updates) -> None:
    api.fail_next("sendMessage", retry_after=1)
    await feed(app, updates.message(ADMIN, "/help"))
    statuses = [c.status for c in api.calls if c.method == "sendMessage"]
    assert statuses[:2] == [429, 200]


async def test_message_over_4096_is_split_into_valid_messages(app, api) -> None:
    rows = tuple((f"{MARKUP_NAME} {i}", "Moscow", str(i * 1000)) for i in range(120))
    reply = Reply((Text("All Moscow customers", "heading"), Table(("name", "city", "spend"), rows)))
    await TelegramOutbound(app.bot).send(str(ADMIN), reply)
    sent = api.sent("sendMessage")
    assert len(sent) >= 2 and all(c.status == 200 for c in api.calls)
    text = "\n".join(m["text"] for (cid, _), m in sorted(api.messages.items()) if cid == ADMIN)
    assert all(f"{MARKUP_NAME} {i}" in text for i in range(120))


async def test_webhook_checks_the_secret(api, core, monkeypatch) -> None:
    monkeypatch.setenv("CUSTBOT_TELEGRAM_WEBHOOK_SECRET", "s3cret_Value-1")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram/hook"
    settings = tg_settings(api, mode="webhook", webhook_url=url, listen="127.0.0.1", port=port)
    stop = asyncio.Event()
    task = asyncio.create_task(run_telegram(core, settings, TOKEN, stop, limits=FAST))
    try:
        await wait_for(lambda: api.webhook is not None)
        assert api.webhook["secret_token"] == "s3cret_Value-1"
        payload = Updates().message(ADMIN, "/help")
        async with aiohttp.ClientSession() as http:
            for secret in ("wrong", ""):
                async with http.post(
                    url, json=payload, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
                ) as r:
                    assert r.status == 403
            await asyncio.sleep(0.2)
            assert not api.sent("sendMessage")
            async with http.post(
                url, json=payload, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret_Value-1"}
            ) as r:
                assert r.status == 200
        await wait_for(lambda: api.sent("sendMessage"))
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def test_polling_serves_updates_and_publishes_commands(api, core, settings, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    stop = asyncio.Event()
    task = asyncio.create_task(run_telegram(core, settings, TOKEN, stop, limits=FAST))
    try:
        api.push_update(Updates().message(ADMIN, "/help"))
        await wait_for(lambda: api.sent("sendMessage"))
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    assert api.sent("getUpdates") and api.sent("deleteWebhook")
    menu = api.commands[None]
    assert {"help", "card", "export"} <= {c["command"] for c in menu}
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text


def test_parse_html_reads_back_what_we_send() -> None:
    assert parse_html("<pre>a &lt; b</pre>") == "a < b"
