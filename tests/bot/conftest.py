"""A chat core over the seeded database, and a harness that talks to it like a person."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.core import ChatCore
from bot.messages import Button, Buttons, File, Identity, Image, Reply, Request, Table, Text
from custbot.config import Settings
from tests.bot.seed import TODAY, seed


class Person:
    """Someone in a chat: types text, presses buttons by label, remembers what they saw."""

    def __init__(self, core: ChatCore, who: Identity) -> None:
        self.core = core
        self.who = who
        self.last: list[Reply] = []

    def say(self, text: str) -> list[Reply]:
        self.last = asyncio.run(self.core.handle(Request(self.who, "chat-1", text=text)))
        return self.last

    def buttons(self) -> list[Button]:
        return [b for r in self.last for p in r.parts if isinstance(p, Buttons) for b in p.buttons]

    def button(self, label: str) -> Button:
        for b in self.buttons():
            if b.label == label:
                return b
        raise AssertionError(f"no button {label!r} among {[b.label for b in self.buttons()]}")

    def press(self, label_or_token: str) -> list[Reply]:
        token = label_or_token
        if any(b.label == label_or_token for b in self.buttons()):
            token = self.button(label_or_token).token
        self.last = asyncio.run(self.core.handle(Request(self.who, "chat-1", action=token)))
        return self.last

    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    def tables(self) -> list[Table]:
        return [p for r in self.last for p in r.parts if isinstance(p, Table)]

    def files(self) -> list[File | Image]:
        return [p for r in self.last for p in r.parts if isinstance(p, File | Image)]

    def styles(self) -> list[str]:
        return [p.style for r in self.last for p in r.parts if isinstance(p, Text)]


def make_settings(**overrides) -> Settings:  # type: ignore[no-untyped-def]
    data = {"slack": {"allowed_teams": ["T1"]}, "currency": "RUB"}
    for key, value in overrides.items():
        section, _, name = key.partition("__")
        data.setdefault(section, {})[name] = value
    return Settings.model_validate(data)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    return engine


@pytest.fixture
def core(seeded: Engine) -> Iterator[ChatCore]:
    yield ChatCore(seeded, make_settings(), today=TODAY)


def tg(user_id: int) -> Identity:
    return Identity("telegram", str(user_id))


@pytest.fixture
def manager(core: ChatCore) -> Person:
    return Person(core, tg(1003))  # Sidorov, manager and team lead of Ivanov and Petrova


@pytest.fixture
def rep(core: ChatCore) -> Person:
    return Person(core, tg(1001))  # Ivanov, rep


@pytest.fixture
def admin(core: ChatCore) -> Person:
    return Person(core, tg(1004))


@pytest.fixture
def other_manager(core: ChatCore) -> Person:
    return Person(core, tg(1005))  # Bossov, manager of nobody
