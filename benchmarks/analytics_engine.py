"""The DuckDB copy against the primary and against DuckDB hand SQL, every answer checked equal,
and the routing (copy when current, the primary when stale, the echo when stale is allowed).

For each worked example and common shape (``query_shapes``): custbot on the primary, custbot on
the copy, the hand-written SQL on the primary and on the copy (DuckDB hand SQL); ratios against
DuckDB hand SQL, the worst named; medians of ``--runs`` alternating rounds (the first timed
too). Then the class aggregate (the recompute's heavy part) on both.

Example::

    python benchmarks/analytics_engine.py --smoke                       # CI: 3,000 customers
    python benchmarks/analytics_engine.py --db sqlite:///benchmarks/results/scale-1m.sqlite --runs 3
    python benchmarks/analytics_engine.py --db postgresql+psycopg://…/bench --only "spend by city"

``--only SUBSTRING`` (repeatable) measures only the shapes whose question contains one of the
substrings (case-insensitive); the class aggregate and the routing part still run unless
``--no-recompute`` / ``--no-routing`` say otherwise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text, update  # noqa: E402

from benchmarks._timing import load_note  # noqa: E402
from benchmarks.query_language import TODAY, _answers  # noqa: E402
from benchmarks.query_language_data import build_synthetic  # noqa: E402
from benchmarks.query_shapes import COMMON, WORKED  # noqa: E402


def _timed(fn: Any) -> tuple[Any, float]:
    """(answer, wall seconds)."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _chosen(only: list[str] | None) -> list[Any]:
    """The shapes to measure: all, or those whose question contains one of ``only``."""
    cases = WORKED + COMMON
    if not only:
        return cases
    wanted = [o.lower() for o in only]
    return [c for c in cases if any(w in c.query.lower() for w in wanted)]


def bench(
    url: str,
    customers: int,
    products: int,
    runs: int,
    copy_path: Path,
    only: list[str] | None = None,
    recompute: bool = True,
    routing: bool = True,
) -> bool:
    import query_language as ql
    from query_language import CatalogCache, interpret
    from storage.columnar import ColumnarCopy
    from storage.db import connect

    engine = connect(url)
    with engine.connect() as conn:
        empty = not conn.execute(text("SELECT count(*) FROM customers")).scalar()
    if empty:
        t0 = time.perf_counter()
        build_synthetic(engine, customers, products)
        print(f"  built {customers:,} customers in {time.perf_counter() - t0:.1f} s")
    copy = ColumnarCopy(copy_path, memory_limit="2GB", threads=2)
    report = copy.rebuild(engine)
    data = copy.data_file()
    size = data.stat().st_size / 1e6 if data else 0
    print(
        f"\n[{engine.dialect.name}] copy built in {report.seconds:.2f} s: {report.state.lines:,} "  # type: ignore[union-attr]
        f"lines, {size:.0f} MB on disk; {load_note()}"
    )
    catalog = CatalogCache(engine).get()
    duck = copy.engine()
    assert duck is not None
    ok = True
    ratios: dict[str, float] = {}
    print(
        "  custbot primary / custbot copy / hand primary / DuckDB hand (ms, wall), copy ÷ DuckDB hand"
    )
    with engine.connect() as conn, duck.connect() as dconn:
        for case in _chosen(only):
            query = interpret(case.query, catalog, today=TODAY, language="en")
            ours_p, hand_p = _answers(conn, case, query, ql)
            ours_d, hand_d = _answers(dconn, case, query, ql)
            fns = (ours_p, ours_d, hand_p, hand_d)
            first = [_timed(f) for f in fns]  # the first run is also timed (a 1M base is slow)
            answers = [a for a, _t in first]
            same = all(a == answers[0] for a in answers)
            ok &= same
            # Alternating rounds (each round runs all four), so that a change in the machine's
            # load falls on all four alike and the ratios of one run stay comparable.
            samples = [[t0] for _a, t0 in first]
            for _ in range(runs - 1):
                for f, got in zip(fns, samples, strict=True):
                    got.append(_timed(f)[1])
            t = [statistics.median(got) for got in samples]
            ratios[case.query] = t[1] / t[3]
            print(
                f"  {1000 * t[0]:8.1f} {1000 * t[1]:8.1f} {1000 * t[2]:8.1f} {1000 * t[3]:8.1f}"
                f"  {t[1] / t[3]:5.2f}x  {t[0] / t[1]:6.1f}x faster  {case.query}"
                f"{'' if same else '  (ANSWERS DIFFER)'}"
            )
        if ratios:
            worst = max(ratios, key=ratios.__getitem__)
            print(f"  worst copy ÷ DuckDB hand: {ratios[worst]:.2f}x ({worst}); target <= 2x")
    if recompute:
        ok &= _recompute(engine, copy, runs)
    if routing:
        ok &= _routing(engine, copy_path, catalog)
    copy.close()
    engine.dispose()
    return ok


