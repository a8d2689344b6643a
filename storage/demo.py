"""The demo database: a tools distributor's realistic, deterministic customer base.

``build_demo`` fills an empty database with a couple of thousand customers and two years of
orders ending *today*, enough for every documented example query to answer; ``generate`` streams
the same kind of data at scale (a million customers) in chunks with bounded memory. Both are
deterministic for (seed, today, customers, orders, lang). Example::

    engine = connect("sqlite:///custbot.db")
    summary = build_demo(engine, today=date(2026, 11, 22))
    summary.customers, summary.orders      # (2000, 10000)
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, Table, func, select

from storage import schema as t
from storage.db import is_postgres
from storage.demo_catalog import LANGUAGES
from storage.demo_load import (
    CONTACT_COLUMNS,
    CUSTOMER_COLUMNS,
    LINE_COLUMNS,
    ORDER_COLUMNS,
    PROPERTY_COLUMNS,
    advance_id_sequences,
    analyze_loaded,
    create_segments,
    create_templates,
    insert_many,
    load_reference_data,
    load_tags_and_properties,
)
from storage.demo_population import customer_rows, draw_population, make_window
from storage.demo_sales import allocate_orders, interaction_rows, order_rows
from storage.demo_showcase import SHOWCASE_CUSTOMERS, plant, showcase_rows
from storage.demo_words import TEXT
from storage.watches import add_demo_watch

__all__ = [
    "DemoError",
    "DemoSummary",
    "Progress",
    "build_demo",
    "generate",
    "clear_data",
    "count_customers",
]

CHUNK = 5000  # customers per transaction; fixed, so that the output never depends on it
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class DemoError(Exception):
    """The demo data cannot be generated here; the message says why and what to do."""


@dataclass(frozen=True)
class DemoSummary:
    customers: int
    orders: int
    order_lines: int
    products: int
    managers: int
    interactions: int
    customer_tags: int
    segments: int
    today: date
    lang: str
    seed: int
    seconds: float
    examples: tuple[str, ...]


def build_demo(
    engine: Engine,
    *,
    customers: int = 2000,
    orders: int | None = None,
    seed: int = 7,
    today: date,
    lang: str = "en",
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo customer base (default five orders per customer).

    Example: ``build_demo(engine, customers=500, today=date(2026, 11, 22), lang="ru")``.
    """
    return _populate(
        engine, customers, customers * 5 if orders is None else orders, seed, today, lang, progress
    )


def generate(
    engine: Engine,
    *,
    customers: int = 1_000_000,
    orders: int = 5_000_000,
    seed: int = 7,
    today: date,
    lang: str = "en",
    progress: Progress | None = None,
) -> DemoSummary:
    """Stream exactly ``customers`` customers and ``orders`` orders (about three lines each) into
    an empty database, chunk by chunk, then refresh the planner statistics.

    Example: ``generate(engine, customers=100_000, orders=500_000, seed=1, today=date.today())``.
    """
    return _populate(engine, customers, orders, seed, today, lang, progress)


def count_customers(engine: Engine) -> int:
    """How many customers the database holds (0 for a fresh one)."""
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(t.customers)) or 0)


