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
``--no-recompute`` / ``--no-routing`` say otherwise. ``--only recompute`` runs the class
recompute alone (against its DuckDB hand-SQL baseline).
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

from sqlalchemy import select, text, update  # noqa: E402

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
        for case in [] if only == ["recompute"] else _chosen(only):
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
        ok &= _recompute(engine, copy, copy_path, runs)
    if routing and only != ["recompute"]:
        ok &= _routing(engine, copy_path, catalog)
    copy.close()
    engine.dispose()
    return ok


# The whole ABC / XYZ / RFM classification as one hand-written DuckDB statement (the baseline of
# the recompute): per order first (no DISTINCT), then per customer and month, then per customer;
# the spec's windows, thresholds and tie rules (docs/analytics.md, analytics/classify.py): ABC by
# revenue descending, ties by external_id, on the share *before* the customer; XYZ from the first
# two moments of the counted months; R/F/M quintiles by interpolated percentiles, 1e-9 slack.
_HAND_CLASSES = """
WITH per_order AS (
  SELECT o.customer_id, o.date, sum(l.amount) AS amount, max(l.quantity) > 0 AS bought
  FROM order_lines l JOIN orders o ON o.id = l.order_id
  WHERE o.date BETWEEN DATE '{start}' AND DATE '{end}'
  GROUP BY o.id, o.customer_id, o.date),
per_month AS (
  SELECT customer_id, year(date) * 12 + month(date) AS m, sum(amount) AS revenue,
         count(*) FILTER (WHERE bought) AS orders, max(date) FILTER (WHERE bought) AS last_purchase
  FROM per_order GROUP BY ALL),
agg AS (
  SELECT p.customer_id, c.external_id, round(sum(revenue), 6) AS revenue,
         round(coalesce(sum(revenue) FILTER (WHERE m BETWEEN {first} AND {last}), 0), 6) AS xyz_revenue,
         coalesce(sum(revenue * revenue) FILTER (WHERE m BETWEEN {first} AND {last}), 0) AS sum_squares,
         sum(orders) AS frequency,
         DATE '{today}' - max(last_purchase) AS recency_days
  FROM per_month p JOIN customers c ON c.id = p.customer_id GROUP BY p.customer_id, c.external_id),
abc AS (
  SELECT customer_id,
         (sum(revenue) OVER (ORDER BY revenue DESC, external_id ROWS UNBOUNDED PRECEDING) - revenue)
           / sum(revenue) OVER () AS share
  FROM agg WHERE revenue > 0),
q AS (
  SELECT quantile_cont(recency_days, [0.2, 0.4, 0.6, 0.8]) AS qr,
         quantile_cont(frequency, [0.2, 0.4, 0.6, 0.8]) AS qf,
         quantile_cont(revenue, [0.2, 0.4, 0.6, 0.8]) AS qm
  FROM agg WHERE recency_days IS NOT NULL),
scored AS (
  SELECT a.*, abc.share,
    CASE WHEN a.recency_days IS NULL THEN NULL ELSE
      6 - (1 + len(list_filter(q.qr, x -> x + 1e-9 * greatest(1, abs(x)) < a.recency_days))) END AS r_score,
    CASE WHEN a.recency_days IS NULL THEN NULL ELSE
      1 + len(list_filter(q.qf, x -> x + 1e-9 * greatest(1, abs(x)) < a.frequency)) END AS f_score,
    CASE WHEN a.recency_days IS NULL THEN NULL ELSE
      1 + len(list_filter(q.qm, x -> x + 1e-9 * greatest(1, abs(x)) < a.revenue)) END AS m_score,
    a.xyz_revenue / {months} AS mean
  FROM agg a LEFT JOIN abc USING (customer_id) CROSS JOIN q)
SELECT customer_id,
  CASE WHEN share < {a} - 1e-9 THEN 'A' WHEN share < {b} - 1e-9 THEN 'B' ELSE 'C' END AS abc,
  CASE WHEN recency_days IS NULL OR NOT mean > 0 THEN NULL
       WHEN sqrt(greatest(sum_squares / {months} - mean * mean, 0)) / mean <= {x} + 1e-9 THEN 'X'
       WHEN sqrt(greatest(sum_squares / {months} - mean * mean, 0)) / mean <= {y} + 1e-9 THEN 'Y'
       ELSE 'Z' END AS xyz,
  r_score, f_score, m_score,
  CASE WHEN r_score IS NULL THEN NULL
       WHEN r_score BETWEEN 4 AND 5 AND (f_score + m_score) / 2 >= 4.5 THEN 'champions'
       WHEN r_score = 1 AND (f_score + m_score) / 2 >= 4.5 THEN 'cannot lose them'
       WHEN r_score BETWEEN 3 AND 5 AND (f_score + m_score) / 2 >= 3.5 THEN 'loyal'
       WHEN r_score BETWEEN 1 AND 2 AND (f_score + m_score) / 2 >= 3.5 THEN 'at risk'
       WHEN r_score BETWEEN 3 AND 5 AND (f_score + m_score) / 2 >= 2.5 THEN 'potential loyalists'
       WHEN r_score = 2 AND (f_score + m_score) / 2 >= 2.5 THEN 'need attention'
       WHEN r_score BETWEEN 4 AND 5 AND (f_score + m_score) / 2 <= 1.5 THEN 'new'
       WHEN r_score BETWEEN 3 AND 5 THEN 'promising'
       WHEN r_score = 2 THEN 'hibernating'
       WHEN r_score = 1 THEN 'lost' END AS rfm_segment
FROM scored
"""


