"""Classes on public data: RFM against a peer analysis, ABC/XYZ against an independent pandas
computation, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from analytics.classes import compute_classes
from custbot.config import ClassSettings
from storage.schema import class_runs, customer_classes, customers
from tests.analytics.datasets import load_orders, read_cdnow, read_retail
from tests.conftest import BACKENDS, DATASETS, fresh_database


def _stored(engine: Engine, run_id: int) -> pd.DataFrame:
    """Run ``run_id``'s stored classes (the latest), with the recency in days from its date."""
    with engine.connect() as conn:
        computed_for = conn.execute(
            select(class_runs.c.computed_for).where(class_runs.c.id == run_id)
        ).scalar_one()
        assert conn.execute(select(func.max(class_runs.c.id))).scalar_one() == run_id
        rows = (
            conn.execute(
                select(customers.c.external_id, customer_classes).join(
                    customer_classes, customer_classes.c.customer_id == customers.c.id
                )
            )
            .mappings()
            .all()
        )
    frame = pd.DataFrame(rows).set_index("external_id")
    days = [None if d is None else (computed_for - d).days for d in frame["last_purchase"]]
    frame["recency_days"] = pd.array(days, dtype="Int64")
    return frame


@pytest.fixture(scope="module", params=BACKENDS)
def retail(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[pd.DataFrame]:
    with fresh_database(request.param, tmp_path_factory.mktemp("retail")) as engine:
        load_orders(engine, read_retail(DATASETS))
        run = compute_classes(
            engine,
            today=date(2011, 12, 10),
            window_start=date(2010, 12, 1),
            settings=ClassSettings(),
        )
        yield _stored(engine, run)


@pytest.fixture(scope="module", params=BACKENDS)
def cdnow(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[pd.DataFrame]:
    with fresh_database(request.param, tmp_path_factory.mktemp("cdnow")) as engine:
        load_orders(engine, read_cdnow(DATASETS))
        run = compute_classes(
            engine, today=date(1998, 6, 30), window_start=date(1997, 1, 1), settings=ClassSettings()
        )
        yield _stored(engine, run)


def test_rfm_scores_agree_with_peer_analysis(retail: pd.DataFrame, datasets: Path) -> None:
    peer = pd.read_csv(datasets / "peer_rfm_segments.csv", dtype={"CustomerID": str}).set_index(
        "CustomerID"
    )
    both = peer.join(retail, how="inner")
    assert len(both) == len(peer) == 4338
    assert (both["recency_days"] == both["Recency"]).all()
    assert (both["frequency"] == both["Frequency"]).all()
    assert np.allclose(both["monetary"], both["Monetary"])
    agree = {
        name: float((both[ours] == both[theirs]).mean())
        for name, ours, theirs in (
            ("R", "r_score", "RScore"),
            ("F", "f_score", "FScore"),
            ("M", "m_score", "MScore"),
        )
    }
    all_three = float(
        (
            (both.r_score == both.RScore)
            & (both.f_score == both.FScore)
            & (both.m_score == both.MScore)
        ).mean()
    )
    print(f"RFM agreement with the peer analysis: {agree}, all three: {all_three:.4f}")
    assert all_three >= 0.99
    assert retail["rfm_segment"].notna().all()


def _independent_abc(revenue: pd.Series) -> pd.Series:
    """Customer by customer, as the definition reads (no shared code with analytics)."""
    total = revenue[revenue > 0].sum()
    ordered = sorted(((-v, k) for k, v in revenue.items() if v > 0))
    result = {k: "C" for k in revenue.index}
    running = 0.0
    for neg, key in ordered:
        share_before = running / total
        result[key] = "A" if share_before < 0.80 else "B" if share_before < 0.95 else "C"
        running += -neg
    return pd.Series(result)


def _independent_xyz(sales: pd.DataFrame) -> pd.Series:
    months = pd.period_range("1997-01", "1998-06", freq="M")
    sales = sales.assign(month=pd.to_datetime(sales["date"]).dt.to_period("M"))
    table = sales.pivot_table(
        index="customer", columns="month", values="amount", aggfunc="sum", fill_value=0.0
    ).reindex(columns=months, fill_value=0.0)
    mean = table.mean(axis=1)
    cv = table.std(axis=1, ddof=0) / mean
    xyz = pd.Series(
        np.where(cv <= 0.10, "X", np.where(cv <= 0.25, "Y", "Z")), index=table.index, dtype=object
    )
    xyz[mean <= 0] = None
    return xyz


def test_abc_and_xyz_match_independent_pandas(cdnow: pd.DataFrame, datasets: Path) -> None:
    sales = read_cdnow(datasets)
    revenue = sales.groupby("customer")["amount"].sum().round(6)
    expected_abc = _independent_abc(revenue)
    expected_xyz = _independent_xyz(sales)
    assert len(cdnow) == 23570
    assert (cdnow["abc"].reindex(expected_abc.index) == expected_abc).all()
    ours = cdnow["xyz"].reindex(expected_xyz.index)
    assert (ours.fillna("-") == expected_xyz.fillna("-")).all()
    counts = cdnow["abc"].value_counts().to_dict()
    print(f"CDNOW ABC counts: {counts}, XYZ: {cdnow['xyz'].value_counts(dropna=False).to_dict()}")
    assert set(counts) == {"A", "B", "C"}
    assert np.allclose(cdnow["revenue"].reindex(revenue.index), revenue)
