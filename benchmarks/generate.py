"""Benchmark: ``storage.demo.generate`` against a bare executemany of same-shaped rows.

Each measurement runs in its own process on a fresh, migrated database, so peak RSS is the
process's own. The baseline inserts the same number of customers, orders and order lines
(random values of the same types, no realism) with the driver's plain ``executemany``, no
SQLAlchemy; the ratio says what realism, streaming and the extra tables cost. Run::

    .venv/bin/python benchmarks/generate.py --customers 100000 --orders 500000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import in_subprocess  # noqa: E402

PG_URL = os.environ.get("CUSTBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TODAY = date(2026, 11, 22)


def _fresh_url(backend: str, tmp: str) -> tuple[str, str | None]:
    from sqlalchemy import create_engine, text

    if backend == "sqlite":
        return f"sqlite:///{tmp}/bench-{uuid.uuid4().hex[:8]}.sqlite", None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return f"{PG_URL}?options=-csearch_path%3D{schema}", schema


def _drop(schema: str | None) -> None:
    if schema:
        from sqlalchemy import create_engine, text

        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _run_generate(url: str, customers: int, orders: int, out: mp.Queue) -> None:
    from storage.db import connect
    from storage.demo import generate

    engine = connect(url)
    started = time.perf_counter()
    s = generate(engine, customers=customers, orders=orders, seed=1, today=TODAY)
    seconds = time.perf_counter() - started
    rows = s.customers + s.orders + s.order_lines + s.interactions + s.customer_tags
    with engine.connect() as conn:
        from sqlalchemy import func, select

        from storage import schema as t

        rows += conn.scalar(select(func.count()).select_from(t.customer_properties)) or 0
    out.put({"seconds": seconds, "rows": rows, "lines": s.order_lines, "rss_mb": _rss_mb()})


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_baseline(url: str, customers: int, orders: int, lines: int, out: mp.Queue) -> None:
    """Random rows of the same shape, plain DB-API executemany in chunks of 10,000."""
    from storage.db import connect

    engine = connect(url)
    rng = random.Random(1)
    raw = engine.raw_connection()
    cur = raw.cursor()
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    started = time.perf_counter()

    def load(sql: str, make: Callable[[int], tuple[Any, ...]], n: int) -> None:
        for lo in range(0, n, 10_000):
            cur.executemany(sql, [make(i) for i in range(lo, min(n, lo + 10_000))])

    def p(k: int) -> str:
        return ", ".join([mark] * k)

    load(
        f"INSERT INTO customers (id, external_id, name, city, region, country, industry, email, phone, status, "
        f"rating, rating_pinned, created_at) VALUES ({p(13)})",
        lambda i: (
            i + 1,
            f"C{i:07d}",
            f"Company {rng.random()}",
            "Moscow",
            "Central",
            "Russia",
            "retail",
            "a@b.ru",
            "+7 900",
            "active",
            "A",
            False,
            TODAY - timedelta(days=rng.randrange(3000)),
        ),
        customers,
    )
    load(
        f"INSERT INTO orders (id, order_no, customer_id, date) VALUES ({p(4)})",
        lambda i: (
            i + 1,
            f"SO-{i:08d}",
            rng.randrange(customers) + 1,
            TODAY - timedelta(days=rng.randrange(730)),
        ),
        orders,
    )
    raw.commit()
    cur.execute("SELECT id FROM products")  # none yet: make one product for the lines
    cur.execute(f"INSERT INTO products (id, sku, name) VALUES ({p(3)})", (1, "X", "X"))
    load(
        f"INSERT INTO order_lines (id, order_id, line_no, product_id, quantity, amount) VALUES ({p(6)})",
        lambda i: (
            i + 1,
            rng.randrange(orders) + 1,
            i,
            1,
            float(rng.randrange(1, 9)),
            rng.random() * 1e4,
        ),
        lines,
    )
    raw.commit()
    seconds = time.perf_counter() - started
    out.put({"seconds": seconds, "rows": customers + orders + lines, "rss_mb": _rss_mb()})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--orders", type=int, default=500_000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            url, schema = _fresh_url(backend, tmp)
            try:
                gen = in_subprocess(_run_generate, url, args.customers, args.orders)
            finally:
                _drop(schema)
            url, schema = _fresh_url(backend, tmp)
            try:
                base = in_subprocess(_run_baseline, url, args.customers, args.orders, gen["lines"])
            finally:
                _drop(schema)
            g_rate, b_rate = gen["rows"] / gen["seconds"], base["rows"] / base["seconds"]
            report[backend] = {
                "generate": {**gen, "rows_per_s": round(g_rate)},
                "baseline_executemany": {**base, "rows_per_s": round(b_rate)},
                "generate_vs_baseline_rows_per_s": round(g_rate / b_rate, 2),
            }
            print(
                f"{backend}: generate {gen['rows']:,} rows in {gen['seconds']:.1f} s = {g_rate:,.0f} rows/s, "
                f"peak RSS {gen['rss_mb']:.0f} MB | baseline {base['rows']:,} rows in {base['seconds']:.1f} s = "
                f"{b_rate:,.0f} rows/s, peak RSS {base['rss_mb']:.0f} MB | ratio {g_rate / b_rate:.2f}",
                flush=True,
            )
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
