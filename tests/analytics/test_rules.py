"""Rating rules, recompute plans and the scheduled run, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from analytics.rules import apply_recompute, plan_recompute
from analytics.schedule import run_scheduled_recompute, take_lease
from custbot.config import ConfigError, Settings, load_settings
from storage.changes import Actor, rating_history
from storage.schema import batches, customers
from storage.undo import apply_undo, plan_undo
from tests.analytics.factories import add_customer, add_sale

TODAY = date(2026, 11, 22)
ADMIN = Actor(platform="cli", user_id="admin", manager_id=None, label="admin (cli)")


def _settings(rules: dict[str, str]) -> Settings:
    return Settings.model_validate({"rating": {"rules": rules}})


def _ratings(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(customers.c.external_id, customers.c.rating)).all())


def _people(engine: Engine) -> dict[str, int]:
    with engine.begin() as conn:
        ids = {
            "new": add_customer(conn, "new", name="Newcomer"),
            "was_a": add_customer(conn, "was_a", name="Alpha", rating="A"),
            "was_b": add_customer(conn, "was_b", name="Bravo", rating="B"),
            "was_c": add_customer(conn, "was_c", name="Charlie", rating="C"),
            "pinned": add_customer(conn, "pinned", name="Pinned", rating="A", pinned=True),
            "gone": add_customer(conn, "gone", name="Archived", rating="A", status="archived"),
        }
        add_sale(conn, ids["was_c"], TODAY, 100.0)
    return ids


@pytest.mark.parametrize("word", ["anyone", "Everyone", " all  customers "])
def test_anyone_rule_rates_everyone_but_pinned_and_archived(engine: Engine, word: str) -> None:
    _people(engine)
    settings = _settings({"B": word})
    with engine.begin() as conn:
        plan = plan_recompute(conn, settings, TODAY)
    assert (plan.up, plan.down, plan.same, plan.new, plan.pinned, plan.unmatched) == (
        1,
        1,
        1,
        1,
        1,
        0,
    )
    assert plan.samples == {
        "up": ["Charlie (C → B)"],
        "down": ["Alpha (A → B)"],
        "new": ["Newcomer (- → B)"],
    }
    assert any("1 pinned" in line for line in plan.lines())
    assert _ratings(engine)["new"] is None  # planning changes nothing
    with engine.begin() as conn:
        batch = apply_recompute(conn, plan, ADMIN)
    assert _ratings(engine) == {
        "new": "B",
        "was_a": "B",
        "was_b": "B",
        "was_c": "B",
        "pinned": "A",
        "gone": "A",
    }
    with engine.connect() as conn:
        row = conn.execute(select(batches).where(batches.c.id == batch)).mappings().one()
        assert (row["action"], row["count"]) == ("recompute", 3)
        sources = (
            conn.execute(select(rating_history.c.source).where(rating_history.c.batch_id == batch))
            .scalars()
            .all()
        )
        assert sources == [f"rule B: {word}"] * 3
        assert plan_undo(conn, batch).revertible == 3
    with engine.begin() as conn:
        apply_undo(conn, batch, ADMIN)
    assert _ratings(engine)["was_a"] == "A" and _ratings(engine)["new"] is None


def test_no_rules_changes_nothing(engine: Engine) -> None:
    _people(engine)
    with engine.begin() as conn:
        plan = plan_recompute(conn, _settings({}), TODAY)
        assert plan.changes == 0 and plan.unmatched == 4
        apply_recompute(conn, plan, ADMIN)
    assert _ratings(engine)["was_a"] == "A"


@pytest.mark.parametrize("rules", [{"C": "anyone"}, {"A": "everyone", "C": "anyone"}])
def test_configuration_accepts_anyone(rules: dict[str, str]) -> None:
    assert load_settings(None, {"rating.rules": rules}).rating.rules == rules


@pytest.mark.parametrize("bad", ["abc A or", "spent over", "(abc A"])
def test_a_rule_that_does_not_parse_stops_the_configuration(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"rating\.rules\.A") as err:
        load_settings(None, {"rating.rules": {"A": bad, "C": "anyone"}})
    assert "^" in str(err.value)  # the caret under the offending words, as in chat


def test_two_scheduled_runs_at_once_apply_once(engine: Engine) -> None:
    _people(engine)
    settings = _settings({"C": "anyone"})
    start = threading.Barrier(2)
    reports, errors, notes = [], [], []

    def run() -> None:
        try:
            start.wait()
            reports.append(
                run_scheduled_recompute(engine, settings, today=TODAY, notify=notes.append)
            )
        except Exception as e:  # noqa: BLE001 - surfaced below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert sorted(r.applied for r in reports) == [False, True]
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(batches).where(batches.c.action == "recompute")
            ).scalar_one()
            == 1
        )
    assert len(notes) == 1 and "3 up" not in notes[0] and "newly rated" in notes[0]
    assert _ratings(engine)["was_a"] == "C"


def test_lease_is_exclusive_until_released(engine: Engine) -> None:
    from datetime import timedelta

    from analytics.schedule import release_lease

    assert take_lease(engine, "job", "one", timedelta(hours=1))
    assert not take_lease(engine, "job", "two", timedelta(hours=1))
    release_lease(engine, "job", "two")  # not the holder: no effect
    assert not take_lease(engine, "job", "two", timedelta(hours=1))
    release_lease(engine, "job", "one")
    assert take_lease(engine, "job", "two", timedelta(hours=1))


def test_apply_on_another_connection_evaluates_again(engine: Engine) -> None:
    ids = _people(engine)
    settings = _settings({"A": "anyone"})
    with engine.begin() as conn:
        plan = plan_recompute(conn, settings, TODAY)
    assert plan.new == 1
    with engine.begin() as conn:
        conn.execute(
            customers.update().where(customers.c.id == ids["was_c"]).values(rating_pinned=True)
        )
    with engine.connect() as conn:
        with conn.begin():
            dry = plan_recompute(conn, settings, TODAY)
            conn.rollback()
        with conn.begin():
            batch = apply_recompute(conn, dry, ADMIN)  # the dry run's targets were rolled back
        with conn.begin():
            batch2 = apply_recompute(conn, plan, ADMIN)  # planned elsewhere: evaluated again
    ratings = _ratings(engine)
    assert ratings["was_c"] == "C" and ratings["new"] == "A" and ratings["was_b"] == "A"
    with engine.connect() as conn:
        counts = dict(conn.execute(select(batches.c.id, batches.c.count)).all())
    assert counts[batch] == 2 and batch2 is None and len(counts) == 1  # no empty batch
