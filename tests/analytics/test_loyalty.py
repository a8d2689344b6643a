"""Loyalty points and tiers on the demo data, checked against pandas over the raw orders, on
SQLite and PostgreSQL; tier moves audited as the recompute's batch and undone exactly."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, select

from analytics.rules import apply_recompute, plan_recompute
from custbot.config import Settings
from storage.changes import Actor
from storage.schema import audit_log, batches, customers, loyalty_points
from storage.undo import apply_undo, plan_undo

TODAY = date(2026, 11, 22)
ADMIN = Actor(platform="cli", user_id="admin", manager_id=None, label="admin (cli)")
TIERS = {"bronze": 0, "silver": 500, "gold": 2000}


def _settings(**loyalty: Any) -> Settings:
    return Settings.model_validate({"loyalty": {"tiers": TIERS, **loyalty}})


@pytest.fixture
def demo(engine: Engine) -> Engine:
    from storage.demo import build_demo

    build_demo(engine, customers=150, seed=11, today=TODAY, lang="en")
    return engine


def _raw(engine: Engine) -> pd.DataFrame:
    """Every order line with its order's customer and date and its product's category."""
    sql = (
        "SELECT o.id AS order_id, o.customer_id, o.date, l.id AS line_id, l.amount, p.category "
        "FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN products p ON p.id = l.product_id"
    )
    with engine.connect() as conn:
        lines = pd.read_sql_query(sql, conn)
    lines["date"] = pd.to_datetime(lines["date"])
    return lines


def _oracle(lines: pd.DataFrame, settings: Settings) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(points per order, balance per customer, tier per customer), computed independently."""
    s = settings.loyalty
    factor = lines["category"].map(s.multipliers).fillna(1.0)
    raw = lines["amount"] * factor / s.amount_per_point
    whole = lambda x: np.trunc(np.round(x, 6)).astype(int)  # noqa: E731 - toward zero
    if s.per == "line":
        per_order = whole(raw).groupby(lines["order_id"]).sum()
    else:
        per_order = whole(raw.groupby(lines["order_id"]).sum())
    per_order = per_order[per_order != 0]
    orders = lines.drop_duplicates("order_id").set_index("order_id")
    ledger = pd.DataFrame(
        {"points": per_order, "customer_id": orders.loc[per_order.index, "customer_id"]}
    )
    ledger["date"] = orders.loc[per_order.index, "date"]
    balance = ledger.groupby("customer_id")["points"].sum()
    start = pd.Timestamp(TODAY) - pd.DateOffset(months=s.window_months) + pd.Timedelta(days=1)
    recent = ledger[(ledger["date"] >= start) & (ledger["date"] <= pd.Timestamp(TODAY))]
    in_window = recent.groupby("customer_id")["points"].sum()

    def tier(points: float) -> str | None:
        reached = [name for name, least in s.tiers.items() if points >= least]
        return max(reached, key=lambda n: s.tiers[n]) if reached else None

    return per_order, balance, in_window.apply(tier)


def _tiers(engine: Engine, everyone: list[int]) -> dict[int, str | None]:
    with engine.connect() as conn:
        got = dict(conn.execute(select(customers.c.id, customers.c.tier)).all())
    return {i: got[i] for i in everyone}


def _recompute(engine: Engine, settings: Settings) -> int | None:
    with engine.begin() as conn:
        plan = plan_recompute(conn, settings, TODAY)
        return apply_recompute(conn, plan, ADMIN)


@pytest.mark.parametrize(
    "loyalty",
    [
        {},
        {"per": "line", "amount_per_point": 37.5, "multipliers": {"power tools": 2.5}},
        {"window_months": 3, "multipliers": {"consumables": 0.5, "welding": 3}},
    ],
    ids=["defaults", "per-line-multiplied", "short-window"],
)
def test_points_and_tiers_match_pandas(demo: Engine, loyalty: dict[str, Any]) -> None:
    settings = _settings(**loyalty)
    assert _recompute(demo, settings) is not None
    per_order, balance, tiers = _oracle(_raw(demo), settings)
    with demo.connect() as conn:
        ledger = {
            o: p
            for o, p in conn.execute(select(loyalty_points.c.order_id, loyalty_points.c.points))
        }
        active = conn.execute(select(customers.c.id).where(customers.c.status != "archived"))
        everyone = [i for (i,) in active]
    assert ledger == {int(k): int(v) for k, v in per_order.items()}
    assert any(v < 0 for v in ledger.values())  # returns subtract: the demo has return orders
    got_balance: dict[int, int] = {}
    for order_points, cid in _ledger_customers(demo):
        got_balance[cid] = got_balance.get(cid, 0) + order_points
    assert got_balance == {int(k): int(v) for k, v in balance.items()}
    zero_tier = "bronze"  # customers without points in the window have 0: the 0 tier
    expected = {i: tiers.get(i, zero_tier) for i in everyone}
    assert _tiers(demo, everyone) == expected
    assert len(set(expected.values())) == 3  # the demo reaches every tier


