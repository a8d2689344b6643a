"""Keeping ``custbot serve``'s parts alive: a part that dies is logged loudly and restarted
after a growing pause (1 s, 2 s, 4 s … at most ``max_delay``); after ``max_failures`` failures
in a row without a healthy run in between, ``serve`` stops with a non-zero exit so that the
process manager (systemd, Kubernetes) sees it.

Example::

    await supervise("telegram", lambda: run_telegram(core, settings, token, stop), stop)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["Backoff", "DEFAULT_BACKOFF", "PartDied", "supervise"]

try:
    from custbot.errors import register_error
except ImportError:  # pragma: no cover
    register_error = None  # type: ignore[assignment]

log = logging.getLogger("custbot.serve")


class PartDied(Exception):
    """A part of ``serve`` failed ``max_failures`` times in a row; serve stops."""


if register_error is not None:
    register_error(PartDied, 1)


@dataclass(frozen=True)
class Backoff:
    first_delay: float = 1.0
    max_delay: float = 60.0
    max_failures: int = 10
    healthy_after: float = 300.0  # a run this long resets the count of failures

    def delay(self, failures: int) -> float:
        return float(min(self.max_delay, self.first_delay * 2 ** max(0, failures - 1)))


DEFAULT_BACKOFF = Backoff()


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


async def supervise(
    name: str,
    start: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> None:
    """Run ``start()`` until ``stop`` is set, restarting it when it fails or returns early;
    raises PartDied after ``backoff.max_failures`` failures in a row."""
    failures = 0
    while not stop.is_set():
        began = time.monotonic()
        try:
            await start()
            if stop.is_set():
                return
            reason = "stopped by itself"
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - any failure of a part is logged and retried
            reason = f"{type(e).__name__}: {e}"
            log.error("%s died", name, exc_info=True)
        if time.monotonic() - began >= backoff.healthy_after:
            failures = 0
        failures += 1
        if failures >= backoff.max_failures:
            log.critical("%s failed %d times in a row (%s); stopping", name, failures, reason)
            raise PartDied(f"{name} failed {failures} times in a row; the log says why")
        delay = backoff.delay(failures)
        log.error(
            "%s is down (%s); restarting in %.0f s (failure %d of at most %d in a row)",
            name,
            reason,
            delay,
            failures,
            backoff.max_failures,
        )
        await _pause(stop, delay)
