"""A private command through the real core, and what the core's command menu becomes."""

from __future__ import annotations

from tests.telegram.conftest import ADMIN, feed
from tests.telegram.standin import parse_html


async def test_help_command_in_a_private_chat(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, "/help"))
    (sent,) = api.sent("sendMessage")
    assert sent.params["chat_id"] == ADMIN and sent.params["parse_mode"] == "HTML"
    assert "card" in parse_html(sent.params["text"])


async def test_command_arguments_reach_the_core_as_text(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, "/HELP periods"))
    await feed(app, updates.message(ADMIN, "help periods"))
    first, second = (c.params["text"] for c in api.sent("sendMessage"))
    assert first == second


async def test_start_greets_with_the_help(app, api, updates) -> None:
    await feed(app, updates.message(ADMIN, "/start"))
    await feed(app, updates.message(ADMIN, "/help"))
    start, help_ = (c.params["text"] for c in api.sent("sendMessage"))
    assert start == help_