def _recompute(engine: Any, copy: Any, runs: int) -> bool:
    """The class aggregate (the recompute's heavy query) on the primary and on the copy."""
    from analytics.aggregate import _frame, _statement, default_window

    window = default_window(TODAY, 12)
    duck = copy.engine()
    with engine.connect() as conn, duck.connect() as dconn:

        def on(c: Any) -> Any:
            return _frame(c.execute(_statement(c, window, TODAY)).all())

        (a, tp), (b, td) = _timed(lambda: on(conn)), _timed(lambda: on(dconn))
        cols = ["customer_id", "revenue", "frequency", "recency_days"]
        a = a.sort_values("customer_id").reset_index(drop=True)[cols]
        b = b.sort_values("customer_id").reset_index(drop=True)[cols]
        same = a.round(2).equals(b.round(2))
    print(
        f"  class aggregate (recompute): primary {tp:.2f} s, copy {td:.2f} s ({tp / td:.1f}x), "
        f"{len(a):,} customers{'' if same else '  (ANSWERS DIFFER)'}"
    )
    return same


def _routing(engine: Any, copy_path: Path, catalog: Any) -> bool:
    """The routed path, the fallback to the primary when stale, and the stale echo."""
    from query_language import interpret, run_query
    from query_language.route import configure, unconfigure
    from storage.columnar import ColumnarSettings
    from storage.schema import customers

    q = interpret("spend by city this year", catalog, today=TODAY)
    base: dict[str, Any] = {"engine": "duckdb", "refresh": "scheduled", "threads": 2}
    router = configure(engine, ColumnarSettings(**base), copy_path)
    assert router is not None
    try:
        with engine.connect() as conn:
            t0 = time.perf_counter()
            first = run_query(conn, q)
            routed = time.perf_counter() - t0
        with engine.begin() as conn:  # a write the copy does not have yet
            conn.execute(
                update(customers)
                .where(customers.c.id == 1)
                .values(rating=customers.c.rating)  # no change of value, still a write
            )
        with engine.connect() as conn:
            t0 = time.perf_counter()
            fallback = run_query(conn, q)
            primary = time.perf_counter() - t0
        stale_router = configure(
            engine, ColumnarSettings(**base, max_stale_seconds=3600), copy_path
        )
        with engine.connect() as conn:
            stale = run_query(conn, q)
        refreshed = configure(engine, ColumnarSettings(engine="duckdb", threads=2), copy_path)
        with engine.connect() as conn:
            t0 = time.perf_counter()
            again = run_query(conn, q)
            on_query = time.perf_counter() - t0
        ok = (
            router.counts == {"copy": 1, "primary": 1}
            and stale_router is not None
            and stale_router.counts == {"stale": 1}
            and "analytics copy" in stale.interpretation
            and refreshed is not None
            and refreshed.counts == {"refresh": 1, "copy": 1}
            and first.groups == fallback.groups == stale.groups == again.groups
        )
        print(
            f"  routing: copy {1000 * routed:.1f} ms; stale → primary {1000 * primary:.1f} ms; "
            f"stale allowed → copy with the echo '…{stale.interpretation[-60:]}'; refresh on "
            f"query + copy {1000 * on_query:.1f} ms; {'ok' if ok else 'WRONG'}"
        )
        return ok
    finally:
        unconfigure(engine)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="3,000 customers, SQLite and PostgreSQL")
    ap.add_argument("--db", action="append", help="a database URL (built when empty); repeatable")
    ap.add_argument("--customers", type=int, default=3000)
    ap.add_argument("--products", type=int, default=300)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--copy-dir", default=None, help="where the copies go (default: a temp dir)")
    ap.add_argument(
        "--only",
        action="append",
        metavar="SUBSTRING",
        help="only the shapes whose question contains this (case-insensitive); repeatable",
    )
    ap.add_argument("--no-recompute", action="store_true", help="skip the class aggregate")
    ap.add_argument("--no-routing", action="store_true", help="skip the routing part")
    args = ap.parse_args(argv)
    if args.only and not _chosen(args.only):
        ap.error(f"no shape's question contains any of {args.only}")
    tmp = Path(args.copy_dir or tempfile.mkdtemp(prefix="custbot-duck-"))
    urls = args.db or []
    if args.smoke or not urls:
        urls = urls or [f"sqlite:///{tmp / 'smoke.sqlite'}"]
    ok = True
    for i, url in enumerate(urls):
        ok &= bench(
            url,
            args.customers,
            args.products,
            args.runs,
            tmp / f"copy-{i}.duckdb",
            only=args.only,
            recompute=not args.no_recompute,
            routing=not args.no_routing,
        )
    print("all answers equal" if ok else "SOME ANSWERS DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
