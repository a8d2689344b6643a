"""The synthetic database of the query-language and scale benchmarks: managers, products (the
spec's worked-example products first), customers in a few cities with orders over two years,
tags, complaints, a property and two segments; statistics refreshed at the end.

Built in chunks of customers with numpy and written set-based (``storage.bulk.insert_rows``:
executemany on SQLite, COPY on PostgreSQL) with the secondary indexes dropped and rebuilt once,
so memory stays flat and a million customers with ten million order lines load in minutes.

Example::

    build_synthetic(engine, 100_000, 10_000)      # ~200,000 orders, ~1,000,000 order lines
    build_synthetic(engine, 1_000_000, 10_000)    # ~2,000,000 orders, ~10,000,000 order lines
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, Engine

from storage import schema as s
from storage.bulk import insert_rows
from storage.db import analyze

__all__ = ["build_synthetic", "TODAY", "CITIES", "FIXED_PRODUCTS"]

TODAY = date(2026, 11, 22)
CITIES = ["Moscow", "Kazan", "Saint Petersburg", "Samara", "Novosibirsk", "Berlin", "Almaty"]
_CITY_P = np.array([30, 15, 15, 10, 10, 10, 10]) / 100
REGIONS = {
    "Moscow": "Central",
    "Kazan": "Volga",
    "Samara": "Volga",
    "Saint Petersburg": "North-West",
}
INDUSTRIES = ["manufacturing", "retail", "construction"]
FIXED_PRODUCTS = [
    ("SD-100", "Super Drill", "power tools", 10000.0),
    ("SD-200", "Super Drill Pro", "power tools", 25000.0),
    ("DB-10", "Drill Bits Set", "consumables", 1500.0),
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "home decor", 2.55),
]
_WORDS = (
    "Alpha Bravo Delta Nova Terra Vector Prime Flux Orbit Pixel Quartz Rapid Solid Ultra".split()
)
CHUNK = 50_000  # customers per chunk: ~500,000 order lines in memory at a time


def _products(rng: np.random.Generator, n: int) -> list[tuple]:
    rows = [(i, k, nm, c, p) for i, (k, nm, c, p) in enumerate(FIXED_PRODUCTS, 1)]
    words = rng.integers(0, len(_WORDS), (n, 2))
    prices = rng.integers(1, 501, n) * 10.0
    rows += [
        (
            i,
            f"P{i:06d}",
            f"{_WORDS[words[i - 1, 0]]} {_WORDS[words[i - 1, 1]]} {i}",
            f"category {i % 50}",
            float(prices[i - 1]),
        )
        for i in range(len(rows) + 1, n + 1)
    ]
    return rows


def _chunk(
    conn: Connection,
    rng: np.random.Generator,
    first: int,
    count: int,
    next_order: int,
    next_line: int,
    next_inter: int,
    price: np.ndarray,
    per_order: int,
) -> tuple[int, int, int]:
    """Write customers ``first`` … ``first + count - 1`` with their orders, lines, tags and
    interactions; returns the next free order, line and interaction ids."""
    ids = np.arange(first, first + count)
    city = rng.choice(len(CITIES), count, p=_CITY_P)
    words = rng.integers(0, len(_WORDS), count)
    industry = rng.integers(0, len(INDUSTRIES), count)
    manager = rng.integers(1, 21, count)
    archived = rng.integers(0, 9, count) == 0
    rated = rng.random(count) < 0.8
    rating = rng.integers(0, 3, count)
    created = rng.integers(0, 901, count)
    day = [TODAY - timedelta(days=d) for d in range(901)]
    insert_rows(
        conn,
        s.customers,
        [
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
            "rating_pinned",
        ],
        (
            (
                int(i),
                f"X{i}",
                f"{_WORDS[w]} Co {i}",
                CITIES[c],
                REGIONS.get(CITIES[c], "Other"),
                "Russia",
                INDUSTRIES[ind],
                int(m),
                "archived" if a else "active",
                "ABC"[r] if ok else None,
                day[d],
                False,
            )
            for i, c, w, ind, m, a, ok, r, d in zip(
                ids.tolist(),
                city.tolist(),
                words.tolist(),
                industry.tolist(),
                manager.tolist(),
                archived.tolist(),
                rated.tolist(),
                rating.tolist(),
                created.tolist(),
                strict=True,
            )
        ),
    )
    n_orders = rng.integers(0, 5, count)
    order_customer = np.repeat(ids, n_orders)
    k = len(order_customer)
    order_ids = np.arange(next_order, next_order + k)
    order_day = rng.integers(0, 731, k)
    insert_rows(
        conn,
        s.orders,
        ["id", "order_no", "customer_id", "date"],
        (
            (o, f"O{o}", c, day[d])
            for o, c, d in zip(
                order_ids.tolist(), order_customer.tolist(), order_day.tolist(), strict=True
            )
        ),
    )
    m = k * per_order
    line_order = np.repeat(order_ids, per_order)
    line_no = np.tile(np.arange(1, per_order + 1), k)
    product = np.where(
        rng.random(m) < 0.3, rng.integers(1, 5, m), rng.integers(1, len(price) + 1, m)
    )
    qty = rng.integers(1, 7, m).astype(float) * np.where(rng.random(m) < 0.05, -1.0, 1.0)
    amount = qty * price[product - 1]
    insert_rows(
        conn,
        s.order_lines,
        ["id", "order_id", "line_no", "product_id", "quantity", "amount"],
        zip(
            range(next_line, next_line + m),
            line_order.tolist(),
            line_no.tolist(),
            product.tolist(),
            qty.tolist(),
            amount.tolist(),
            strict=True,
        ),
    )
    vip = ids[rng.random(count) < 0.2]
    insert_rows(conn, s.customer_tags, ["customer_id", "tag_id"], ((int(c), 1) for c in vip))
    talked = ids[rng.random(count) < 0.3]
    kinds = rng.integers(0, 2, len(talked))
    hours = rng.integers(0, 24 * 400 + 1, len(talked))
    noon = datetime(2026, 11, 22)
    insert_rows(
        conn,
        s.interactions,
        ["id", "customer_id", "kind", "date", "note"],
        (
            (next_inter + j, int(c), ("complaint", "call")[kd], noon - timedelta(hours=int(h)), "")
            for j, (c, kd, h) in enumerate(zip(talked, kinds, hours, strict=True))
        ),
    )
    insert_rows(
        conn,
        s.customer_properties,
        ["customer_id", "property_id", "number_value"],
        ((int(c), 1, float(c % 500)) for c in ids[ids % 2 == 1]),
    )
    return next_order + k, next_line + m, next_inter + len(talked)


def build_synthetic(
    engine: Engine,
    customers: int,
    products: int,
    seed: int = 1,
    per_order: int = 5,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Fill an empty database: ~2 orders of ``per_order`` lines per customer over two years (100,000
    customers: ~200,000 orders, ~1,000,000 lines), vip tags on a fifth, calls and complaints on
    a third, an ``employees`` property, a static segment ``bits-offer`` of 5% and a dynamic
    ``drill-buyers``."""
    rng = np.random.default_rng(seed)
    big = (
        s.customers,
        s.orders,
        s.order_lines,
        s.interactions,
        s.customer_tags,
        s.customer_properties,
    )
    dropped = [
        i for t in big for i in sorted(t.indexes, key=lambda i: i.name or "") if not i.unique
    ]
    with engine.begin() as conn:
        if (
            conn.dialect.name == "postgresql"
        ):  # foreign keys hold by construction: skip their triggers
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for index in dropped:  # an index filled by one sort is several times faster than row by row
            index.drop(conn)
        insert_rows(
            conn,
            s.managers,
            ["id", "name", "surname"],
            [
                (i, f"M{i} {sn}", sn)
                for i, sn in enumerate(
                    ["Ivanov", "Petrov", "Sidorova"] + [f"Rep{i}" for i in range(17)], 1
                )
            ],
        )
        prods = _products(rng, products)
        insert_rows(conn, s.products, ["id", "sku", "name", "category", "price"], prods)
        price = np.array([p[4] for p in prods])
        insert_rows(conn, s.tags, ["id", "name"], [(1, "vip"), (2, "partner")])
        insert_rows(
            conn,
            s.property_definitions,
            ["id", "name", "label", "type"],
            [(1, "employees", "Employees", "number")],
        )
        next_ids = (1, 1, 1)
        for first in range(1, customers + 1, CHUNK):
            next_ids = _chunk(
                conn, rng, first, min(CHUNK, customers + 1 - first), *next_ids, price, per_order
            )
            if progress:
                progress(
                    f"{min(first + CHUNK - 1, customers):,} customers, {next_ids[1] - 1:,} lines"
                )
        insert_rows(
            conn,
            s.segments,
            ["id", "name", "query", "kind", "created_at", "language"],
            [
                (1, "bits-offer", "buyers of Drill Bits Set", "static", datetime(2026, 9, 1), "en"),
                (2, "drill-buyers", "buyers of Super Drill", "dynamic", datetime(2026, 9, 1), "en"),
            ],
        )
        members = np.sort(rng.choice(np.arange(1, customers + 1), customers // 20, replace=False))
        insert_rows(
            conn, s.segment_members, ["segment_id", "customer_id"], ((1, int(c)) for c in members)
        )
        if progress:
            progress("building indexes")
        for index in dropped:
            index.create(conn)
        if (
            conn.dialect.name == "postgresql"
        ):  # the ids were given explicitly: move the sequences on
            for t in (
                s.managers,
                s.products,
                s.tags,
                s.property_definitions,
                s.customers,
                s.orders,
                s.order_lines,
                s.interactions,
                s.segments,
            ):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), (SELECT max(id) FROM {t.name}))"
                )
    analyze(engine)
