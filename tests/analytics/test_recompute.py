"""Rules written in the query language, explanations and charts, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from analytics.charts import pareto, rfm_grid
from analytics.explain import CustomerNotFound, explain_customer
from analytics.rules import apply_recompute, plan_recompute
from custbot.config import Settings
from storage.changes import Actor
from storage.schema import customer_classes, customers
from tests.analytics.factories import add_customer, add_sale

TODAY = date(2026, 11, 22)
ADMIN = Actor(platform="cli", user_id="admin", manager_id=None, label="admin (cli)")
RULES = {"A": "abc A", "B": "abc B or at least 3 orders last 12 months", "C": "anyone"}


def _settings(rules: dict[str, str]) -> Settings:
    return Settings.model_validate({"rating": {"rules": rules}})


@pytest.fixture
def shop(engine: Engine) -> dict[str, int]:
    with engine.begin() as conn:
        ids = {
            "big": add_customer(conn, "big", name="Big Co", rating="B"),
            "mid": add_customer(conn, "mid", name="Mid Co"),
            "small": add_customer(conn, "small", name="Small Co", rating="A"),
            "often": add_customer(conn, "often", name="Often Co", rating="C"),
            "pinned": add_customer(conn, "pinned", name="Pinned Co", rating="C", pinned=True),
        }
        add_sale(conn, ids["big"], date(2026, 10, 1), 8000.0)
        add_sale(conn, ids["mid"], date(2026, 9, 1), 1500.0)
        add_sale(conn, ids["small"], date(2026, 8, 1), 400.0)
        for month in (5, 6, 7):
            add_sale(conn, ids["often"], date(2026, month, 1), 30.0)
        add_sale(conn, ids["pinned"], date(2024, 1, 1), 50000.0)  # outside the window
    return ids


def _ratings(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(customers.c.external_id, customers.c.rating)).all())


def test_rules_first_match_wins(engine: Engine, shop: dict[str, int]) -> None:
    settings = _settings(RULES)
    with engine.begin() as conn:
        plan = plan_recompute(conn, settings, TODAY)
        assert (plan.up, plan.down, plan.new, plan.same, plan.pinned) == (2, 1, 1, 0, 1)
        assert plan.samples["up"] == ["Big Co (B → A)", "Often Co (C → B)"]
        apply_recompute(conn, plan, ADMIN)
    assert _ratings(engine) == {"big": "A", "mid": "B", "small": "C", "often": "B", "pinned": "C"}


def test_rules_see_the_ratings_before_the_recompute(engine: Engine, shop: dict[str, int]) -> None:
    # swapping A and C must not cascade: each rule reads the ratings as they were
    settings = _settings({"A": "rating C", "C": "rating A"})
    with engine.begin() as conn:
        apply_recompute(conn, plan_recompute(conn, settings, TODAY), ADMIN)
    ratings = _ratings(engine)
    assert (ratings["small"], ratings["often"], ratings["big"], ratings["pinned"]) == (
        "C",
        "A",
        "B",
        "C",
    )


def test_explain(engine: Engine, shop: dict[str, int]) -> None:
    settings = _settings(RULES)
    with engine.begin() as conn:
        before = explain_customer(conn, shop["big"], settings, TODAY)
        assert before.classes is None and "not computed yet" in " ".join(before.lines())
        apply_recompute(conn, plan_recompute(conn, settings, TODAY), ADMIN)
        big = explain_customer(conn, shop["big"], settings, TODAY)
        pinned = explain_customer(conn, shop["pinned"], settings, TODAY)
        often = explain_customer(conn, shop["often"], settings, TODAY)
        with pytest.raises(CustomerNotFound, match="no customer with id 999"):
            explain_customer(conn, 999, settings, TODAY)
    text = "\n".join(big.lines())
    assert big.matched_rule == ("A", "abc A") and big.classes["abc"] == "A"
    assert "Big Co: A ★★★" in text and "Rule A matches: abc A" in text
    assert "spent 8,000 in 1 orders" in text and "2025-11-23..2026-11-22" in text
    assert "rule A: abc A (B → A)" in text
    assert "pinned by hand" in "\n".join(pinned.lines()) and pinned.matched_rule is None
    assert pinned.spend == 0 and pinned.classes["abc"] == "C"
    assert often.matched_rule == ("B", RULES["B"]) and often.orders == 3


def test_chart_data_of_the_classes(engine: Engine, shop: dict[str, int]) -> None:
    """What chart abc / chart rfm plot: nothing before a class run, then the run's numbers."""
    with engine.begin() as conn:
        assert pareto(conn) is None and not any(map(any, rfm_grid(conn).counts))
        plan_recompute(conn, _settings({}), TODAY)
        curve, grid = pareto(conn), rfm_grid(conn)
        scored = conn.scalar(
            select(func.count())
            .select_from(customer_classes)
            .where(customer_classes.c.r_score.is_not(None))
        )
    assert curve is not None and curve.revenue_share[0] == 0 and curve.revenue_share[-1] == 100
    assert list(curve.revenue_share) == sorted(curve.revenue_share) and curve.thresholds == (80, 95)
    assert sum(map(sum, grid.counts)) == scored > 0 and grid.computed_for == TODAY