def clear_data(engine: Engine) -> None:
    """Delete every row of every table (the schema stays): what ``custbot demo --rebuild`` does first."""
    tables = list(reversed(t.metadata.sorted_tables))
    with engine.begin() as conn:
        if is_postgres(conn):
            names = ", ".join(f'"{tb.name}"' for tb in tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            return
        for tb in tables:  # rows that point at rows of their own table (team leads, undo chains)
            if refs := _self_refs(tb):
                conn.execute(tb.update().values({c: None for c in refs}))
        for tb in tables:
            conn.execute(tb.delete())


def _self_refs(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _check(engine: Engine, customers: int, orders: int, lang: str) -> None:
    if lang not in LANGUAGES:
        raise DemoError(
            f"demo language {lang!r} is not available; choose one of {', '.join(LANGUAGES)}"
        )
    if customers < SHOWCASE_CUSTOMERS:
        raise DemoError(
            f"the demo needs at least {SHOWCASE_CUSTOMERS} customers, not {customers}; pass a larger --customers"
        )
    with engine.connect() as conn:
        have = {
            tb.name: conn.scalar(select(func.count()).select_from(tb))
            for tb in (t.customers, t.orders)
        }
    if any(have.values()):
        raise DemoError(
            f"the database at {engine.url.render_as_string()} already holds {have['customers']} customers and "
            f"{have['orders']} orders; use an empty database, or --rebuild to delete all data first"
        )


def _populate(
    engine: Engine, n: int, m: int, seed: int, today: date, lang: str, progress: Progress | None
) -> DemoSummary:
    started = clock.perf_counter()
    _check(engine, n, m, lang)
    report = progress or (lambda stage, done, total: None)
    window = make_window(today)
    pop = draw_population(n, seed=seed, window=window)
    show = plant(pop, window, seed=seed)
    if m < len(show.orders):
        raise DemoError(
            f"the demo needs at least {len(show.orders)} orders, not {m}; pass a larger --orders"
        )
    counts = allocate_orders(pop, m - len(show.orders), seed=seed)
    with engine.begin() as conn:
        ids = load_reference_data(conn, lang)
        tag_ids, prop_ids = load_tags_and_properties(conn, lang)
    order_seq = line_seq = 0
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        rows = customer_rows(
            pop,
            lo,
            hi,
            seed=seed,
            lang=lang,
            id_base=ids.customer_base,
            manager_ids=ids.manager_ids,
        )
        orders, lines = order_rows(
            pop,
            lo,
            hi,
            counts,
            window=window,
            seed=seed,
            first_order=order_seq,
            first_line=line_seq,
            ids=ids,
        )
        contacts = interaction_rows(pop, lo, hi, window=window, seed=seed, lang=lang, ids=ids)
        with engine.begin() as conn:
            insert_many(conn, t.customers, CUSTOMER_COLUMNS, rows.customers)
            insert_many(
                conn,
                t.customer_tags,
                ("customer_id", "tag_id"),
                [(c, tag_ids[k]) for c, k in rows.tags],
            )
            insert_many(
                conn,
                t.customer_properties,
                PROPERTY_COLUMNS,
                [(c, prop_ids[k], *v) for c, k, *v in rows.properties],
            )
            insert_many(conn, t.orders, ORDER_COLUMNS, orders)
            insert_many(conn, t.order_lines, LINE_COLUMNS, lines)
            insert_many(conn, t.interactions, CONTACT_COLUMNS, contacts)
        order_seq, line_seq = order_seq + len(orders), line_seq + len(lines)
        report("customers", hi, n)
    orders, lines, contacts = showcase_rows(
        show, pop, window, lang=lang, first_order=order_seq, first_line=line_seq, ids=ids
    )
    with engine.begin() as conn:
        insert_many(conn, t.orders, ORDER_COLUMNS, orders)
        insert_many(conn, t.order_lines, LINE_COLUMNS, lines)
        insert_many(conn, t.interactions, CONTACT_COLUMNS, contacts)
        create_segments(conn, lang, today, seed, ids)
        add_demo_watch(conn, lang)  # segment watches (storage/watches.py)
        create_templates(conn, lang, today)
        advance_id_sequences(conn)
    report("statistics", 0, 1)
    analyze_loaded(engine)
    report("statistics", 1, 1)
    return _summary(engine, today, lang, seed, clock.perf_counter() - started)


def _summary(engine: Engine, today: date, lang: str, seed: int, seconds: float) -> DemoSummary:
    tables = (
        t.customers,
        t.orders,
        t.order_lines,
        t.products,
        t.managers,
        t.interactions,
        t.customer_tags,
        t.segments,
    )
    with engine.connect() as conn:
        n = [int(conn.scalar(select(func.count()).select_from(tb)) or 0) for tb in tables]
    return DemoSummary(
        customers=n[0],
        orders=n[1],
        order_lines=n[2],
        products=n[3],
        managers=n[4],
        interactions=n[5],
        customer_tags=n[6],
        segments=n[7],
        today=today,
        lang=lang,
        seed=seed,
        seconds=round(seconds, 2),
        examples=tuple(TEXT[lang]["examples"]),
    )
