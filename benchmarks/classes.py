"""Benchmark: computing ABC / XYZ / RFM classes, SQLite and PostgreSQL vs plain pandas.

For each backend a fresh database gets N customers and M order lines (synthetic: two years up
to today, lognormal customer sizes, two lines per order on average, 3% returns). Measured in the
same run, medians of ``--repeat``:

- ``compute_classes``: the shipped path (SQL GROUP BY customer, month → pandas classify →
  bulk insert of one row per customer), and its aggregate-query part alone;
- the baseline: the same classes computed by plain pandas from the raw lines already in memory
  (and, separately, the time to fetch those lines), checked to give identical classes;
- ABC classified by SQL window functions vs by pandas on the same per-customer revenue.

Usage::

    .venv/bin/python benchmarks/classes.py --small                        # 10k / 100k, quick
    .venv/bin/python benchmarks/classes.py --customers 100000 --lines 1000000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, text  # noqa: E402

from analytics.aggregate import customer_aggregates  # noqa: E402
from analytics.classes import compute_classes, resolve_window  # noqa: E402
from analytics.classify import classify  # noqa: E402
from analytics.plan import RecomputePlan  # noqa: E402
from custbot.config import ClassSettings  # noqa: E402
from storage.bulk import insert_rows  # noqa: E402
from storage.db import analyze, connect  # noqa: E402
from storage.schema import customer_classes, customers, order_lines, orders, products  # noqa: E402

PG_URL = os.environ.get("CUSTBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TODAY = date(2026, 11, 22)
SETTINGS = ClassSettings()


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _load(engine: Engine, n_customers: int, n_lines: int, seed: int = 7) -> float:
    rng = np.random.default_rng(seed)
    n_orders = max(1, n_lines // 2)
    t0 = time.perf_counter()
    weight = rng.lognormal(0, 1.2, n_customers)  # a few big customers, a long tail
    cust = rng.choice(n_customers, n_orders, p=weight / weight.sum()) + 1
    days = rng.integers(0, 730, n_orders)
    order_ids = rng.integers(1, n_orders + 1, n_lines)
    order_ids[:n_orders] = np.arange(1, n_orders + 1)
    qty = np.where(rng.random(n_lines) < 0.03, -1.0, rng.integers(1, 5, n_lines).astype(float))
    amount = np.round(qty * rng.lognormal(4, 1, n_lines), 2)
    start = TODAY - timedelta(days=729)
    dates = [start + timedelta(days=int(d)) for d in range(730)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # skip FK triggers while loading (not measured)
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        insert_rows(conn, products, ["id", "sku", "name"], [(1, "P1", "Widget")])
        insert_rows(
            conn,
            customers,
            ["id", "external_id", "name", "created_at"],
            ((i, f"C{i:08d}", f"Customer {i}", start) for i in range(1, n_customers + 1)),
        )
        insert_rows(
            conn,
            orders,
            ["id", "order_no", "customer_id", "date"],
            (
                (i + 1, f"O{i + 1}", int(c), dates[d])
                for i, (c, d) in enumerate(zip(cust, days, strict=True))
            ),
        )
        order_ids.sort()
        line_no = np.arange(n_lines) - np.searchsorted(order_ids, order_ids) + 1
        insert_rows(
            conn,
            order_lines,
            ["id", "order_id", "line_no", "product_id", "quantity", "amount"],
            zip(
                range(1, n_lines + 1),
                order_ids.tolist(),
                line_no.tolist(),
                [1] * n_lines,
                qty.tolist(),
                amount.tolist(),
                strict=True,
            ),
        )
    analyze(engine)
    return time.perf_counter() - t0


def _fetch_lines(engine: Engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT o.customer_id, o.date, o.id, l.quantity, l.amount FROM orders o "
            "JOIN order_lines l ON l.order_id = o.id"
        ).all()
        ids = conn.exec_driver_sql("SELECT id, external_id FROM customers").all()
    lines = pd.DataFrame.from_records(
        rows, columns=["customer_id", "date", "order_id", "quantity", "amount"]
    )
    lines["date"] = pd.to_datetime(lines["date"])
    return lines, pd.DataFrame.from_records(ids, columns=["customer_id", "external_id"])


def pandas_classes(lines: pd.DataFrame, everyone: pd.DataFrame) -> pd.DataFrame:
    """The same classes from raw lines with pandas only (the baseline)."""
    window = resolve_window(TODAY, SETTINGS)
    first, last = window.month_keys
    w = lines[
        (lines["date"] >= pd.Timestamp(window.start)) & (lines["date"] <= pd.Timestamp(window.end))
    ]
    month = w["date"].dt.year * 12 + w["date"].dt.month
    per_month = w.groupby(["customer_id", month])["amount"].sum().rename("m").reset_index()
    per_month.columns = ["customer_id", "month", "m"]
    counted = per_month[(per_month["month"] >= first) & (per_month["month"] <= last)]
    bought = w[w["quantity"] > 0]
    agg = pd.DataFrame(
        {
            "revenue": per_month.groupby("customer_id")["m"].sum(),
            "xyz_revenue": counted.groupby("customer_id")["m"].sum(),
            "sum_squares": (counted["m"] ** 2).groupby(counted["customer_id"]).sum(),
            "frequency": bought.groupby("customer_id")["order_id"].nunique(),
            "recency_days": (
                pd.Timestamp(TODAY) - bought.groupby("customer_id")["date"].max()
            ).dt.days,
        }
    )
    frame = everyone.merge(agg, left_on="customer_id", right_index=True, how="left")
    frame[["revenue", "xyz_revenue", "sum_squares"]] = (
        frame[["revenue", "xyz_revenue", "sum_squares"]].fillna(0.0).round(6)
    )
    frame["frequency"] = frame["frequency"].fillna(0).astype("int64")
    frame["recency_days"] = frame["recency_days"].astype("Int64")
    return classify(
        frame,
        months=window.months,
        abc_thresholds=SETTINGS.abc_thresholds,
        xyz_thresholds=SETTINGS.xyz_thresholds,
    )


_REV_SQL = """
  SELECT o.customer_id, SUM(l.amount) AS r FROM orders o JOIN order_lines l ON l.order_id = o.id
  WHERE o.date >= :start AND o.date <= :end GROUP BY o.customer_id HAVING SUM(l.amount) > 0"""
_ABC_SQL = f"""
WITH rev AS ({_REV_SQL}),
ranked AS (
  SELECT rev.customer_id, SUM(rev.r) OVER (ORDER BY rev.r DESC, c.external_id ROWS UNBOUNDED PRECEDING) - rev.r AS before,
         SUM(rev.r) OVER () AS total
  FROM rev JOIN customers c ON c.id = rev.customer_id)
