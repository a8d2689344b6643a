"""Benchmark of the query-language catalog: load time, memory, signature checks and the first
query after a bulk rating, before (every customer name in memory, signature over customers)
vs after (names looked up in SQL, values re-read by a loose index scan).

For each size (2,000, 100,000 and 1,000,000 customers by default) a database of customers is
loaded set-based (``storage.bulk.insert_rows``; only the customers table and the small catalog
tables matter), then each variant runs in a fresh worker process so its RSS is its own:

* ``load``: the catalog read and its English index built, seconds and RSS growth (MiB);
* ``check``: one signature check (median of 5);
* ``first query``: ``card <name>`` right after ``UPDATE customers SET rating, updated_at`` on
  100,000 customers (all of them when fewer), i.e. the check, any rebuild, and the query;
* ``card``: a steady-state ``card <name>`` (median of 20; after: one SQL lookup per query).

The "before" baseline is the previous design, rebuilt here: ``Catalog`` with every customer
name among its values (indexed like any value) and the old signature (four COUNT(DISTINCT …)
and max(updated_at) over customers).

Usage::

    .venv/bin/python benchmarks/catalog.py                    # SQLite, 2k / 100k / 1M
    .venv/bin/python benchmarks/catalog.py --sizes 2000 20000 --backend postgresql
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import DEFAULT_PG_URL, fmt_ms, load_note, median, print_table, rss_mb, timed  # noqa: E402
from sqlalchemy import Engine, func, select, text, update  # noqa: E402

from query_language import CatalogCache, interpret  # noqa: E402
from query_language.catalog import Catalog, read_values  # noqa: E402
from storage import schema as s  # noqa: E402
from storage.bulk import insert_rows  # noqa: E402
from storage.db import analyze, connect  # noqa: E402

__all__ = ["load_data", "old_catalog", "old_signature", "main"]

TODAY = date(2026, 11, 22)
_WORDS = (
    "Romashka",
    "Vasilek",
    "Lotos",
    "Sever",
    "Yug",
    "Volga",
    "Ural",
    "Baltic",
    "Orion",
    "Vega",
    "Altai",
    "Neva",
    "Don",
    "Kama",
    "Oka",
    "Pion",
    "Gran",
    "Kvant",
    "Sigma",
    "Delta",
)
_FORMS = ("LLC", "Trading", "Group", "Tools", "Supply", "Holding", "Plus", "Service")


def load_data(engine: Engine, n: int) -> None:
    """``n`` customers (600 cities, 80 regions, 20 countries, 30 industries), 50 managers,
    60 products, 10 tags."""
    with engine.begin() as conn:
        insert_rows(
            conn,
            s.managers,
            ["id", "name", "surname"],
            [(i, f"Name{i} Surname{i}", f"Surname{i}") for i in range(1, 51)],
        )
        insert_rows(
            conn,
            s.products,
            ["id", "sku", "name", "category"],
            [
                (i, f"SKU-{i}", f"Product {_WORDS[i % 20]} {i}", f"category {i % 8}")
                for i in range(1, 61)
            ],
        )
        insert_rows(conn, s.tags, ["id", "name"], [(i, f"tag{i}") for i in range(1, 11)])
        rows = (
            (
                i,
                f"E{i}",
                f"{_WORDS[i % 20]} {_WORDS[i // 20 % 20]} {_FORMS[i % 8]} {i}",
                f"City{i % 600}",
                f"Region{i % 80}",
                f"Country{i % 20}",
                f"Industry{i % 30}",
                1 + i % 50,
                TODAY,
            )
            for i in range(1, n + 1)
        )
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
                "created_at",
            ],
            rows,
        )
    analyze(engine)


def old_catalog(engine: Engine) -> Catalog:
    """The previous design: every customer name held and indexed with the other values."""
    with engine.connect() as conn:
        raw = read_values(conn)
        names = list(conn.execute(select(s.customers.c.id, s.customers.c.name)))
    from query_language.catalog import _from_values

    cat = _from_values(raw, None)
    cat.values["customer"] = [(cid, name) for cid, name in names]
    return cat


def old_signature(engine: Engine) -> tuple:
    """The previous signature: counts and max ids, max(updated_at), four COUNT(DISTINCT …)."""
    c = s.customers.c
    with engine.connect() as conn:
        parts: list[Any] = []
        for t in (s.customers, s.managers, s.products, s.tags, s.segments, s.property_definitions):
            parts.extend(conn.execute(select(func.count(), func.max(t.c.id))).one())
        parts.extend(
            conn.execute(
                select(
                    func.max(c.updated_at),
                    func.count(c.city.distinct()),
                    func.count(c.region.distinct()),
                    func.count(c.country.distinct()),
                    func.count(c.industry.distinct()),
                )
            ).one()
        )
    return tuple(str(x) for x in parts)


def _bulk_rate(engine: Engine, n: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(s.customers)
            .where(s.customers.c.id <= min(n, 100_000))
            .values(rating="A", updated_at=datetime.now())
        )


def _worker(url: str, variant: str, n: int) -> dict[str, float]:
    engine = connect(url, migrate=False)
    name = f"{_WORDS[7 % 20]} {_WORDS[0]} {_FORMS[7]} 7"  # customer 7
    out: dict[str, float] = {}
    before = rss_mb()
    if variant == "before":
        holder: list[Catalog] = []

        def load() -> object:
            holder.append(old_catalog(engine))
            return holder[-1].index("en")

        out["load"] = timed(load)
        out["rss"] = rss_mb() - before
        out["check"] = median([timed(lambda: old_signature(engine)) for _ in range(5)])
        out["card"] = median(
            [timed(lambda: interpret(f"card {name}", holder[-1], TODAY)) for _ in range(20)]
        )
        sig = old_signature(engine)
        _bulk_rate(engine, n)

        def first() -> None:
            cat = holder[-1]
            if old_signature(engine) != sig:
                cat = old_catalog(engine)
                cat.index("en")
            interpret(f"card {name}", cat, TODAY)

        out["first"] = timed(first)
    else:
        cache = CatalogCache(engine, check_every=0.0, languages=("en",))
        out["load"] = timed(cache.get)
        out["rss"] = rss_mb() - before
        out["check"] = median([timed(cache.get) for _ in range(5)])
        catalog = cache.get()
        out["card"] = median(
            [timed(lambda: interpret(f"card {name}", catalog, TODAY)) for _ in range(20)]
        )
        _bulk_rate(engine, n)
        out["first"] = timed(lambda: interpret(f"card {name}", cache.get(), TODAY))
    with engine.begin() as conn:  # put the ratings back for the next variant
        conn.execute(text("UPDATE customers SET rating = NULL, updated_at = NULL"))
    engine.dispose()
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 100_000, 1_000_000])
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--pg", default=DEFAULT_PG_URL)
    ap.add_argument("--worker", nargs=3, metavar=("URL", "VARIANT", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        url, variant, n = args.worker
        print(json.dumps(_worker(url, variant, int(n))))
        return
    from _timing import scratch_database

    print(f"catalog benchmark, {args.backend}; {load_note()}")
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="custbot-catalog-") as tmp:
        for n in args.sizes:
            sqlite_url = f"sqlite:///{tmp}/c{n}.sqlite" if args.backend == "sqlite" else None
            with scratch_database(args.backend, pg_url=args.pg, sqlite_url=sqlite_url) as engine:
                load_data(engine, n)
                url = engine.url.render_as_string(hide_password=False)
                with engine.connect() as conn:
                    assert conn.execute(select(func.count()).select_from(s.customers)).scalar() == n
                got: dict[str, dict[str, float]] = {}
                for variant in ("before", "after"):
                    res = subprocess.run(
                        [sys.executable, __file__, "--worker", url, variant, str(n)],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    got[variant] = json.loads(res.stdout.strip().splitlines()[-1])
                b, a = got["before"], got["after"]
                for key, label in (
                    ("load", "load + index"),
                    ("check", "signature check"),
                    ("first", "first query after bulk rating"),
                    ("card", "card <name>"),
                ):
                    rows.append(
                        [
                            f"{n:,} {label}",
                            fmt_ms(b[key]),
                            fmt_ms(a[key]),
                            f"{b[key] / a[key]:.1f}x",
                        ]
                    )
                rows.append(
                    [f"{n:,} RSS growth at load", f"{b['rss']:.1f} MiB", f"{a['rss']:.1f} MiB", ""]
                )
                print(f"  {n:,} done", flush=True)
    print_table(["size / measure", "before", "after", "speed-up"], rows)


if __name__ == "__main__":
    main()
