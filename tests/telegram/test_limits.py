"""The flood limiter, on a fake clock: per chat, per group, overall, and 429 retries."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.telegram.limits import FloodLimiter, FloodLimits


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(t: FakeTime, **kw: Any) -> FloodLimiter:
    return FloodLimiter(FloodLimits(**kw), clock=t.clock, sleep=t.sleep)


async def send(
    lim: FloodLimiter,
    chat: int | None,
    sent: list[float],
    t: FakeTime,
    endpoint: str = "sendMessage",
) -> Any:
    async def call() -> bool:
        sent.append(t.now)
        return True

    data = {} if chat is None else {"chat_id": chat}
    return await lim.process_request(call, (), {}, endpoint, data, None)


async def test_one_message_a_second_per_private_chat() -> None:
    t, sent = FakeTime(), []
    lim = limiter(t)
    for _ in range(3):
        await send(lim, 42, sent, t)
    await send(lim, 43, sent, t)  # another chat is not held back by chat 42
    assert [round(s - 100.0, 6) for s in sent] == [0.0, 1.0, 2.0, 2.0]


async def test_twenty_a_minute_per_group() -> None:
    t, sent = FakeTime(), []
    lim = limiter(t, per_chat=(100, 1.0))
    for _ in range(21):
        await send(lim, -100123, sent, t)
    assert sent[19] - sent[0] < 1 and sent[20] - sent[0] == pytest.approx(60.0)


async def test_thirty_a_second_overall() -> None:
    t, sent = FakeTime(), []
    lim = limiter(t)
    for chat in range(1, 32):
        await send(lim, chat, sent, t)
    assert sent[29] == 100.0 and sent[30] == pytest.approx(101.0)


async def test_requests_without_a_chat_are_not_throttled() -> None:
    t, sent = FakeTime(), []
    lim = limiter(t)
    for _ in range(50):
        await send(lim, None, sent, t, "getUpdates")
    assert t.slept == []


@pytest.mark.parametrize("retries, fails, ok", [(3, 2, True), (1, 2, False), (0, 1, False)])
async def test_retry_after_is_waited_out_then_retried(retries: int, fails: int, ok: bool) -> None:
    t = FakeTime()
    lim = limiter(t, max_retries=retries)
    attempts: list[float] = []

    async def flaky() -> bool:
        attempts.append(t.now)
        if len(attempts) <= fails:
            raise RetryAfter(5)
        return True

    if ok:
        assert await lim.process_request(flaky, (), {}, "sendMessage", {"chat_id": 7}, None) is True
        assert len(attempts) == fails + 1 and attempts[1] - attempts[0] >= 5
    else:
        with pytest.raises(RetryAfter):
            await lim.process_request(flaky, (), {}, "sendMessage", {"chat_id": 7}, None)
        assert len(attempts) == retries + 1
