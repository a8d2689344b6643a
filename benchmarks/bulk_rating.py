"""Benchmark of bulk rating through the chat core: preview and Confirm for every customer.

For each backend and size (10,000 and 100,000 customers, all in the city ``Benchtown``) a fresh
worker process loads the customers set-based (``storage.bulk.insert_rows``: executemany on
SQLite, COPY on PostgreSQL), then a manager types ``rate A Benchtown`` in the terminal chat
(``TerminalChat.say``, replies rendered into memory) and presses Confirm, with the row cap raised
so that a manager may. Reported: preview and confirm times, memory (the worker's RSS before,
its peak after, and the tracemalloc peak of a second, traced ``rate B`` round), and a baseline
measured in the same worker: a naive per-row loop (SELECT the customer, INSERT its audit and
rating-history rows, UPDATE it, one by one, in one transaction) over a subset, extrapolated to
all customers (the subset size is printed).

Usage::

    .venv/bin/python benchmarks/bulk_rating.py                 # 10k and 100k, SQLite and PostgreSQL
    .venv/bin/python benchmarks/bulk_rating.py --small         # a quick smoke run
    .venv/bin/python benchmarks/bulk_rating.py --pg URL        # another PostgreSQL server
    .venv/bin/python benchmarks/bulk_rating.py --no-pg --scale-db sqlite:///…/scale-1m.sqlite
    .venv/bin/python benchmarks/bulk_rating.py --scale-only --scale-db postgresql+psycopg://…/bench

``--scale-db URL`` (SQLite or PostgreSQL, repeatable) also rates inside a database that already
holds many customers, such as the 1,000,000-customer synthetic base of ``query_language_data``:
the queries are the two cities whose live customers bracket 100,000 (the largest under it, the
smallest at or over it), so the query itself runs over the whole base. Its ratings are changed (rated A, then B), and a benchmark manager is added.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import (  # noqa: E402
    DEFAULT_PG_URL,
    load_note,
    peak_rss_mb,
    pg_reachable,
    print_table,
    rss_mb,
    scratch_database,
)
from rich.console import Console  # noqa: E402
from sqlalchemy import Engine, bindparam, insert, select, update  # noqa: E402

from bot.core import ChatCore  # noqa: E402
from bot.messages import Identity, Reply  # noqa: E402
from bot.terminal import TerminalChat  # noqa: E402
from custbot.config import Settings  # noqa: E402
from storage.bulk import insert_rows  # noqa: E402
from storage.changes import Actor, finish_batch, start_batch, utcnow  # noqa: E402
from storage.db import analyze  # noqa: E402
from storage.large_write import wait_for_checkpoints  # noqa: E402
from storage.schema import audit_log, customers, managers  # noqa: E402

__all__ = ["load_customers", "rate_through_chat", "naive_loop", "main"]

TODAY = date(2026, 11, 22)
CITY = "Benchtown"
CATALOG_CHECK_S = 5.1  # query_language.CatalogCache re-checks its signature every 5 s
COLUMNS = (
    "id",
    "external_id",
    "name",
    "city",
    "region",
    "country",
    "industry",
    "manager_id",
    "status",
    "rating",
    "created_at",
)


def load_customers(engine: Engine, n: int) -> None:
    """A manager (Sidorov) and ``n`` customers in Benchtown, a quarter of them already rated A."""
    with engine.begin() as conn:
        mid = conn.execute(
            insert(managers)
            .values(name="Sergei Sidorov", surname="Sidorov", role="manager")
            .returning(managers.c.id)
        ).scalar_one()

        def rows() -> Iterator[tuple]:
            for i in range(1, n + 1):
                yield (
                    i,
                    f"B{i:07d}",
                    f"Bench Customer {i:07d}",
                    CITY,
                    "Benchland",
                    "Russia",
                    "retail" if i % 2 else "manufacturing",
                    mid,
                    "active",
                    (None, "A", "B", "C")[i % 4],
                    date(2024, 1, 1),
                )

        insert_rows(conn, customers, COLUMNS, rows())
    analyze(engine)


def _done_count(replies: list[Reply]) -> str:
    text = "\n".join(r.text for r in replies)
    for line in text.splitlines():
        if line.startswith("Done:"):
            return line.split(" for ")[1].split(" customers")[0]
    raise RuntimeError(f"the confirmation did not report a change:\n{text}")


async def rate_through_chat(
    chat: TerminalChat, rating: str, city: str = CITY
) -> tuple[float, float, str, float]:
    """(preview s, confirm s, customers changed, checkpoint s) for ``rate <rating> <city>`` +
    Confirm. On SQLite the confirm's reply does not wait for the checkpoint, which a thread runs
    after it (storage/large_write.py); its time is waited for and reported apart, so that the
    next round does not start beside it (a person does not confirm twice within a second)."""
    t0 = time.perf_counter()
    await chat.say(f"rate {rating} {city}")
    t1 = time.perf_counter()
    if not any(b.label == "Confirm" for b in chat.choices.values()):
        raise RuntimeError(
            f"no Confirm button after the preview:\n{cast(io.StringIO, chat.console.file).getvalue()[-2000:]}"
        )
    replies = await chat.say("Confirm")
    t2 = time.perf_counter()
    wait_for_checkpoints()
    return t1 - t0, t2 - t1, _done_count(replies), time.perf_counter() - t2


def naive_loop(engine: Engine, ids: Sequence[int], rating: str) -> float:
    """Seconds to rate ``ids`` one customer at a time: SELECT, INSERT audit (the history), UPDATE.

    The statements are built once with bound parameters, so the loop pays the per-row round
    trips, not SQLAlchemy's statement construction (a conservative baseline).
    """
    actor = Actor("terminal", "bench", None, "bench")
    read = select(customers.c.rating).where(customers.c.id == bindparam("cid"))
    audit = insert(audit_log)
    write = (
        update(customers)
        .where(customers.c.id == bindparam("cid"))
        .values(rating=bindparam("rating"), updated_at=bindparam("now"))
    )
    t0 = time.perf_counter()
    with engine.begin() as conn:
        batch = start_batch(conn, actor, action="rate", description=f"naive rate {rating}")
        changed = 0
        for cid in ids:
            before = conn.execute(read, {"cid": cid}).scalar_one()
            if before == rating:
                continue
            now = utcnow()
            conn.execute(
                audit,
                {
                    "batch_id": batch,
                    "at": now,
                    "customer_id": cid,
                    "field": "rating",
                    "before": before,
                    "after": rating,
                    "source": "bench",
                },
            )
            conn.execute(write, {"cid": cid, "rating": rating, "now": now})
            changed += 1
        finish_batch(conn, batch, changed)
    return time.perf_counter() - t0


async def _worker(backend: str, n: int, naive_n: int, pg_url: str) -> dict:
    with scratch_database(backend, pg_url=pg_url) as engine, tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        load_customers(engine, n)
        load_s = time.perf_counter() - t0
        settings = Settings.model_validate({"bulk": {"row_cap": n}})
        core = ChatCore(engine, settings, today=TODAY)
        chat = TerminalChat(
            core,
            Identity("terminal", "Sidorov"),
            console=Console(file=io.StringIO(), width=120),
            files_dir=Path(tmp),
        )
        await chat.say(f"rate A {CITY}")  # warm-up: grammar, catalog, caches; then cancelled
        await chat.say("Cancel")
        rss_before, peak_before = rss_mb(), peak_rss_mb()
        preview, confirm, changed, checkpoint = await rate_through_chat(chat, "A")
        peak_after = peak_rss_mb()
        # the first query once the catalog's change check comes round (it re-reads after a change)
        time.sleep(CATALOG_CHECK_S)
        t0 = time.perf_counter()
        await chat.say(f"count {CITY}")
        after_change_s = time.perf_counter() - t0
        tracemalloc.start()  # now a second bulk round, with the catalog fresh: the bulk path alone
        traced_preview, traced_confirm, _, _ = await rate_through_chat(chat, "B")
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**10
        tracemalloc.stop()
        naive_s = naive_loop(engine, range(1, naive_n + 1), "C")
    return {
        "backend": backend,
        "n": n,
        "load_s": load_s,
        "preview": preview,
        "confirm": confirm,
        "changed": changed,
        "checkpoint": checkpoint,
        "rss_before": rss_before,
        "peak_before": peak_before,
        "peak_after": peak_after,
        "after_change_s": after_change_s,
        "traced_peak": traced_peak,
        "traced_total": traced_preview + traced_confirm,
        "naive_n": naive_n,
        "naive_s": naive_s,
        "load": load_note(),
    }


def _scale_cities(engine: Engine) -> list[str]:
    """The two cities whose live customers bracket 100,000: the largest under it and the smallest
    at or over it (the issue's figure was 105,845 inside the 1M base), those that exist."""
    from sqlalchemy import func

    with engine.connect() as conn:
        rows = conn.execute(
            select(customers.c.city, func.count())
            .where(customers.c.status != "archived")
            .group_by(customers.c.city)
        ).all()
    under = [r for r in rows if r[1] < 100_000]
    over = [r for r in rows if r[1] >= 100_000]
    picked = [max(under, key=lambda r: r[1])] if under else []
    picked += [min(over, key=lambda r: r[1])] if over else []
    return [str(city) for city, _n in picked]


def _live(engine: Engine, city: str) -> tuple[int, int]:
    """How many live customers ``city`` has, and how many of them are rated A."""
    from sqlalchemy import case, func

    with engine.connect() as conn:
        n, rated_a = conn.execute(
            select(func.count(), func.count(case((customers.c.rating == "A", 1)))).where(
                customers.c.city == city, customers.c.status != "archived"
            )
        ).one()
    return int(n), int(rated_a)


async def _scale_worker(url: str, naive_n: int, city: str) -> dict:
    """Rate A then B everyone of one city in an existing large database, through the chat."""
    from sqlalchemy import func

    from storage.db import connect

    engine = connect(url)
    n, rated_a = _live(engine, city)
    with engine.begin() as conn:
        if not conn.execute(
            select(managers.c.id).where(managers.c.surname == "Benchmanager")
        ).first():
            conn.execute(
                insert(managers).values(
                    name="Bulk Benchmanager", surname="Benchmanager", role="manager"
                )
            )
        total = conn.execute(select(func.count()).select_from(customers)).scalar_one()
    settings = Settings.model_validate({"bulk": {"row_cap": 2 * n}})
    core = ChatCore(engine, settings, today=TODAY)
    with tempfile.TemporaryDirectory() as tmp:
        chat = TerminalChat(
            core,
            Identity("terminal", "Benchmanager"),
            console=Console(file=io.StringIO(), width=120),
            files_dir=Path(tmp),
        )
        # A then B; B then A when an earlier run left them all A (a first round that changes
        # nothing has no Confirm)
        order = ("B", "A") if rated_a == n else ("A", "B")
        await chat.say(f"rate {order[0]} {city}")  # warm-up, then cancelled
        await chat.say("Cancel")
        rss_before = rss_mb()
        rounds = [await rate_through_chat(chat, r, city) for r in order]
        peak_after = peak_rss_mb()
    with engine.connect() as conn:
        ids = (
            conn.execute(
                select(customers.c.id)
                .where(customers.c.city == city, customers.c.status != "archived")
                .order_by(customers.c.id)
                .limit(naive_n)
            )
            .scalars()
            .all()
        )
    naive_s = naive_loop(engine, ids, "C")
    engine.dispose()
    return {
        "backend": engine.dialect.name,
        "total": total,
        "city": city,
        "n": n,
        "rounds": rounds,
        "order": "".join(order),
        "rss_before": rss_before,
        "peak_after": peak_after,
        "naive_n": len(ids),
        "naive_s": naive_s,
        "load": load_note(),
    }


def _report_scale(r: dict) -> None:
    naive_all = r["naive_s"] * r["n"] / r["naive_n"]
    print(
        f"\n{r['backend']}, {r['total']:,} customers: 'rate X {r['city']}' matches {r['n']:,}; {r['load']}"
    )
    rows = [
        [
            f"rate {x}",
            changed,
            f"{p:.2f}",
            f"{c:.2f}",
            f"{p + c:.2f}",
            "yes" if p + c < 2 else "no",
            f"{k:.2f}",
            f"{naive_all / (p + c):.0f}x",
        ]
        for x, (p, c, changed, k) in zip(r["order"], r["rounds"], strict=True)
    ]
    print_table(
        [
            "round",
            "changed",
            "preview s",
            "confirm s",
            "total s",
            "<2 s",
            "checkpoint after s",
            "naive/total",
        ],
        rows,
    )
    print(
        f"naive per-row loop: {r['naive_s']:.2f} s for {r['naive_n']:,} customers, {naive_all:.1f} s scaled to "
        f"{r['n']:,}; RSS {r['rss_before']:.0f} MB before, peak {r['peak_after']:.0f} MB"
    )


def _run_worker(backend: str, n: int, naive_n: int, pg_url: str) -> dict:
    cmd = [sys.executable, __file__, "--worker", backend, str(n), str(naive_n), "--pg", pg_url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"the {backend} worker for {n} customers failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _report(results: list[dict]) -> None:
    rows, memory = [], []
    for r in results:
        total = r["preview"] + r["confirm"]
        naive_all = r["naive_s"] * r["n"] / r["naive_n"]
        rows.append(
            [
                f"{r['backend']} {r['n']:,}",
                r["changed"],
                f"{r['preview']:.2f}",
                f"{r['confirm']:.2f}",
                f"{total:.2f}",
                "yes" if total < 2 else "no",
                f"{r['checkpoint']:.2f}",
                f"{r['naive_s']:.2f} ({r['naive_n']:,})",
                f"{naive_all:.1f}",
                f"{naive_all / r['confirm']:.0f}x",
                f"{naive_all / total:.0f}x",
            ]
        )
        memory.append(
            [
                f"{r['backend']} {r['n']:,}",
                f"{r['rss_before']:.0f}",
                f"{r['peak_after']:.0f}",
                f"{r['traced_peak']:.0f}",
                f"{r['traced_total']:.2f}",
                f"{r['after_change_s']:.2f}",
            ]
        )
    print_table(
        [
            "backend customers",
            "changed",
            "preview s",
            "confirm s",
            "total s",
            "<2 s",
            "checkpoint after s",
            "naive s (rows)",
            "naive→all s",
            "naive/confirm",
            "naive/total",
        ],
        rows,
    )
    print(
        "naive→all: the per-row loop's time scaled linearly from the subset in brackets to all customers.\n"
        "checkpoint after: on SQLite, the copy of the change's log into the database file, which a\n"
        "thread does after the confirm's reply (storage/large_write.py); waited for before the next round.\n"
    )
    print_table(
        [
            "backend customers",
            "RSS MB",
            "peak RSS MB",
            "bulk traced KB",
            "traced round s",
            "next query s",
        ],
        memory,
    )
    print(
        "RSS MB: the worker's resident memory before the timed preview; peak RSS MB: its peak after Confirm\n"
        "(loading included); bulk traced KB: tracemalloc peak of Python allocations during a second preview +\n"
        f"Confirm (slower: traced); next query: 'count {CITY}' once the catalog's change check comes round\n"
        "after the change (it rebuilds the catalog, which holds every customer's name: most of the RSS)."
    )
    for r in results:
        print(
            f"{r['backend']} {r['n']:,}: loaded in {r['load_s']:.1f} s; peak RSS before the timed round "
            f"{r['peak_before']:.0f} MB; {r['load']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--small", action="store_true", help="a quick smoke run (2,000 and 10,000 customers)"
    )
    parser.add_argument(
        "--pg", default=DEFAULT_PG_URL, metavar="URL", help="PostgreSQL server (a scratch schema)"
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument(
        "--naive", type=int, default=None, help="customers in the naive per-row subset"
    )
    parser.add_argument(
        "--scale-db",
        action="append",
        default=[],
        metavar="URL",
        help="also rate 100,000+ customers inside this large database (repeatable)",
    )
    parser.add_argument(
        "--scale-only",
        action="store_true",
        help="only the --scale-db databases (no 10k/100k tables of its own)",
    )
    parser.add_argument("--scale-worker", nargs=2, metavar=("URL", "CITY"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--worker", nargs=3, metavar=("BACKEND", "N", "NAIVE_N"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.scale_worker:
        url, city = args.scale_worker
        print(json.dumps(asyncio.run(_scale_worker(url, args.naive or 5_000, city))))
        return
    if args.worker:
        backend, n, naive_n = args.worker[0], int(args.worker[1]), int(args.worker[2])
        print(json.dumps(asyncio.run(_worker(backend, n, naive_n, args.pg))))
        return
    if args.scale_only and not args.scale_db:
        parser.error("--scale-only needs at least one --scale-db")
    sizes = (2_000, 10_000) if args.small else (10_000, 100_000)
    naive = args.naive or (1_000 if args.small else 10_000)
    backends = [] if args.scale_only else ["sqlite"]
    if not args.no_pg and not args.scale_only:
        if problem := pg_reachable(args.pg):
            print(f"skipping PostgreSQL: {problem}")
        else:
            backends.append("postgresql")
    print(f"bulk rating through the chat core; {load_note()}")
    results = []
    for backend in backends:
        for n in sizes:
            results.append(_run_worker(backend, n, min(naive, n), args.pg))
            print(
                f"  {backend} {n:,}: preview {results[-1]['preview']:.2f} s, confirm {results[-1]['confirm']:.2f} s"
            )
    if results:
        _report(results)
    for url in args.scale_db:
        from storage.db import connect

        probe = connect(url)
        cities = _scale_cities(probe)
        probe.dispose()
        for city in cities:
            out = subprocess.run(
                [sys.executable, __file__, "--scale-worker", url, city],
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode != 0:
                raise SystemExit(f"the scale worker for {url} failed:\n{out.stderr[-3000:]}")
            _report_scale(json.loads(out.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
