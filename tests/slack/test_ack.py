"""The 3-second acknowledgement holds while the database takes 5 seconds to answer."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import insert, text

from bot.core import ChatCore
from storage.schema import processed_events
from tests.slack.factories import SlackDriver

HOLD_S = 5.0


async def test_the_ack_returns_at_once_while_the_database_is_locked(
    slack: SlackDriver, core: ChatCore, backend: str
) -> None:
    await slack.app.client.auth_test()  # warm: bolt's first request checks the token
    holder = core.engine.connect()
    tx = holder.begin()
    if backend == "postgresql":  # every request reads managers, every query customers
        holder.execute(
            text("LOCK TABLE managers, customers, processed_events IN ACCESS EXCLUSIVE MODE")
        )
    else:  # SQLite: hold the write lock, so recording the event waits
        holder.execute(
            insert(processed_events).values(
                platform="test", event_key="lock", at=text("CURRENT_TIMESTAMP")
            )
        )
    locked_at = time.monotonic()
    try:
        started = time.monotonic()
        response = await slack.command("whoami")
        acked_in = time.monotonic() - started
        assert response.status == 200
        assert acked_in < 3.0, f"the ack took {acked_in:.2f}s"
        await asyncio.sleep(1)
        assert not slack.api.of("response_url")  # the answer waits for the database
        await asyncio.sleep(max(0.0, HOLD_S - (time.monotonic() - locked_at)))
    finally:
        await asyncio.to_thread(tx.rollback)
        released_at = time.monotonic()
        holder.close()
    (answer,) = await slack.api.wait_for("response_url", timeout=30)
    assert answer.at >= released_at
    assert "U1" in str(answer.args["blocks"]) or "Ivanov" in str(answer.args["blocks"])
