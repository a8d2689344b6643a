"""Whole conversations: the real core and database, the real PTB Application, the stand-in."""

from __future__ import annotations

import io

import pandas as pd
from sqlalchemy import func, select

from bot.core import ChatCore
from bot.telegram import build_telegram_application
from storage.schema import customers
from tests.telegram.conftest import (
    ADMIN,
    FAST,
    GROUP,
    MANAGER,
    MARKUP_NAME,
    REP,
    STRANGER,
    TODAY,
    TOKEN,
    feed,
)
from tests.telegram.standin import BOT_USERNAME


def buttons(message: dict) -> dict[str, str]:
    """label → callback_data of a sent message's inline keyboard."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def token_like(message: dict, word: str) -> str:
    found = [t for label, t in buttons(message).items() if word.lower() in label.lower()]
    assert found, f"no {word!r} button in {buttons(message)}"
    return found[0]


def last_message(api, chat_id: int) -> dict:
    mids = [mid for (cid, mid) in api.messages if cid == chat_id]
    assert mids, f"nothing was sent to {chat_id}: {[(c.method, c.status) for c in api.calls]}"
    return api.messages[(chat_id, max(mids))]


async def test_query_with_paging_edits_in_place(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, "Moscow"))
    first = last_message(api, ADMIN)
    assert "23" in first["text"]  # the count of Moscow customers
    await feed(app, updates.callback(ADMIN, first, token_like(first, "Next")))
    edits = api.sent("editMessageText")
    assert len(edits) == 1 and edits[0].params["message_id"] == first["message_id"]
    assert len(api.sent("sendMessage")) == 1  # no new message: the page was replaced
    assert api.messages[(ADMIN, first["message_id"])]["text"] != ""
    assert len(api.sent("answerCallbackQuery")) == 1


async def test_card_with_markup_characters_in_the_name(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, "/card Romashka"))
    sent = api.sent("sendMessage")
    assert sent and MARKUP_NAME in last_message(api, ADMIN)["text"]
    assert "&lt;Romashka &amp; Sons&gt;" in sent[-1].params["text"]  # escaped on the wire


async def test_list_with_markup_characters_is_valid_html(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, "Moscow"))
    await feed(
        app,
        updates.callback(
            ADMIN, last_message(api, ADMIN), token_like(last_message(api, ADMIN), "Next")
        ),
    )
    pages = " ".join(c.params["text"] for c in api.sent("sendMessage", "editMessageText"))
    assert all(c.status == 200 for c in api.calls), [(c.method, c.status) for c in api.calls]
    assert "&lt;Romashka &amp; Sons&gt;" in pages


async def test_export_is_a_document_pandas_can_read(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, "/export Moscow as csv"))
    (doc,) = api.sent("sendDocument")
    name, content = doc.files["document"]
    assert name.endswith(".csv")
    frame = pd.read_csv(io.BytesIO(content))
    assert len(frame) == 23
    assert MARKUP_NAME in set(frame.astype(str).stack())


async def test_chart_is_a_png_photo(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, "/chart customers by city"))
    (photo,) = api.sent("sendPhoto")
    assert photo.files["photo"][1].startswith(b"\x89PNG\r\n\x1a\n")


async def test_bulk_rating_confirmed_by_button_applies_once(app, api, updates, seeded) -> None:
    await feed(app, updates.message(MANAGER, "rate A Moscow"))
    preview = last_message(api, MANAGER)
    assert "23" in preview["text"]
    confirm = token_like(preview, "Confirm")
    press = updates.callback(MANAGER, preview, confirm)
    await feed(app, press)
    await feed(app, updates.callback(MANAGER, preview, confirm))  # a second press: single use
    with seeded.connect() as conn:
        rated = conn.scalar(select(func.count()).where(customers.c.rating == "A"))
    assert rated == 23
    assert len(api.sent("answerCallbackQuery")) == 2  # both presses answered


async def test_forged_callback_from_another_user_is_refused_and_answered(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, "Moscow"))
    first = last_message(api, ADMIN)
    await feed(app, updates.callback(REP, first, token_like(first, "Next")))
    await feed(app, updates.callback(REP, first, "forged-token-0123456789"))
    await feed(app, updates.callback(REP, first, "ü" * 20))  # not even a token
    answers = api.sent("answerCallbackQuery")
    assert len(answers) == 3 and all(a.params.get("show_alert") for a in answers)
    assert not api.sent("editMessageText")


async def test_unknown_user_gets_a_refusal_and_no_data(app, api, updates) -> None:
    await feed(app, updates.message(STRANGER, "Moscow"))
    (sent,) = api.sent("sendMessage")
    assert sent.params["chat_id"] == STRANGER and "Moscow Trade" not in sent.params["text"]


async def test_redelivered_update_is_ignored_also_after_a_restart(
    app, api, updates, core, settings
) -> None:
    payload = updates.message(ADMIN, "/help")
    await feed(app, payload)
    await feed(app, payload)
    assert len(api.sent("sendMessage")) == 1
    restarted_core = ChatCore(core.engine, settings, today=TODAY)
    restarted = build_telegram_application(restarted_core, settings, TOKEN, limits=FAST)
    async with restarted:
        await feed(restarted, payload)
        await feed(restarted, updates.message(ADMIN, "/help"))  # a new update still works
    assert len(api.sent("sendMessage")) == 2


async def test_customer_list_asked_in_a_group_goes_to_the_private_chat(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, "Moscow", chat_id=GROUP))  # no mention: ignored
    assert not api.sent("sendMessage")
    await feed(app, updates.message(ADMIN, f"@{BOT_USERNAME} Moscow", chat_id=GROUP))
    private = [c.params["text"] for c in api.sent("sendMessage") if c.params["chat_id"] == ADMIN]
    group = [c.params["text"] for c in api.sent("sendMessage") if c.params["chat_id"] == GROUP]
    assert any("Moscow Trade" in t for t in private)
    assert len(group) == 1 and "Moscow Trade" not in group[0]


async def test_shared_list_in_a_group_pages_in_place(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, f"@{BOT_USERNAME} Moscow share", chat_id=GROUP))
    shown = last_message(api, GROUP)
    assert "Moscow Trade" in shown["text"]
    await feed(app, updates.callback(ADMIN, shown, token_like(shown, "Next")))
    (edit,) = api.sent("editMessageText")
    assert edit.params["chat_id"] == GROUP and edit.params["message_id"] == shown["message_id"]


async def test_export_button_under_a_shared_list_sends_the_file_privately(
    app, api, updates
) -> None:
    await feed(app, updates.message(ADMIN, f"@{BOT_USERNAME} Moscow share", chat_id=GROUP))
    shown = last_message(api, GROUP)
    await feed(app, updates.callback(ADMIN, shown, token_like(shown, "CSV")))
    (doc,) = api.sent("sendDocument")
    assert doc.params["chat_id"] == ADMIN
    assert len(api.sent("answerCallbackQuery")) == 1
