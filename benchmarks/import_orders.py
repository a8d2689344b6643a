"""Benchmark: import a generated N-line sales CSV into SQLite (and with ``--pg`` into
PostgreSQL); time, rows/s and memory growth.

The baseline, measured in the same run, is the bare fastest load of the same rows into one plain
table: ``sqlite3`` ``executemany`` (rows parsed with the ``csv`` module) on SQLite, a psycopg
``COPY … FROM STDIN (FORMAT csv)`` of the file on PostgreSQL. Each phase runs in a fresh process so its
memory is its own. Target: < 60 s for 1,000,000 lines, and memory that does not grow with the
file: a smaller run (``--small``, default 100,000 lines) is measured too, and each run samples
its RSS and SQLite's own allocations after every chunk. Wall time on a shared machine follows the
load, so CPU time is reported beside it and both are compared with the baseline as ratios.
``--cache-kib 65536 8192`` imports with each page-cache size in turn (65536 = the connection
default of ``storage.db``, i.e. memory before this benchmark's fix).

    .venv/bin/python benchmarks/import_orders.py --lines 1000000 --small 100000
    .venv/bin/python benchmarks/import_orders.py --lines 1000000 --customers 1000000 --pg URL
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import multiprocessing
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import in_subprocess  # noqa: E402

__all__ = ["generate", "main"]


def generate(folder: Path, lines: int, n_customers: int, n_products: int) -> Path:
    """Write customers.csv, products.csv and sales.csv (``lines`` lines, ~3 per order)."""
    rnd = random.Random(7)
    with (folder / "customers.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["external_id", "name", "city"])
        w.writerows(
            (f"C{i}", f"Customer {i}", rnd.choice(["Moscow", "Kazan", "Omsk"]))
            for i in range(n_customers)
        )
    prices = [round(rnd.uniform(1, 500), 2) for _ in range(n_products)]
    with (folder / "products.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sku", "name", "price"])
        w.writerows((f"P{i}", f"Product {i}", prices[i]) for i in range(n_products))
    start = date(2024, 1, 1)
    path = folder / "sales.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "customer_id", "date", "sku", "quantity", "amount"])
        line = order = 0
        while line < lines:
            order += 1
            customer, day = (
                rnd.randrange(n_customers),
                (start + timedelta(days=rnd.randrange(700))).isoformat(),
            )
            for _ in range(min(rnd.randint(1, 5), lines - line)):
                p, q = rnd.randrange(n_products), rnd.choice([1, 1, 2, 3, 5, -1])
                w.writerow([f"O{order}", f"C{customer}", day, f"P{p}", q, round(q * prices[p], 2)])
                line += 1
    return path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    """The resident set now (Linux), the peak elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return _peak_mb()
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _sqlite_mb() -> float:
    """Memory SQLite itself holds now (page caches, sorters), or -1 when not reachable."""
    try:
        import _sqlite3

        lib = ctypes.CDLL(_sqlite3.__file__)
        lib.sqlite3_memory_used.restype = ctypes.c_int64
        return lib.sqlite3_memory_used() / 2**20
    except (AttributeError, ImportError, OSError):
        return -1.0


