"""Benchmark of the Telegram front end's own cost.

1. Rendering: ``render_reply`` of a page (10 rows) and of a long table (300 rows, split into
   several messages) vs a baseline that only ``html.escape``s and joins the same cells.
2. One update end to end: a ``/help`` message through the real Application and chat core on a
   fresh SQLite file, against the loopback Bot API stand-in, vs a baseline of the same reply sent
   with a bare ``bot.send_message`` to the same stand-in (the HTTP round trip alone).

Prints medians and ratios (ours / baseline). Flood limits are lifted for the measurement.

Usage::

    .venv/bin/python benchmarks/telegram_frontend.py --repeat 200
"""

from __future__ import annotations

import argparse
import asyncio
import html
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update  # noqa: E402

from bot.core import ChatCore  # noqa: E402
from bot.messages import Reply, Table, Text  # noqa: E402
from bot.telegram import FloodLimits, build_telegram_application  # noqa: E402
from bot.telegram.render import render_reply  # noqa: E402
from storage.db import connect  # noqa: E402
from tests.telegram.conftest import ADMIN, TOKEN, seed, tg_settings  # noqa: E402
from tests.telegram.factories import Updates  # noqa: E402
from tests.telegram.standin import BotApiStandIn  # noqa: E402

__all__ = ["main"]

NAME = "<Romashka & Sons> _*[]()~>#+-=|{}.!"
NO_LIMITS = FloodLimits(per_chat=(10**6, 1.0), per_group=(10**6, 1.0), overall=(10**6, 1.0))


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_render(repeat: int) -> None:
    for n in (10, 300):
        rows = tuple((f"{NAME} {i}", "Moscow", f"{i * 1000:,}", "A ★★★") for i in range(n))
        reply = Reply(
            (
                Text("customers · city = Moscow → 300", "echo"),
                Table(("name", "city", "spend", "rating"), rows),
            )
        )

        def baseline() -> str:
            return "\n".join("  ".join(html.escape(c) for c in r) for r in rows)  # noqa: B023

        ours = _median(lambda: render_reply(reply), repeat)  # noqa: B023
        base = _median(baseline, repeat)
        print(
            f"render {n:4d} rows: {ours * 1e3:8.3f} ms  baseline {base * 1e3:8.3f} ms  "
            f"ratio {ours / base:5.1f}x"
        )


async def bench_update(repeat: int) -> None:
    async with BotApiStandIn(TOKEN) as api:
        settings = tg_settings(api)
        with tempfile.TemporaryDirectory() as tmp:
            engine = connect(f"sqlite:///{tmp}/bench.sqlite")
            seed(engine)
            core = ChatCore(engine, settings)
            app = build_telegram_application(core, settings, TOKEN, limits=NO_LIMITS)
            updates = Updates()
            async with app:
                await app.process_update(Update.de_json(updates.message(ADMIN, "/help"), app.bot))
                text = api.sent("sendMessage")[-1].params["text"]
                ours, base = [], []
                for _ in range(repeat):
                    payload = updates.message(ADMIN, "/help")
                    t0 = time.perf_counter()
                    await app.process_update(Update.de_json(payload, app.bot))
                    ours.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    await app.bot.send_message(ADMIN, text, parse_mode="HTML")
                    base.append(time.perf_counter() - t0)
            engine.dispose()
    o, b = statistics.median(ours), statistics.median(base)
    print(
        f"/help update end to end: {o * 1e3:7.2f} ms  bare sendMessage {b * 1e3:7.2f} ms  "
        f"ratio {o / b:5.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    bench_render(args.repeat)
    asyncio.run(bench_update(max(10, args.repeat // 4)))


if __name__ == "__main__":
    main()