SELECT customer_id, CASE WHEN before < 0.8 * total THEN 'A' WHEN before < 0.95 * total THEN 'B' ELSE 'C' END
FROM ranked
UNION ALL
SELECT id, 'C' FROM customers WHERE id NOT IN (SELECT customer_id FROM rev)
"""


def _abc_sql(engine: Engine) -> dict[int, str]:
    window = resolve_window(TODAY, SETTINGS)
    with engine.connect() as conn:
        rows = conn.execute(text(_ABC_SQL), {"start": window.start, "end": window.end})
        return {customer_id: abc for customer_id, abc in rows}


def _abc_pandas(engine: Engine) -> dict[int, str]:
    """The same ABC from the same per-customer revenue, classified by pandas."""
    from analytics.aggregate import all_customers
    from analytics.classify import abc_classes

    window = resolve_window(TODAY, SETTINGS)
    with engine.connect() as conn:
        rev = conn.execute(text(_REV_SQL), {"start": window.start, "end": window.end}).all()
        frame = all_customers(conn).merge(
            pd.DataFrame.from_records(rev, columns=["customer_id", "revenue"]),
            on="customer_id",
            how="left",
        )
    labels = abc_classes(
        frame["external_id"], frame["revenue"].fillna(0.0).round(6), SETTINGS.abc_thresholds
    )
    return dict(zip(frame["customer_id"].tolist(), labels.tolist(), strict=True))


RULES = {"A": "abc A", "B": "abc B or at least 6 orders last 12 months", "C": "anyone"}


def _recompute(engine: Engine) -> RecomputePlan:
    """The whole recompute as ``custbot recompute`` runs it: classes, then the rules as one batch."""
    from analytics.rules import apply_recompute, plan_recompute
    from custbot.config import Settings
    from storage.changes import Actor

    settings = Settings.model_validate({"rating": {"rules": RULES}})
    with engine.begin() as conn:
        plan = plan_recompute(conn, settings, TODAY)
        apply_recompute(conn, plan, Actor("cli", "bench", None, "bench"))
    return plan


def _same(stored: pd.DataFrame, expected: pd.DataFrame) -> bool:
    expected = expected.reindex(stored.index)
    labels = all(
        (stored[c].fillna("-") == expected[c].fillna("-")).all()
        for c in ("abc", "xyz", "rfm_segment")
    )
    scores = all(
        (pd.to_numeric(stored[c]).fillna(-1) == pd.to_numeric(expected[c]).fillna(-1)).all()
        for c in ("r_score", "f_score", "m_score")
    )
    return labels and scores


def _fresh(backend: str, tmp: str) -> tuple[Engine, tuple[Engine, str] | None]:
    if backend == "sqlite":
        return connect(f"sqlite:///{tmp}/bench-{uuid.uuid4().hex[:8]}.sqlite"), None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return connect(f"{PG_URL}?options=-csearch_path%3D{schema}"), (admin, schema)


def bench(backend: str, n_customers: int, n_lines: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine, pg = _fresh(backend, tmp)
        try:
            print(f"\n== {backend}: {n_customers:,} customers, {n_lines:,} lines")
            print(f"load                         {_load(engine, n_customers, n_lines):8.2f} s")
            t_full, _run = _timed(
                lambda: compute_classes(engine, today=TODAY, settings=SETTINGS), repeat
            )
            with engine.connect() as conn:
                window = resolve_window(TODAY, SETTINGS)
                t_agg, _ = _timed(lambda: customer_aggregates(conn, window, today=TODAY), repeat)
                stored = pd.DataFrame(
                    conn.execute(customer_classes.select()).mappings().all()
                ).set_index("customer_id")
            t_fetch, (lines, everyone) = _timed(lambda: _fetch_lines(engine), 1)
            t_pandas, expected = _timed(lambda: pandas_classes(lines, everyone), repeat)
            expected = expected.set_index("customer_id")
            same = _same(stored, expected)
            t_rules, plan = _timed(lambda: _recompute(engine), 1)
            t_abc_sql, abc_sql = _timed(lambda: _abc_sql(engine), repeat)
            t_abc_pd, abc_pd = _timed(lambda: _abc_pandas(engine), repeat)
            print(f"compute_classes (shipped)    {t_full:8.2f} s   (aggregate query {t_agg:.2f} s)")
            print(
                f"pandas from memory           {t_pandas:8.2f} s   ratio shipped/pandas = {t_full / t_pandas:.2f}"
            )
            print(
                f"pandas incl. fetching lines  {t_fetch + t_pandas:8.2f} s   ratio = {t_full / (t_fetch + t_pandas):.2f}"
            )
            print(f"same classes as pandas       {same}")
            print(f"recompute (classes + rules)  {t_rules:8.2f} s   {plan.summary()}")
            print(
                f"ABC: SQL window functions    {t_abc_sql:8.2f} s   pandas classify {t_abc_pd:.2f} s   "
                f"ratio SQL/pandas = {t_abc_sql / t_abc_pd:.2f}   identical: {abc_sql == abc_pd}"
            )
        finally:
            engine.dispose()
            if pg:
                admin, schema = pg
                with admin.connect() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--small", action="store_true", help="10,000 customers / 100,000 lines, 3 repeats"
    )
    args = parser.parse_args()
    if args.small:
        args.customers, args.lines, args.repeat = 10_000, 100_000, 3
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        bench(backend, args.customers, args.lines, args.repeat)


if __name__ == "__main__":
    main()
