"""``my customers`` through the chat (issue 21): the asking user's own customers for any role,
echoed with their name, a clear error for a user without a manager row; SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from bot.core import ChatCore
from bot.messages import Identity, Request
from tests.bot.conftest import Person


def test_my_customers_are_the_askers_own_for_any_role(
    rep: Person, manager: Person, admin: Person
) -> None:
    rep.say("my customers")
    assert "manager = Ivanov (you)" in rep.text() and "\n12 customers" in rep.text()
    manager.say("count my customers")
    assert "manager = Sidorov (you)" in manager.text() and "\n11 customers" in manager.text()
    admin.say("my customers")
    assert "manager = Adminova (you)" in admin.text() and "\n0 customers" in admin.text()
    rep.say("мои клиенты")
    assert "менеджер = Ivanov (вы)" in rep.text()


def test_my_follow_ups_and_my_customers_with_open_follow_ups(rep: Person) -> None:
    rep.say("follow up Romashka in 2 weeks")
    rep.say("my customers with open follow-ups")
    assert "manager = Ivanov (you) · with open follow-ups" in rep.text()
    assert "\n1 customer" in rep.text()


def test_someone_without_a_manager_row_is_told_what_my_means(
    core: ChatCore, seeded: Engine
) -> None:
    local = Identity("terminal", "local")  # the local administrator: no row in managers
    replies = asyncio.run(core.handle(Request(local, "t", text="my customers")))
    text = "\n".join(r.text for r in replies)
    assert "'my' means the customers you manage, and you manage none" in text
