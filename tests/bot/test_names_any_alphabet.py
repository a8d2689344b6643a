"""Customer names are found whatever their alphabet and case, on SQLite and PostgreSQL alike
(issue #15 defect 3): ``карточка Ромашка`` in the Russian demo, as a person reads the answer."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine

from bot.core import ChatCore
from bot.messages import Identity, Reply, Request, Table
from custbot.config import Settings
from storage.cards import find_customers_by_name
from storage.demo import DemoSummary
from storage.scope import EVERYONE
from tests.storage.demo_fixture import TODAY
from tests.storage.demo_fixture import demo_backend as demo_backend  # noqa: F401
from tests.storage.demo_fixture import demo_ru as demo_ru  # noqa: F401 - the shared fixture


def ask(engine: Engine, text: str) -> list[Reply]:
    core = ChatCore(engine, Settings.model_validate({"language": "ru"}), today=TODAY)
    return asyncio.run(core.handle(Request(Identity("terminal", "local"), "c", text=text)))


def first_line(replies: list[Reply]) -> str:
    return replies[0].text.splitlines()[0]


@pytest.mark.parametrize(
    ("typed", "heading"),
    [
        ("карточка Ромашка", "Ромашка — "),
        ("карточка ромашка", "Ромашка — "),
        ("карточка РОМАШКА", "Ромашка — "),
        ("card Сигнал-М-2", "ООО «Сигнал-М-2» — "),
        ("карточка ооо «сигнал-м-2»", "ООО «Сигнал-М-2» — "),
    ],
)
def test_card_finds_a_cyrillic_name_in_any_case(
    demo_ru: tuple[Engine, DemoSummary], typed: str, heading: str
) -> None:
    engine, _ = demo_ru
    replies = ask(engine, typed)
    assert first_line(replies).startswith(heading), replies[0].text
    fields = dict(next(p for p in replies[0].parts if isinstance(p, Table)).rows)
    assert fields["рейтинг"] != "—"


@pytest.mark.parametrize("typed", ["объясни Ромашка", "объясни ромашка", "explain РОМАШКА"])
def test_explain_finds_a_cyrillic_name(demo_ru: tuple[Engine, DemoSummary], typed: str) -> None:
    engine, _ = demo_ru
    replies = ask(engine, typed)
    assert first_line(replies).startswith("Ромашка: "), replies[0].text
    assert "не найден" not in replies[0].text


def test_a_part_of_a_name_folds_case_too(demo_ru: tuple[Engine, DemoSummary]) -> None:
    engine, _ = demo_ru
    with engine.connect() as conn:
        found = find_customers_by_name(conn, "СИГНАЛ-М", scope=EVERYONE)
    assert found and all("сигнал-м" in name.lower() for _id, name, _city in found)
