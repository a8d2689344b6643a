"""A run writes only the classes that changed, and what is stored is always the run's classes,
on SQLite and PostgreSQL, read from the primary or from the analytical copy."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import OperationalError

from analytics.class_store import STORED, lock_classes
from analytics.classes import _classified, compute_classes, resolve_window
from custbot.config import ClassSettings
from storage.columnar.generation import read_generations
from storage.schema import class_runs, customer_classes, customers, orders
from tests.analytics.factories import add_customer, add_sale

TODAY = date(2026, 11, 22)


def _stored(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(*(customer_classes.c[c] for c in STORED)).order_by(
                customer_classes.c.customer_id
            )
        )
        return [tuple(row) for row in rows]


def _expected(engine: Engine, today: date, settings: ClassSettings) -> list[tuple]:
    """The run's classes as the classification computes them, as the table would hold them."""
    with engine.connect() as conn:
        frame = _classified(conn, resolve_window(today, settings), today, settings)
    rows = []
    for rec in frame[STORED].astype(object).where(frame[STORED].notna(), None).itertuples(False):
        values = list(rec)
        if values[4] is not None:
            values[4] = pd.Timestamp(values[4]).date()
        rows.append(tuple(values))
    return rows


def _written(engine: Engine, run_id: int) -> int:
    with engine.connect() as conn:
        parameters = conn.execute(
            select(class_runs.c.parameters).where(class_runs.c.id == run_id)
        ).scalar_one()
    return int(parameters["rows_written"])


def _shop(engine: Engine, n: int = 30, seed: int = 5) -> list[int]:
    rng = random.Random(seed)
    with engine.begin() as conn:
        ids = [add_customer(conn, f"k{i:02d}") for i in range(n)]
        for cid in ids[: n - 3]:  # three never buy
            for _ in range(rng.randint(1, 5)):
                day = TODAY - timedelta(days=rng.randint(0, 400))
                add_sale(conn, cid, day, float(rng.choice([50, 120, 300, 999, 2500])))
    return ids


def test_a_run_the_next_day_without_news_writes_nothing(engine: Engine) -> None:
    """Recency is stored as the last purchase's date: a day later, with no order and no order
    leaving the window, no row changes, the table is not written and its generation stays."""
    with engine.begin() as conn:
        ids = [add_customer(conn, f"n{i}") for i in range(6)]
        for i, cid in enumerate(ids[:5]):
            for k in range(i + 1):
                add_sale(conn, cid, date(2026, 3 + k, 10 + i), 100.0 * (i + 1))
    first = compute_classes(engine, today=TODAY)
    assert _written(engine, first) == 6
    stored = _stored(engine)
    with engine.connect() as conn:
        generation = read_generations(conn)["customer_classes"]
    second = compute_classes(engine, today=TODAY + timedelta(days=1))
    assert _written(engine, second) == 0
    assert (
        _stored(engine) == stored == _expected(engine, TODAY + timedelta(days=1), ClassSettings())
    )
    with engine.connect() as conn:
        assert read_generations(conn)["customer_classes"] == generation
    with engine.begin() as conn:  # one customer buys again: only classes that moved are written
        add_sale(conn, ids[0], TODAY + timedelta(days=2), 5000.0)
    third = compute_classes(engine, today=TODAY + timedelta(days=2))
    after = _stored(engine)
    changed = {row[0] for row in set(after) - set(stored)}
    assert ids[0] in changed and _written(engine, third) == len(changed) < 6
    assert after == _expected(engine, TODAY + timedelta(days=2), ClassSettings())


@pytest.mark.parametrize("with_copy", [False, True], ids=["primary", "copy"])
def test_what_is_stored_is_always_the_runs_classes(
    engine: Engine, tmp_path: Path, with_copy: bool
) -> None:
    """Random days of sales, returns, re-dated orders, new and removed customers and changed
    thresholds; after
    every run the table holds exactly the classes the run computed (the rows it left alone
    included). With a copy refreshed on some days only, the old rows and the lines are read
    from the copy when it is current and from the primary when not."""
    from query_language.route import configure, unconfigure
    from storage.columnar import ColumnarSettings

    rng = random.Random(23)
    ids = _shop(engine)
    router = None
    if with_copy:
        settings = ColumnarSettings(engine="duckdb", refresh="scheduled", threads=1)
        router = configure(engine, settings, tmp_path / "copy.duckdb")
        assert router is not None
    try:
        day, total = TODAY, 0
        for step in range(8):
            day += timedelta(days=rng.choice([1, 1, 3, 40]))
            with engine.begin() as conn:
                for cid in rng.sample(ids, 4):
                    add_sale(
                        conn, cid, day - timedelta(days=rng.randint(0, 2)), rng.uniform(-80, 900)
                    )
                # an order re-dated (a re-import): the last purchase moves, often nothing else
                moved = conn.execute(select(orders.c.id).order_by(orders.c.date.desc())).scalars()
                conn.execute(
                    update(orders)
                    .where(orders.c.id == rng.choice(list(moved)[:10]))
                    .values(date=day - timedelta(days=rng.randint(3, 6)))
                )
                if step % 3 == 1:
                    ids.append(add_customer(conn, f"new{step}"))
                if step == 4:  # the customer added on step 1, who never bought
                    gone = ids.pop()
                    conn.execute(delete(customers).where(customers.c.id == gone))
            if router is not None and rng.random() < 0.6:
                router.copy.refresh(engine)
            settings = ClassSettings(abc_thresholds=(0.8, 0.95) if step < 6 else (0.6, 0.9))
            run = compute_classes(engine, today=day, settings=settings)
            assert _stored(engine) == _expected(engine, day, settings), f"step {step}"
            total += _written(engine, run)
        assert 0 < total < 8 * len(ids)  # some rows were left alone
        if router is not None:
            assert router.counts.get("copy", 0) >= 2  # some runs read the copy
    finally:
        if router is not None:
            unconfigure(engine)


def test_a_second_run_waits_for_the_first(engine: Engine) -> None:
    """The run takes the table's write lock before reading the stored rows: another writer of
    the classes cannot slip in between (it waits; here it gives up at once)."""
    _shop(engine, n=5)
    compute_classes(engine, today=TODAY)
    with engine.connect() as first, engine.connect() as second:
        with first.begin():
            lock_classes(first)
            with pytest.raises(OperationalError), second.begin():
                if second.dialect.name == "postgresql":
                    second.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
                else:
                    second.exec_driver_sql("PRAGMA busy_timeout = 200")
                second.execute(update(customer_classes).values(abc="A"))
        if second.dialect.name == "sqlite":
            second.exec_driver_sql("PRAGMA busy_timeout = 30000")
            second.commit()
        with second.begin():  # free again once the first commits
            second.execute(update(customer_classes).values(abc="A"))