def _duck_classes(dconn: Any, window: Any, settings: Any) -> Any:
    """Every buying customer's classes by DuckDB hand SQL, as a DataFrame by customer_id."""
    first, last = window.month_keys
    (a, b), (x, y) = settings.abc_thresholds, settings.xyz_thresholds
    sql = _HAND_CLASSES.format(
        start=window.start,
        end=window.end,
        first=first,
        last=last,
        today=TODAY,
        months=window.months,
        a=a,
        b=b,
        x=x,
        y=y,
    )
    return dconn.connection.dbapi_connection.execute(sql).df().set_index("customer_id")


def _stored(engine: Any) -> Any:
    """The stored classes (one row per customer: the latest run's)."""
    import pandas as pd

    from storage.schema import customer_classes

    with engine.connect() as conn:
        rows = conn.execute(customer_classes.select()).mappings().all()
    return pd.DataFrame(rows).set_index("customer_id")


def _differences(stored: Any, hand: Any) -> int:
    """Customers whose stored classes differ from the hand SQL's (absent there: C, nothing)."""
    import pandas as pd

    expected = hand.reindex(stored.index)
    expected["abc"] = expected["abc"].fillna("C")
    bad = pd.Series(False, index=stored.index)
    for c in ("abc", "xyz", "rfm_segment"):
        bad |= stored[c].fillna("-").astype(str) != expected[c].fillna("-").astype(str)
    for c in ("r_score", "f_score", "m_score"):
        bad |= pd.to_numeric(stored[c]).fillna(-1) != pd.to_numeric(expected[c]).fillna(-1)
    return int(bad.sum())


def _recompute(engine: Any, copy: Any, copy_path: Path, runs: int) -> bool:
    """The class recompute (ABC / XYZ / RFM, stored) on the copy and on the primary against a
    DuckDB hand-SQL computation of the same classes on the copy, checked customer by customer.
    *read* is the aggregation + classification (what runs on the copy); the rest of the
    recompute is writing the rows back to the primary (and pruning old runs), timed apart."""
    from analytics.classes import _classified, compute_classes, resolve_window
    from custbot.config import ClassSettings
    from query_language.route import configure, unconfigure
    from storage.columnar import ColumnarSettings

    settings = ClassSettings()
    window = resolve_window(TODAY, settings)
    duck = copy.engine()
    with duck.connect() as dconn:
        hand, t_hand = _timed(lambda: _duck_classes(dconn, window, settings))
        t_hand = statistics.median(
            [t_hand]
            + [_timed(lambda: _duck_classes(dconn, window, settings))[1] for _ in range(runs - 1)]
        )

    from datetime import timedelta

    from storage.schema import class_runs

    def written(run: int) -> int:
        with engine.connect() as conn:
            q = select(class_runs.c.parameters).where(class_runs.c.id == run)
            return int(conn.execute(q).scalar_one()["rows_written"])

    def measure(refresh: Any) -> tuple[float, float, int]:
        """A day's recompute: the stored classes are yesterday's (computed untimed first), the
        run is today's; returns (read, whole run, rows written)."""
        compute_classes(engine, today=TODAY - timedelta(days=1), settings=settings)
        refresh()
        with engine.connect() as conn:
            _f, t_read = _timed(lambda: _classified(conn, window, TODAY, settings))
        run, t_all = _timed(lambda: compute_classes(engine, today=TODAY, settings=settings))
        return t_read, t_all, written(run)

    router = configure(
        engine, ColumnarSettings(engine="duckdb", refresh="scheduled", threads=2), copy_path
    )
    assert router is not None
    copied: list[tuple[float, float, int]] = []
    try:
        for _ in range(runs):
            copied.append(measure(lambda: router.copy.refresh(engine)))
        routed = router.counts.get("copy", 0) >= 3 * runs  # read, then the run's lines and rows
    finally:
        unconfigure(engine)
    diff_copy = _differences(_stored(engine), hand)
    p_read, p_all, p_written = measure(lambda: None)
    diff_primary = _differences(_stored(engine), hand)
    copy.refresh(engine)  # the routing part below starts from a current copy
    c_read = statistics.median(t[0] for t in copied)
    c_all = statistics.median(t[1] for t in copied)
    ok = routed and diff_copy == 0 and diff_primary == 0
    print(
        f"  class recompute, {len(hand):,} buying customers; DuckDB hand SQL (all classes) "
        f"{t_hand:.2f} s; a day's run over yesterday's stored classes, rows written: "
        f"{copied[-1][2]:,} (copy) / {p_written:,} ({engine.dialect.name})\n"
        f"    custbot on the copy: read {c_read:.2f} s ({c_read / t_hand:.2f}x hand), the whole "
        f"run {c_all:.2f} s ({c_all / t_hand:.2f}x; beyond the read {c_all - c_read:.2f} s); "
        f"copy refreshed before each run (not timed)\n"
        f"    custbot on {engine.dialect.name}: read {p_read:.2f} s ({p_read / t_hand:.2f}x hand), "
        f"the whole run {p_all:.2f} s ({p_all / t_hand:.2f}x; beyond the read "
        f"{p_all - p_read:.2f} s); copy vs primary read {p_read / c_read:.1f}x faster\n"
        f"    classes differing from the hand SQL: copy {diff_copy}, primary {diff_primary}"
        f"{'' if routed else '  (THE COPY DID NOT ANSWER)'}; {load_note()}"
    )
    return ok


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
        help="only the shapes whose question contains this (case-insensitive); repeatable; "
        "'--only recompute' runs the class recompute alone",
    )
    ap.add_argument("--no-recompute", action="store_true", help="skip the class aggregate")
    ap.add_argument("--no-routing", action="store_true", help="skip the routing part")
    args = ap.parse_args(argv)
    if args.only and args.only != ["recompute"] and not _chosen(args.only):
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