def _baseline(path: Path, db: Path, out: multiprocessing.Queue) -> None:
    t, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(db)
    conn.execute(
        "create table lines (order_id text, customer_id text, date text, sku text, quantity real, amount real)"
    )
    with path.open(newline="") as f:
        rows = csv.reader(f)
        next(rows)
        conn.executemany("insert into lines values (?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    out.put((time.perf_counter() - t, time.process_time() - cpu, _peak_mb()))


def _baseline_pg(path: Path, url: str, out: multiprocessing.Queue) -> None:
    from benchmarks._timing import scratch_database

    with scratch_database("postgresql", pg_url=url) as engine, engine.connect() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE lines (order_id text, customer_id text, date date, sku text, "
            "quantity real, amount real)"
        )
        t, cpu = time.perf_counter(), time.process_time()
        dbapi: Any = conn.connection.driver_connection
        with (
            path.open("rb") as f,
            dbapi.cursor() as cur,
            cur.copy("COPY lines FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while block := f.read(1 << 20):
                copy.write(block)
        conn.commit()
        out.put((time.perf_counter() - t, time.process_time() - cpu, _peak_mb()))


def _import(
    folder: Path, db: Path | str, cache_kib: int | None, out: multiprocessing.Queue
) -> None:
    import storage.importing as importing
    from storage.db import connect

    if cache_kib:
        default = importing.import_settings  # type: ignore[attr-defined]  # patched below

        def settings(conn: Connection, **_: Any) -> AbstractContextManager[None]:
            return default(conn, cache_kib=cache_kib)  # every kind, whatever the importer asks

        importing.import_settings = settings  # type: ignore[attr-defined,assignment]
    if isinstance(db, str):  # a PostgreSQL server: a scratch schema
        from benchmarks._timing import scratch_database

        with scratch_database("postgresql", pg_url=db) as engine:
            _imports(engine, folder, out)
        return
    _imports(connect(f"sqlite:///{db}"), folder, out)


def _imports(engine: Engine, folder: Path, out: multiprocessing.Queue[Any]) -> None:
    from storage.imports import import_file

    t = time.perf_counter()
    import_file(engine, "customers", folder / "customers.csv")
    customers_s = time.perf_counter() - t
    import_file(engine, "products", folder / "products.csv")
    samples: list[tuple[int, float, float]] = []  # (lines done, RSS, SQLite's memory) per chunk
    before = _rss_mb()
    t, cpu = time.perf_counter(), time.process_time()
    report = import_file(engine, "sales", folder / "sales.csv",
                         progress=lambda done, _: samples.append((done, _rss_mb(), _sqlite_mb())))  # fmt: skip
    took, used = time.perf_counter() - t, time.process_time() - cpu
    peak = _peak_mb()
    t = time.perf_counter()
    again = import_file(engine, "sales", folder / "sales.csv")
    out.put({"took": took, "cpu": used, "rss": peak, "rss_before": before, "samples": samples,
             "summary": report.summary(), "again": time.perf_counter() - t, "changed": again.changed,
             "rss_again": _peak_mb(), "customers_s": customers_s})  # fmt: skip


def _measure(
    folder: Path,
    lines: int,
    customers: int,
    products: int,
    caches: list[int | None],
    pg: str | None = None,
) -> list[dict]:
    t = time.perf_counter()
    path = generate(folder, lines, customers, products)
    made = time.perf_counter() - t
    if pg:
        base, base_cpu, base_rss = in_subprocess(_baseline_pg, path, pg)
        r = in_subprocess(_import, folder, pg, None)
        r.update(lines=lines, mb=path.stat().st_size / 1e6, made=made, base=base, base_cpu=base_cpu,
                 base_rss=base_rss, cache=None, backend="postgresql", customers=customers)  # fmt: skip
        return [r]
    base, base_cpu, base_rss = in_subprocess(_baseline, path, folder / "baseline.sqlite")
    runs = []
    for cache in caches:
        db = folder / f"custbot-{cache}.sqlite"
        r = in_subprocess(_import, folder, db, cache)
        r.update(lines=lines, mb=path.stat().st_size / 1e6, made=made, base=base, base_cpu=base_cpu,
                 base_rss=base_rss, cache=cache, backend="sqlite", customers=customers)  # fmt: skip
        runs.append(r)
        for f in folder.glob(db.name + "*"):
            f.unlink()
    return runs


def _report(r: dict) -> None:
    n, s = r["lines"], r["samples"]
    cache = f" (page cache {r['cache']} KiB)" if r["cache"] else ""
    print(
        f"--- {r['backend']}: {n:,} lines ({r['mb']:.0f} MB, generated in {r['made']:.1f} s){cache}; "
        f"{r['customers']:,} customers imported first in {r['customers_s']:.1f} s"
    )
    bare = "COPY of the CSV" if r["backend"] == "postgresql" else "sqlite3 executemany"
    print(
        f"baseline  {bare + ':':<21}{r['base']:6.1f} s wall {r['base_cpu']:6.1f} s CPU  "
        f"{n / r['base']:>10,.0f} rows/s  peak RSS {r['base_rss']:5.0f} MB"
    )
    print(
        f"custbot   import sales:        {r['took']:6.1f} s wall {r['cpu']:6.1f} s CPU  "
        f"{n / r['took']:>10,.0f} rows/s  peak RSS {r['rss']:5.0f} MB"
    )
    print(
        f"ratio     import / baseline:   {r['took'] / r['base']:.1f}x wall, {r['cpu'] / r['base_cpu']:.1f}x CPU"
        + (f"   target < 60 s: {'met' if r['took'] < 60 else 'MISSED'}" if n >= 1_000_000 else "")
    )
    if s:
        high = max(s, key=lambda x: x[1])
        half = s[len(s) // 2]
        print(
            f"memory    RSS before the import {r['rss_before']:.0f} MB; after chunk 1 {s[0][1]:.0f} MB, "
            f"at line {half[0]:,} {half[1]:.0f} MB, after the last chunk {s[-1][1]:.0f} MB "
            f"({s[-1][1] - s[0][1]:+.0f} MB over {len(s)} chunks); "
            f"per-chunk high-water {high[1]:.0f} MB at line {high[0]:,}; SQLite's own memory "
            f"{s[0][2]:.1f} → {s[-1][2]:.1f} MB; peak incl. index rebuild {r['rss']:.0f} MB"
        )
    print(
        f"re-import of the same file:    {r['again']:6.1f} s  changed anything: {r['changed']}  "
        f"peak RSS after it {r['rss_again']:.0f} MB"
    )
    print(r["summary"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument(
        "--small", type=int, default=100_000, help="a second, smaller run (0: none)"
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument(
        "--pg",
        metavar="URL",
        default=None,
        help="import into PostgreSQL at URL instead (a scratch schema; baseline: COPY)",
    )
    parser.add_argument("--cache-kib", type=int, nargs="*", default=[],
                        help="import once per SQLite page-cache size (KiB) instead of the import's own")  # fmt: skip
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cpus, load at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    caches: list[int | None] = list(args.cache_kib) or [None]
    results: list[list[dict]] = []
    for lines in sorted({n for n in (args.small, args.lines) if n}):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(
                _measure(Path(tmp), lines, args.customers, args.products, caches, args.pg)
            )
        print(
            f"(measured {lines:,} lines; load now {' '.join(f'{x:.2f}' for x in os.getloadavg())})",
            flush=True,
        )
    for runs in results:
        for r in runs:
            _report(r)
    if len(results) == 2:
        for small, big in zip(*results, strict=True):
            cache = f" (page cache {small['cache']} KiB)" if small["cache"] else ""
            print(
                f"memory growth{cache}: peak RSS {small['rss']:.0f} MB at {small['lines']:,} lines vs "
                f"{big['rss']:.0f} MB at {big['lines']:,} ({(big['rss'] / small['rss'] - 1) * 100:+.0f}% "
                f"for {big['lines'] // small['lines']}x the lines; executemany baseline "
                f"{small['base_rss']:.0f} vs {big['base_rss']:.0f} MB)"
            )
    print(
        f"load at end {' '.join(f'{x:.2f}' for x in os.getloadavg())} (the machine is shared: compare ratios)"
    )


if __name__ == "__main__":
    main()
