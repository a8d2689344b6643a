"""Benchmark of the chat core end to end, through the terminal front end's code path.

Each line goes through ``bot.terminal.TerminalChat.say`` (request → ``ChatCore.handle`` off the
event loop → replies rendered by rich into an in-memory file), on the demo database. For every
query it reports median and p90, and a baseline measured in the same run: the bare query-language
call for the same question (``interpret`` + ``run_query``; ``find_customers_by_name`` +
``load_card`` for a card), so the ratio is the chat layer's overhead (identity, buttons stored
as ``chat_state`` rows, rendering). Then messages per second for 8 users talking at once
(``asyncio.gather``) against one user alone.

Usage::

    .venv/bin/python benchmarks/chat_core.py                 # SQLite, 2,000 demo customers
    .venv/bin/python benchmarks/chat_core.py --pg            # … and PostgreSQL (local server)
    .venv/bin/python benchmarks/chat_core.py --small --pg    # a quick smoke run
    .venv/bin/python benchmarks/chat_core.py --db sqlite:///custbot.db   # reuse a database
    .venv/bin/python benchmarks/chat_core.py --db postgresql+psycopg://…/custbot_scale --repeat 5

A database given with ``--db`` (SQLite or PostgreSQL) is used as it is, e.g. the million-customer
synthetic base of ``query_language_data``: the card asked for is that of one of its customers
and the users are its first eight managers.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import (  # noqa: E402
    DEFAULT_PG_URL,
    load_note,
    median,
    p90,
    pg_reachable,
    print_table,
    scratch_database,
    timed,
)
from rich.console import Console  # noqa: E402
from sqlalchemy import Engine, insert, select  # noqa: E402

from bot import state  # noqa: E402
from bot.core import ChatCore  # noqa: E402
from bot.messages import Identity  # noqa: E402
from bot.terminal import TerminalChat  # noqa: E402
from bot.views import PAGE_SIZE  # noqa: E402
from custbot.config import Settings  # noqa: E402
from query_language import interpret, run_query  # noqa: E402
from query_language.ast import Top  # noqa: E402
from storage.cards import find_customers_by_name, load_card  # noqa: E402
from storage.changes import utcnow  # noqa: E402
from storage.db import connect  # noqa: E402
from storage.demo import build_demo, count_customers  # noqa: E402
from storage.schema import chat_state, customers, managers  # noqa: E402
from storage.scope import EVERYONE  # noqa: E402

__all__ = ["QUERIES", "bench_queries", "bench_state_writes", "bench_concurrent", "main"]

TODAY = date(2026, 11, 22)
NEXT = "Next ▶"
# (label, what is typed; NEXT means: ask "Moscow" untimed, then time pressing Next)
QUERIES = [
    (
        "README: Moscow buyers … Ivanov",
        "Moscow buyers of Super Drill over 40k last quarter, manager Ivanov",
    ),
    ("README: top 10 Kazan", "top 10 Kazan customers by spend this year"),
    ("README: vip lapsed 90 days", "vip no purchases in last 90 days"),
    ("README: spend by city", "spend by city this year"),
    ("card <a customer>", "card Romashka"),  # the demo's; another database: one of its customers
    ("Next-page button (Moscow)", NEXT),
]
BUTTONS_PER_ANSWER = 7  # Next, Export CSV, Export XLSX, Chart, Rate A, Rate B, Rate C
USERS = ["Sidorov", "Popova", "Novikova", "Ivanov", "Petrova", "Smirnova", "Kuznetsov", "Volkov"]


def _adapt(engine: Engine) -> tuple[list[tuple[str, str]], list[str]]:
    """The queries and users fitted to the database: the card of a customer it has, managers it has."""
    queries = list(QUERIES)
    with engine.connect() as conn:
        if not find_customers_by_name(conn, "Romashka", scope=EVERYONE):
            name = conn.execute(
                select(customers.c.name).order_by(customers.c.id).limit(1).offset(999)
            ).scalar()
            queries[4] = (queries[4][0], f"card {name}")
        people = (
            conn.execute(
                select(managers.c.surname)
                .where(managers.c.surname.is_not(None))
                .order_by(managers.c.id)
                .limit(len(USERS))
            )
            .scalars()
            .all()
        )
    return queries, USERS if set(USERS) <= set(people) else list(people)


def _chat(core: ChatCore, who: str, files: Path) -> TerminalChat:
    console = Console(file=io.StringIO(), width=120, color_system="truecolor", force_terminal=True)
    return TerminalChat(core, Identity("terminal", who), console=console, files_dir=files)


async def _say_timed(chat: TerminalChat, text: str) -> float:
    if text == NEXT:
        await chat.say("Moscow")
    t0 = time.perf_counter()
    await chat.say(text)
    elapsed = time.perf_counter() - t0
    chat.console.file = io.StringIO()  # keep the in-memory screen from growing
    return elapsed


def _baseline(engine: Engine, core: ChatCore, text: str) -> Callable[[], object]:
    """The bare query-language (or card) call that answers ``text``, without the chat layer."""
    if text.startswith("card "):

        def card() -> object:
            with engine.connect() as conn:
                (cid, _n, _c), *_ = find_customers_by_name(conn, text[5:], scope=EVERYONE)
                return load_card(conn, cid, TODAY)

        return card
    query_text, offset = ("Moscow", PAGE_SIZE) if text == NEXT else (text, 0)

    def bare() -> object:
        query = interpret(query_text, core.catalog(), today=TODAY, language="en")
        limit = PAGE_SIZE
        if isinstance(query.output, Top):
            limit = min(PAGE_SIZE, query.output.n)
        with engine.connect() as conn:
            return run_query(conn, query, offset=offset, limit=limit)

    return bare


async def bench_queries(
    engine: Engine,
    core: ChatCore,
    files: Path,
    repeat: int,
    queries: list[tuple[str, str]],
    user: str,
) -> list[float]:
    """Per-query table; returns every chat sample (for the overall line)."""
    chat = _chat(core, user, files)
    rows, everything, base_all = [], [], []
    cold = [await _say_timed(chat, text) for _label, text in queries]  # first pass: caches, grammar
    for (label, text), first in zip(queries, cold, strict=True):
        fn = _baseline(engine, core, text)
        samples, base = [], []
        for _ in range(repeat):  # interleaved, so that both see the same load on a shared machine
            samples.append(await _say_timed(chat, text))
            t0 = time.perf_counter()
            await asyncio.to_thread(fn)  # the same thread hop as the core gets
            base.append(time.perf_counter() - t0)
        everything += samples
        base_all += base
        rows.append(
            [
                label,
                f"{first * 1e3:.1f}",
                f"{median(samples) * 1e3:.1f}",
                f"{p90(samples) * 1e3:.1f}",
                f"{median(base) * 1e3:.1f}",
                f"{median(samples) / median(base):.2f}x",
            ]
        )
    rows.append(
        [
            "overall",
            f"{sum(cold) / len(cold) * 1e3:.1f}",
            f"{median(everything) * 1e3:.1f}",
            f"{p90(everything) * 1e3:.1f}",
            f"{median(base_all) * 1e3:.1f}",
            f"{median(everything) / median(base_all):.2f}x",
        ]
    )
    print_table(
        [
            "query (through TerminalChat.say)",
            "first ms",
            "median ms",
            "p90 ms",
            "bare ms",
            "chat/bare",
        ],
        rows,
    )
    return everything


def bench_state_writes(engine: Engine, repeat: int) -> None:
    """The buttons of one answer (7 ``chat_state`` rows): a transaction each, as ``Context.remember``
    does now, against one transaction for all (what batching them per reply would cost)."""
    payload = {"text": "Moscow", "today": TODAY.isoformat(), "language": "en", "offset": 10}

    def each() -> None:
        for _ in range(BUTTONS_PER_ANSWER):
            with engine.begin() as conn:
                state.put(conn, "page", "terminal:bench", payload)

    def together() -> None:
        with engine.begin() as conn:
            for _ in range(BUTTONS_PER_ANSWER):
                state.put(conn, "page", "terminal:bench", payload)

    def one_statement() -> None:
        now = utcnow()
        rows = [
            {
                "token": secrets.token_urlsafe(16),
                "kind": "page",
                "user_key": "terminal:bench",
                "payload": payload,
                "created_at": now,
                "expires_at": now + state.DEFAULT_TTL,
            }
            for _ in range(BUTTONS_PER_ANSWER)
        ]
        with engine.begin() as conn:
            conn.execute(insert(chat_state), rows)

    a = [timed(each) for _ in range(repeat)]
    b = [timed(together) for _ in range(repeat)]
    c = [timed(one_statement) for _ in range(repeat)]
    print_table(
        [f"{BUTTONS_PER_ANSWER} button states of one answer", "median ms", "p90 ms"],
        [
            ["a transaction each (now)", f"{median(a) * 1e3:.1f}", f"{p90(a) * 1e3:.1f}"],
            ["one transaction", f"{median(b) * 1e3:.1f}", f"{p90(b) * 1e3:.1f}"],
            ["one multi-row INSERT", f"{median(c) * 1e3:.1f}", f"{p90(c) * 1e3:.1f}"],
        ],
    )


async def _user_session(
    core: ChatCore, who: str, files: Path, rounds: int, queries: list[tuple[str, str]]
) -> int:
    chat = _chat(core, who, files)
    n = 0
    for _ in range(rounds):
        for _label, text in queries:
            await _say_timed(chat, text)
            n += 2 if text == NEXT else 1
    return n


async def bench_concurrent(
    core: ChatCore, files: Path, rounds: int, queries: list[tuple[str, str]], people: list[str]
) -> None:
    """Messages per second: one user alone, then 8 users at once (the same mix each)."""
    rows = []
    for users in (people[:1], people):
        t0 = time.perf_counter()
        counts = await asyncio.gather(
            *(_user_session(core, u, files, rounds, queries) for u in users)
        )
        wall = time.perf_counter() - t0
        rows.append(
            [
                f"{len(users)} user(s) × {rounds} rounds",
                str(sum(counts)),
                f"{wall:.2f}",
                f"{sum(counts) / wall:.1f}",
            ]
        )
    print_table(["concurrency", "messages", "wall s", "messages/s"], rows)


def _prepare(engine: Engine, customers: int) -> None:
    have = count_customers(engine)
    if have:
        print(f"reusing the database: {have} customers")
        return
    t0 = time.perf_counter()
    build_demo(engine, customers=customers, today=TODAY)
    print(f"built the demo database: {customers} customers in {time.perf_counter() - t0:.1f} s")


def _database(backend: str, db: str | None, args: argparse.Namespace) -> Any:
    if db and db.startswith("postgresql"):
        return nullcontext(connect(db))
    return scratch_database(backend, pg_url=args.pg or DEFAULT_PG_URL, sqlite_url=db)


async def run_backend(backend: str, db: str | None, args: argparse.Namespace) -> None:
    with (
        _database(backend, db, args) as engine,
        tempfile.TemporaryDirectory(prefix="custbot-bench-files-") as tmp,
    ):
        _prepare(engine, args.customers)
        queries, users = _adapt(engine)
        core = ChatCore(engine, Settings(), today=TODAY)
        print(
            f"\n== {backend}: {count_customers(engine):,} customers, {args.repeat} runs per query; {load_note()}"
        )
        samples = await bench_queries(engine, core, Path(tmp), args.repeat, queries, users[0])
        verdict = "met" if median(samples) < 0.050 else "missed"
        print(
            f"overall median {median(samples) * 1e3:.2f} ms (target under 50 ms: {verdict}); {load_note()}"
        )
        bench_state_writes(engine, args.repeat)
        await bench_concurrent(core, Path(tmp), args.rounds, queries, users)
        print(load_note())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--small", action="store_true", help="a quick smoke run (fewer customers and runs)"
    )
    parser.add_argument(
        "--pg",
        nargs="?",
        const=DEFAULT_PG_URL,
        default=None,
        metavar="URL",
        help=f"also run on PostgreSQL (default server: {DEFAULT_PG_URL}) in a scratch schema",
    )
    parser.add_argument(
        "--db",
        action="append",
        default=[],
        metavar="URL",
        help="a database to reuse, SQLite "
        "or PostgreSQL (the demo is built in it if empty); may be given more than once",
    )
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per query")
    parser.add_argument(
        "--rounds", type=int, default=None, help="rounds of the query mix per concurrent user"
    )
    args = parser.parse_args()
    args.customers = args.customers or (500 if args.small else 2000)
    args.repeat = args.repeat or (3 if args.small else 30)
    args.rounds = args.rounds or (1 if args.small else 3)
    runs: list[tuple[str, str | None]] = [
        ("postgresql" if db.startswith("postgresql") else "sqlite", db) for db in args.db
    ]
    if not runs:
        runs = [("sqlite", None)]
        if args.pg:
            if problem := pg_reachable(args.pg):
                print(f"skipping PostgreSQL: {problem}")
            else:
                runs.append(("postgresql", None))
    for backend, db in runs:
        asyncio.run(run_backend(backend, db, args))


if __name__ == "__main__":
    main()
