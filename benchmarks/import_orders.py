"""Benchmark: import a generated N-line sales CSV into SQLite; wall time, rows/s, peak RSS.

The baseline, measured in the same run, is a bare ``sqlite3`` ``executemany`` of the same rows
(parsed with the ``csv`` module) into one plain table. Each phase runs in a fresh process so
its peak RSS is its own. Target: < 60 s for 1,000,000 lines; memory must not grow with the file, so a smaller run
(``--small``, default 100,000 lines) is measured too and the peak RSS of both is compared.

    .venv/bin/python benchmarks/import_orders.py --lines 1000000 --small 100000
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def _baseline(path: Path, db: Path, out: multiprocessing.Queue) -> None:
    t = time.perf_counter()
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
    out.put((time.perf_counter() - t, _peak_mb()))


def _import(folder: Path, db: Path, out: multiprocessing.Queue) -> None:
    from storage.db import connect
    from storage.imports import import_file

    engine = connect(f"sqlite:///{db}")
    import_file(engine, "customers", folder / "customers.csv")
    import_file(engine, "products", folder / "products.csv")
    before = _peak_mb()
    t = time.perf_counter()
    report = import_file(engine, "sales", folder / "sales.csv")
    took = time.perf_counter() - t
    t = time.perf_counter()
    again = import_file(engine, "sales", folder / "sales.csv")
    out.put((took, _peak_mb(), before, report.summary(), time.perf_counter() - t, again.changed))


def _run(target, *args):  # type: ignore[no-untyped-def]
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, out))
    proc.start()
    result = out.get()
    proc.join()
    return result


def _measure(folder: Path, lines: int, customers: int, products: int) -> dict:
    t = time.perf_counter()
    path = generate(folder, lines, customers, products)
    made = time.perf_counter() - t
    base, base_rss = _run(_baseline, path, folder / "baseline.sqlite")
    took, rss, rss_before, summary, again, changed = _run(_import, folder, folder / "custbot.sqlite")
    return {"lines": lines, "mb": path.stat().st_size / 1e6, "made": made, "base": base,
            "base_rss": base_rss, "took": took, "rss": rss, "rss_before": rss_before,
            "summary": summary, "again": again, "changed": changed}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="a second, smaller run (0: none)")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--products", type=int, default=5_000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cpus, load at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = []
    for lines in [n for n in (args.small, args.lines) if n]:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(_measure(Path(tmp), lines, args.customers, args.products))
    for r in results:
        n = r["lines"]
        print(f"--- {n:,} lines ({r['mb']:.0f} MB, generated in {r['made']:.1f} s)")
        print(f"baseline  sqlite3 executemany: {r['base']:6.1f} s  {n / r['base']:>10,.0f} rows/s  "
              f"peak RSS {r['base_rss']:5.0f} MB")
        print(f"custbot   import sales:        {r['took']:6.1f} s  {n / r['took']:>10,.0f} rows/s  "
              f"peak RSS {r['rss']:5.0f} MB (before the sales import {r['rss_before']:.0f} MB)")
        print(f"ratio     import / baseline:   {r['took'] / r['base']:.1f}x"
              + (f"   target < 60 s: {'met' if r['took'] < 60 else 'MISSED'}" if n >= 1_000_000 else ""))
        print(f"re-import of the same file:    {r['again']:6.1f} s  changed anything: {r['changed']}")
        print(r["summary"])
    if len(results) == 2:
        small, big = results
        print(f"memory: peak RSS {small['rss']:.0f} MB at {small['lines']:,} lines vs {big['rss']:.0f} MB at "
              f"{big['lines']:,} ({big['rss'] - small['rss']:+.0f} MB for {big['lines'] // small['lines']}x the lines)")
    print(f"load at end {' '.join(f'{x:.2f}' for x in os.getloadavg())} (the machine is shared: compare ratios)")


if __name__ == "__main__":
    main()
