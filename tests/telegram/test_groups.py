"""Deny by default (issue #16, defect 3): the bot serves a group or channel only when
``[telegram] allowed_chats`` lists it; a refusal is logged and says nothing about customers.
The real python-telegram-bot Application against the Bot API stand-in."""

from __future__ import annotations

import logging

import pytest

from bot.core import ChatCore
from bot.telegram import build_telegram_application
from tests.telegram.conftest import ADMIN, FAST, GROUP, REP, TODAY, TOKEN, feed, tg_settings
from tests.telegram.standin import BOT_USERNAME

ELSEWHERE = -1005550001  # a supergroup nobody configured
SMALL_GROUP = -4242  # a basic group nobody configured


@pytest.mark.parametrize("chat_id", [ELSEWHERE, SMALL_GROUP])
async def test_an_unconfigured_group_gets_a_refusal_and_no_customer_data(
    app, api, updates, caplog, chat_id: int
) -> None:
    caplog.set_level(logging.WARNING, logger="custbot.telegram")
    for text in (f"@{BOT_USERNAME} Moscow share", "/card Romashka share", "/export Moscow"):
        await feed(app, updates.message(ADMIN, text, chat_id=chat_id))
    sent = api.sent("sendMessage", "sendDocument", "sendPhoto")
    assert [c.params["chat_id"] for c in sent] == [chat_id] * 3  # nothing went privately either
    for call in sent:
        assert call.method == "sendMessage"
        assert call.params["text"] == (
            "I don't work in this chat. An administrator can allow it by adding "
            f"{chat_id} to [telegram] allowed_chats."
        )
    refusals = [r for r in caplog.records if "not in telegram.allowed_chats" in r.getMessage()]
    assert len(refusals) == 3 and str(chat_id) in refusals[0].getMessage()


async def test_a_button_pressed_in_an_unconfigured_group_is_refused(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, f"@{BOT_USERNAME} Moscow share", chat_id=GROUP))
    mid = max(m for (cid, m) in api.messages if cid == GROUP)
    message = dict(api.messages[(GROUP, mid)])
    message["chat"] = {"id": ELSEWHERE, "type": "supergroup", "title": "Elsewhere"}
    before = len(api.calls)
    markup = message["reply_markup"]["inline_keyboard"]
    await feed(app, updates.callback(ADMIN, message, markup[-1][0]["callback_data"]))
    after = api.calls[before:]
    assert [c.method for c in after] == ["answerCallbackQuery"]
    assert after[0].params["show_alert"] and "allowed_chats" in after[0].params["text"]


async def test_configured_groups_and_private_chats_are_served(api, seeded, updates) -> None:
    settings = tg_settings(api, allowed_chats=[ELSEWHERE])
    app = build_telegram_application(ChatCore(seeded, settings, today=TODAY), settings, TOKEN, limits=FAST)  # fmt: skip
    async with app:
        await feed(app, updates.message(REP, f"@{BOT_USERNAME} Moscow share", chat_id=ELSEWHERE))
        await feed(app, updates.message(REP, "Kazan"))  # a private chat
        await feed(app, updates.message(REP, f"@{BOT_USERNAME} Moscow share", chat_id=GROUP))
    texts = {c.params["chat_id"]: c.params["text"] for c in api.sent("sendMessage")}
    assert "Moscow Trade" in texts[ELSEWHERE] and "Kazan Parts" in texts[REP]
    assert "allowed_chats" in texts[GROUP]  # no longer configured