def _ledger_customers(engine: Engine) -> list[tuple[int, int]]:
    with engine.connect() as conn:
        return [
            (int(p), int(c))
            for p, c in conn.execute(select(loyalty_points.c.points, loyalty_points.c.customer_id))
        ]


def test_promotion_and_demotion_are_audited_and_undone_exactly(demo: Engine) -> None:
    first = _settings()
    _recompute(demo, first)
    with demo.connect() as conn:
        active = conn.execute(select(customers.c.id).where(customers.c.status != "archived"))
        everyone = [i for (i,) in active]
    before = _tiers(demo, everyone)
    # the thresholds move: gold gets harder, silver easier
    second = Settings.model_validate(
        {"loyalty": {"tiers": {"bronze": 0, "silver": 300, "gold": 3000}}}
    )
    _p, _b, oracle = _oracle(_raw(demo), second)
    with demo.begin() as conn:
        plan = plan_recompute(conn, second, TODAY)
        assert plan.loyalty is not None
        moves = dict(plan.loyalty.moves)
        batch = apply_recompute(conn, plan, ADMIN)
    assert batch is not None
    after = _tiers(demo, everyone)
    rank = {None: -1, "bronze": 0, "silver": 1, "gold": 2}
    up = {i for i in everyone if rank[after[i]] > rank[before[i]]}
    down = {i for i in everyone if rank[after[i]] < rank[before[i]]}
    assert up and down
    assert moves == {"promoted": len(up), "demoted": len(down)}
    assert after == {i: oracle.get(i, "bronze") for i in everyone}
    with demo.connect() as conn:
        rows = conn.execute(
            select(
                audit_log.c.customer_id, audit_log.c.before, audit_log.c.after, audit_log.c.source
            ).where(audit_log.c.batch_id == batch, audit_log.c.field == "tier")
        ).all()
        description = conn.execute(
            select(batches.c.description).where(batches.c.id == batch)
        ).scalar_one()
    assert {r.customer_id for r in rows if r.source.startswith("loyalty promoted")} == up
    assert {r.customer_id for r in rows if r.source.startswith("loyalty demoted")} == down
    assert all(r.before == before[r.customer_id] and r.after == after[r.customer_id] for r in rows)
    assert f"{len(up)} promoted, {len(down)} demoted" in description
    with demo.begin() as conn:
        assert plan_undo(conn, batch).conflicts == []
        apply_undo(conn, batch, ADMIN)
    assert _tiers(demo, everyone) == before


def test_a_recompute_that_moves_no_tier_makes_no_batch(demo: Engine) -> None:
    settings = _settings()
    assert _recompute(demo, settings) is not None
    assert _recompute(demo, settings) is None


def test_tier_settings_are_checked() -> None:
    from custbot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="tier names are lower-case words"):
        load_settings(overrides={"loyalty.tiers": {"Gold": 10}})
    with pytest.raises(ConfigError, match="the same least points"):
        load_settings(overrides={"loyalty.tiers": {"gold": 10, "silver": 10}})


def test_rating_rules_read_the_tiers_as_they_were_before_the_recompute(demo: Engine) -> None:
    settings = Settings.model_validate(
        {"rating": {"rules": {"A": "tier gold", "C": "anyone"}}, "loyalty": {"tiers": TIERS}}
    )

    def ratings_of_gold() -> set[str | None]:
        with demo.connect() as conn:
            rows = conn.execute(select(customers.c.rating).where(customers.c.tier == "gold"))
            return {r for (r,) in rows}

    _recompute(demo, settings)  # the first tiers come with this batch: no rule saw them yet
    assert "A" not in ratings_of_gold()
    _recompute(demo, settings)
    assert ratings_of_gold() - {None} == {"A"}  # pinned or archived customers keep theirs
