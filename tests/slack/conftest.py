"""Fixtures for the Slack scenarios: the loopback Web API, a small sales database, the real
chat core and the real bolt app, driven by signed requests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import Engine, insert

from bot.core import ChatCore
from bot.slack import build_slack_app, make_client
from custbot.config import Settings
from storage.schema import customers, managers, order_lines, orders, products
from tests.slack.factories import SECRET, SlackDriver
from tests.slack.web_api import BOT_TOKEN, WebApiStandIn

TODAY = date(2026, 11, 22)
CITIES = ["Moscow"] * 30 + ["Kazan"] * 8 + ["Omsk"] * 2


def populate(engine: Engine) -> None:
    """Two managers (one on Slack) and 40 customers, most in Moscow, some with awkward names."""
    with engine.begin() as conn:
        conn.execute(
            insert(managers),
            [
                {
                    "id": 1,
                    "name": "Ivan Ivanov",
                    "surname": "Ivanov",
                    "role": "admin",
                    "slack_team_id": "T1",
                    "slack_user_id": "U1",
                },
                {
                    "id": 2,
                    "name": "Olga Petrova",
                    "surname": "Petrova",
                    "role": "rep",
                    "slack_team_id": "T1",
                    "slack_user_id": "U2",
                },
            ],
        )
        names = ["Acme & <Sons>", "Foo_*bar*~ Ltd", "`Tick` Co"] + [
            f"Company {i:02d}" for i in range(3, 40)
        ]
        conn.execute(
            insert(customers),
            [
                {
                    "id": i + 1,
                    "external_id": f"C{i + 1:03d}",
                    "name": name,
                    "city": CITIES[i],
                    "region": "Central",
                    "country": "Russia",
                    "industry": "Retail",
                    "manager_id": 1 + i % 2,
                    "email": f"c{i}@example.com",
                    "status": "active",
                    "created_at": date(2025, 1, 1),
                }
                for i, name in enumerate(names)
            ],
        )
        conn.execute(
            insert(products),
            [{"id": 1, "sku": "SD-1", "name": "Super Drill", "category": "Tools", "price": 100.0}],
        )
        conn.execute(
            insert(orders),
            [
                {
                    "id": i + 1,
                    "order_no": f"O{i + 1}",
                    "customer_id": i + 1,
                    "date": date(2026, 10, 1 + i % 28),
                }
                for i in range(40)
            ],
        )
        conn.execute(
            insert(order_lines),
            [
                {
                    "order_id": i + 1,
                    "line_no": 1,
                    "product_id": 1,
                    "quantity": 2,
                    "amount": 200.0 + i,
                }
                for i in range(40)
            ],
        )


def make_settings(api: WebApiStandIn, **slack: object) -> Settings:
    return Settings.model_validate(
        {"slack": {"allowed_teams": ["T1"], "base_url": api.base_url, **slack}}
    )


async def drain(timeout: float = 20) -> None:
    """Wait for the listeners bolt left running after its acknowledgements."""
    me = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
    if pending:
        await asyncio.wait(pending, timeout=timeout)


@pytest.fixture
async def api() -> AsyncIterator[WebApiStandIn]:
    async with WebApiStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def populated(engine: Engine) -> Engine:
    populate(engine)
    return engine


@pytest.fixture
def core(populated: Engine, api: WebApiStandIn) -> ChatCore:
    return ChatCore(populated, make_settings(api), today=TODAY)


@pytest.fixture
async def slack(core: ChatCore, api: WebApiStandIn) -> AsyncIterator[SlackDriver]:
    app = build_slack_app(
        core,
        core.settings,
        token=BOT_TOKEN,
        signing_secret=SECRET,
        client=make_client(BOT_TOKEN, api.base_url),
    )
    yield SlackDriver(app, api)
    await drain()
