"""compute_classes against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, delete, func, select

from analytics.classes import compute_classes, latest_run
from custbot.config import ClassSettings
from storage.schema import class_runs, customer_classes
from tests.analytics.factories import add_customer, add_sale

TODAY = date(2026, 11, 22)


def _row(engine: Engine, run_id: int, customer_id: int) -> dict:
    """The customer's stored classes, which are run ``run_id``'s (the latest)."""
    with engine.connect() as conn:
        assert latest_run(conn) == run_id
        return dict(
            conn.execute(
                select(customer_classes).where(customer_classes.c.customer_id == customer_id)
            )
            .mappings()
            .one()
        )


def test_every_customer_gets_a_row_and_the_window_is_respected(engine: Engine) -> None:
    with engine.begin() as conn:
        steady = add_customer(conn, "steady")
        for month in range(1, 13):
            add_sale(
                conn, steady, date(2026, month, 10) if month < 12 else date(2025, 12, 10), 1000.0
            )
        lumpy = add_customer(conn, "lumpy")
        add_sale(conn, lumpy, date(2026, 11, 20), 500.0)
        add_sale(conn, lumpy, date(2026, 11, 21), 300.0)
        add_sale(conn, lumpy, date(2026, 11, 21), -100.0, quantity=-1)  # a return
        add_sale(conn, lumpy, date(2025, 11, 22), 99999.0)  # the day before the window
        refunded = add_customer(conn, "refunded")
        add_sale(conn, refunded, date(2026, 6, 1), -50.0, quantity=-1)
        idle = add_customer(conn, "idle")
    run = compute_classes(engine, today=TODAY, settings=ClassSettings())
    s, lu, re, idl = (_row(engine, run, c) for c in (steady, lumpy, refunded, idle))
    assert s["revenue"] == 12000.0 and s["abc"] == "A" and s["frequency"] == 12
    assert lu["revenue"] == 700.0 and lu["frequency"] == 2
    assert lu["last_purchase"] == date(2026, 11, 21)  # recency 1 day, from the run's date
    assert s["last_purchase"] == date(2026, 11, 10)
    assert lu["abc"] == "B" and lu["xyz"] is None  # bought only in the partial last month
    # XYZ counts the complete months Dec 2025 .. Oct 2026: 11 × 1000
    assert s["xyz"] == "X"
    assert (
        re["revenue"] == -50.0 and re["abc"] == "C" and re["xyz"] is None and re["r_score"] is None
    )
    assert idl == {
        **idl,
        "revenue": 0.0,
        "abc": "C",
        "xyz": None,
        "last_purchase": None,
        "frequency": None,
        "monetary": None,
        "rfm_segment": None,
    }
    # two scored customers: steady bought less recently (12 days vs 1) but more and more often
    assert (s["r_score"], s["f_score"], s["m_score"], s["rfm_segment"]) == (
        1,
        5,
        5,
        "cannot lose them",
    )
    assert (lu["r_score"], lu["f_score"], lu["m_score"], lu["rfm_segment"]) == (5, 1, 1, "new")
    with engine.connect() as conn:
        meta = conn.execute(select(class_runs).where(class_runs.c.id == run)).mappings().one()
    assert (meta["computed_for"], meta["window_start"], meta["window_end"]) == (
        TODAY,
        date(2025, 11, 23),
        TODAY,
    )
    assert meta["parameters"]["xyz_months"] == 11 and meta["parameters"]["abc_thresholds"] == [
        0.8,
        0.95,
    ]


def test_configured_window_and_thresholds(engine: Engine) -> None:
    with engine.begin() as conn:
        wobbly = add_customer(conn, "wobbly")
        for month in range(12):
            add_sale(
                conn,
                wobbly,
                date(2025 + (month > 0), (11 + month) % 12 + 1, 10),
                1100.0 - 200 * (month % 2),
            )
    # Dec 2025 .. Nov 2026 alternate 1100 / 900: CV exactly 0.10
    whole_months = {"today": date(2026, 11, 30), "window_start": date(2025, 12, 1)}
    run = compute_classes(engine, **whole_months, settings=ClassSettings())
    assert _row(engine, run, wobbly)["xyz"] == "X"
    run = compute_classes(
        engine, **whole_months, settings=ClassSettings(xyz_thresholds=(0.05, 0.5))
    )
    assert _row(engine, run, wobbly)["xyz"] == "Y"
    run = compute_classes(engine, today=date(2026, 11, 30), settings=ClassSettings(window_months=3))
    row = _row(engine, run, wobbly)
    assert row["revenue"] == 900 + 1100 + 900 and row["frequency"] == 3


def test_runs_are_logged_and_each_customer_has_one_row(engine: Engine) -> None:
    with engine.begin() as conn:
        cid = add_customer(conn, "x")
        add_sale(conn, cid, TODAY, 10.0)
    runs = [compute_classes(engine, today=TODAY) for _ in range(4)]
    with engine.connect() as conn:
        assert latest_run(conn) == runs[-1]
        logged = conn.execute(select(class_runs.c.id).order_by(class_runs.c.id)).scalars().all()
        assert logged == runs
        assert conn.execute(select(func.count()).select_from(customer_classes)).scalar_one() == 1


def test_empty_database(engine: Engine) -> None:
    run = compute_classes(engine, today=TODAY)
    with engine.connect() as conn:
        assert latest_run(conn) == run
        assert conn.execute(select(func.count()).select_from(customer_classes)).scalar_one() == 0


def _stored_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(customer_classes).order_by(customer_classes.c.customer_id))
        return [tuple(row) for row in rows]


def test_the_copy_and_the_primary_give_identical_classes(engine: Engine, tmp_path: Path) -> None:
    """The recompute read from the DuckDB copy (classified from rows the copy sends ordered by
    external_id, written back in customer order) stores exactly what the primary path stores:
    ties broken by external_id (inserted out of order, one not ASCII), equal revenues, a share
    landing exactly on a threshold, returns only, lines outside the window, no lines at all."""
    from query_language.route import configure, router_for, unconfigure
    from storage.columnar import ColumnarSettings

    rng = random.Random(19)
    with engine.begin() as conn:
        names = [f"c{i:03d}" for i in range(60)] + ["é-first", "Z-upper"]
        rng.shuffle(names)
        ids = {name: add_customer(conn, name) for name in names}
        for i, name in enumerate(names[:50]):
            for _ in range(rng.randint(1, 6)):
                day = date(2026, rng.randint(1, 11), rng.randint(1, 20))
                amount = rng.choice([100.0, 250.0, 80.0, 15.0, 5.0, round(rng.uniform(1, 900), 2)])
                add_sale(conn, ids[name], day, amount)
            if i % 7 == 0:  # a return in the window
                add_sale(conn, ids[name], date(2026, 10, 5), -40.0, quantity=-1.0)
        add_sale(conn, ids[names[50]], date(2026, 6, 1), -70.0, quantity=-1.0)  # returns only
        ties = [f"t{i:02d}" for i in range(20)]  # equal revenues across the A/B boundary
        for name in sorted(ties, key=lambda n: rng.random()):
            ids[name] = add_customer(conn, name)
            add_sale(conn, ids[name], date(2026, 9, 9), 10000.0)
        names += ties
        add_sale(conn, ids[names[51]], date(2024, 6, 1), 5000.0)  # outside the window
    settings = ClassSettings()
    unconfigure(engine)  # the suite may run with a copy configured: first the primary alone
    compute_classes(engine, today=TODAY, settings=settings)
    primary_rows = _stored_rows(engine)
    with engine.begin() as conn:  # the copy's run then writes every row itself
        conn.execute(delete(customer_classes))
    router = configure(engine, ColumnarSettings(engine="duckdb", threads=1), tmp_path / "c.duckdb")
    assert router is not None
    try:
        compute_classes(engine, today=TODAY, settings=settings)
        assert router_for(engine) is router and router.counts.get("copy") == 2  # lines, classes
    finally:
        unconfigure(engine)
    copy_rows = _stored_rows(engine)
    assert len(primary_rows) == len(names)
    assert copy_rows == primary_rows
    assert {row[2] for row in primary_rows} == {"A", "B", "C"}
    total = sum(row[1] for row in primary_rows if row[1] > 0)
    abc = {row[0]: row[2] for row in primary_rows}
    expected = ["A" if k * 10000.0 / total < 0.8 else "B" for k in range(len(ties))]
    assert [abc[ids[name]] for name in sorted(ties)] == expected  # ties: by external_id
    assert expected.count("B") >= 1


def _triggers(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            return list(
                conn.exec_driver_sql(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'customer_classes'::regclass"
                    " AND NOT tgisinternal ORDER BY tgname"
                ).all()
            )
        return list(
            conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name = 'customer_classes' ORDER BY name"
            ).all()
        )


def test_the_run_advances_the_generation_and_keeps_the_triggers(engine: Engine) -> None:
    """The classes are written with the row triggers set aside (SQLite): afterwards the same
    triggers exist, the generation moved, and a failed run leaves everything as it was."""
    from storage.columnar.generation import read_generations

    with engine.begin() as conn:
        for i in range(3):
            add_sale(conn, add_customer(conn, f"g{i}"), date(2026, 5, 1), 100.0 * (i + 1))
    before = _triggers(engine)
    assert before
    with engine.connect() as conn:
        generation = read_generations(conn)["customer_classes"]
    compute_classes(engine, today=TODAY)
    assert _triggers(engine) == before
    with engine.connect() as conn:
        assert read_generations(conn)["customer_classes"] > generation
        generation = read_generations(conn)["customer_classes"]
    try:
        with engine.begin() as conn:
            compute_classes(conn, today=TODAY)
            raise RuntimeError("after the classes, before the commit")
    except RuntimeError:
        pass
    assert _triggers(engine) == before
    with engine.connect() as conn:
        assert read_generations(conn)["customer_classes"] == generation
        assert conn.execute(select(func.count()).select_from(class_runs)).scalar_one() == 1
    with engine.begin() as conn:  # the restored triggers still advance it row by row
        conn.execute(delete(customer_classes))
    with engine.connect() as conn:
        assert read_generations(conn)["customer_classes"] > generation
