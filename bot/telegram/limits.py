"""Telegram's flood limits, honoured before a request leaves, and 429s retried.

PTB's ``AIORateLimiter`` has no per-private-chat limit and does not retry by default, so this
limiter keeps three sliding windows: each chat (1 message a second), each group (20 a minute)
and the whole bot (30 a second), and on ``RetryAfter`` waits as told and tries again.

Example::

    app = ApplicationBuilder().token(T).rate_limiter(FloodLimiter()).build()
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

__all__ = ["FloodLimits", "FloodLimiter", "retry_seconds"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FloodLimits:
    """(messages, seconds) per window; ``max_retries`` after a 429."""

    per_chat: tuple[int, float] = (1, 1.0)
    per_group: tuple[int, float] = (20, 60.0)
    overall: tuple[int, float] = (30, 1.0)
    max_retries: int = 3


class _Window:
    """A sliding window of send times."""

    __slots__ = ("rate", "period", "times")

    def __init__(self, rate: int, period: float) -> None:
        self.rate, self.period = rate, period
        self.times: deque[float] = deque()

    def wait(self, now: float) -> float:
        while self.times and self.times[0] <= now - self.period:
            self.times.popleft()
        return 0.0 if len(self.times) < self.rate else self.times[0] + self.period - now

    def record(self, now: float) -> None:
        self.times.append(now)


def retry_seconds(exc: RetryAfter) -> float:
    """Seconds a ``RetryAfter`` asks to wait, whatever PTB's timedelta setting."""
    value = exc._retry_after  # noqa: SLF001 - avoids PTB's int/timedelta deprecation dance
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class FloodLimiter(BaseRateLimiter[int]):
    """Per-chat, per-group and overall windows for every request that names a chat."""

    def __init__(
        self,
        limits: FloodLimits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or FloodLimits()
        self._clock, self._sleep = clock, sleep
        self._overall = _Window(*self.limits.overall)
        self._chats: dict[str, _Window] = {}
        self._groups: dict[str, _Window] = {}
        self._paused_until: dict[str, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _windows(self, chat: str) -> list[_Window]:
        if len(self._chats) > 4096:  # forget idle chats
            now = self._clock()
            for key in [k for k, w in self._chats.items() if w.wait(now) == 0 and not w.times]:
                self._chats.pop(key, None)
                self._groups.pop(key, None)
        windows = [self._overall, self._chats.setdefault(chat, _Window(*self.limits.per_chat))]
        if chat.startswith("-") or not chat.lstrip("-").isdigit():  # groups, channels, @names
            windows.append(self._groups.setdefault(chat, _Window(*self.limits.per_group)))
        return windows

    async def _acquire(self, chat: str) -> None:
        windows = self._windows(chat)
        while True:
            now = self._clock()
            delay = max([self._paused_until.get(chat, 0.0) - now, *(w.wait(now) for w in windows)])
            if delay <= 0:
                for w in windows:
                    w.record(now)
                return
            await self._sleep(delay)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for room in the chat's windows, send, and retry a 429 up to ``max_retries``."""
        chat_id = data.get("chat_id")
        chat = None if chat_id is None else str(chat_id)
        retries = self.limits.max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            if chat is not None:
                await self._acquire(chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                if attempt >= retries:
                    log.warning(
                        "telegram %s: still flood-limited after %d retries", endpoint, retries
                    )
                    raise
                attempt += 1
                log.info("telegram %s: flood limit, retrying in %.1f s", endpoint, wait)
                if chat is not None:
                    self._paused_until[chat] = self._clock() + wait
                else:
                    await self._sleep(wait)
