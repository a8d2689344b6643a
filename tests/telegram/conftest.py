"""Fixtures: the Bot API stand-in, a populated database, the real chat core and the real
python-telegram-bot Application pointed at the stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, insert
from telegram import Update
from telegram.ext import Application

from bot.core import ChatCore
from bot.telegram import FloodLimits, build_telegram_application
from custbot.config import Settings
from storage.schema import customers, managers
from tests.telegram.factories import Updates
from tests.telegram.standin import BotApiStandIn

TOKEN = "123456789:AAF-test_token-for-the-stand-in"
TODAY = date(2026, 11, 22)
ADMIN, REP, MANAGER, STRANGER = 111, 222, 333, 999
GROUP = -1001234567890
FAST = FloodLimits(per_chat=(1000, 1.0), per_group=(1000, 1.0), overall=(1000, 1.0), max_retries=3)
MARKUP_NAME = "<Romashka & Sons> _*[]()~>#+-=|{}.!"


def seed(engine: Engine) -> None:
    """Three people and 26 customers: 23 in Moscow (one with every markup character)."""
    with engine.begin() as conn:
        conn.execute(
            insert(managers),
            [
                {
                    "id": 1,
                    "name": "Olga Adminova",
                    "surname": "Adminova",
                    "role": "admin",
                    "telegram_id": ADMIN,
                },
                {
                    "id": 2,
                    "name": "Ivan Ivanov",
                    "surname": "Ivanov",
                    "role": "rep",
                    "telegram_id": REP,
                },
                {
                    "id": 3,
                    "name": "Petr Petrov",
                    "surname": "Petrov",
                    "role": "manager",
                    "telegram_id": MANAGER,
                },
            ],
        )
        rows: list[dict[str, Any]] = [
            {
                "external_id": f"M{i:03d}",
                "name": f"Moscow Trade {i:02d}",
                "city": "Moscow",
                "country": "Russia",
                "manager_id": 2,
                "created_at": date(2025, 1, 1 + i),
            }
            for i in range(22)
        ]
        rows.append(
            {
                "external_id": "X001",
                "name": MARKUP_NAME,
                "city": "Moscow",
                "country": "Russia",
                "manager_id": 2,
                "created_at": date(2025, 2, 1),
            }
        )
        rows += [
            {
                "external_id": f"K{i:03d}",
                "name": f"Kazan Parts {i}",
                "city": "Kazan",
                "country": "Russia",
                "manager_id": 3,
                "created_at": date(2025, 3, 1 + i),
            }
            for i in range(3)
        ]
        conn.execute(insert(customers), rows)


def tg_settings(api: BotApiStandIn, **telegram: Any) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {
                "base_url": f"{api.url}/bot",
                "base_file_url": f"{api.url}/file/bot",
                **telegram,
            }
        }
    )


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn(TOKEN) as stand_in:
        yield stand_in


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    return engine


@pytest.fixture
def settings(api: BotApiStandIn) -> Settings:
    return tg_settings(api, allowed_chats=[GROUP])  # groups are denied unless configured


@pytest.fixture
def core(seeded: Engine, settings: Settings) -> ChatCore:
    return ChatCore(seeded, settings, today=TODAY)


@pytest.fixture
async def app(core: ChatCore, settings: Settings) -> AsyncIterator[Application]:
    application = build_telegram_application(core, settings, TOKEN, limits=FAST)
    async with application:
        yield application


@pytest.fixture
def updates() -> Updates:
    return Updates()


async def feed(app: Application, payload: dict) -> None:
    """Let the real Application handle one update, as the updater would."""
    await app.process_update(Update.de_json(payload, app.bot))
