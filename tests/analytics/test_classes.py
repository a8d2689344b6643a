"""compute_classes against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select

from analytics.classes import KEEP_RUNS, compute_classes, latest_run
from custbot.config import ClassSettings
from storage.schema import class_runs, customer_classes
from tests.analytics.factories import add_customer, add_sale

TODAY = date(2026, 11, 22)


def _row(engine: Engine, run_id: int, customer_id: int) -> dict:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                select(customer_classes).where(
                    customer_classes.c.run_id == run_id,
                    customer_classes.c.customer_id == customer_id,
                )
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
    assert lu["revenue"] == 700.0 and lu["frequency"] == 2 and lu["recency_days"] == 1
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
        "recency_days": None,
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


def test_runs_accumulate_and_old_ones_are_pruned(engine: Engine) -> None:
    with engine.begin() as conn:
        cid = add_customer(conn, "x")
        add_sale(conn, cid, TODAY, 10.0)
    runs = [compute_classes(engine, today=TODAY) for _ in range(KEEP_RUNS + 2)]
    with engine.connect() as conn:
        assert latest_run(conn) == runs[-1]
        kept = conn.execute(select(class_runs.c.id).order_by(class_runs.c.id)).scalars().all()
        assert kept == runs[-KEEP_RUNS:]
        assert (
            conn.execute(select(func.count()).select_from(customer_classes)).scalar_one()
            == KEEP_RUNS
        )


def test_empty_database(engine: Engine) -> None:
    run = compute_classes(engine, today=TODAY)
    with engine.connect() as conn:
        assert latest_run(conn) == run
        assert conn.execute(select(func.count()).select_from(customer_classes)).scalar_one() == 0
