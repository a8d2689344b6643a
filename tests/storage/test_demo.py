"""The demo generator: deterministic, realistic, and every documented example has an answer."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from storage import schema as t
from storage.demo import DemoSummary, build_demo
from storage.demo_showcase import periods
from tests.conftest import BACKENDS, fresh_database
from tests.storage.demo_fixture import demo as demo  # noqa: F401 - the shared fixture
from tests.storage.demo_fixture import demo_backend as demo_backend  # noqa: F401
from tests.storage.demo_fixture import scalar

TODAY = date(2026, 11, 22)
PERIODS = periods(TODAY)
DIGEST_TABLES = (
    t.managers,
    t.products,
    t.customers,
    t.orders,
    t.order_lines,
    t.interactions,
    t.tags,
    t.customer_tags,
    t.property_definitions,
    t.customer_properties,
    t.segments,
    t.segment_members,
)


def digest(engine: Engine) -> str:
    """A hash of every generated row, in primary-key order."""
    h = hashlib.sha256()
    with engine.connect() as conn:
        for table in DIGEST_TABLES:
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_same_rows_other_seed_other_rows(backend: str, tmp_path: Path) -> None:
    digests = []
    for seed in (3, 3, 4):
        with fresh_database(backend, tmp_path) as engine:
            build_demo(engine, customers=150, seed=seed, today=TODAY)
            digests.append(digest(engine))
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_sqlite_and_postgresql_get_identical_rows(tmp_path: Path) -> None:
    digests = []
    for backend in BACKENDS:
        with fresh_database(backend, tmp_path) as engine:
            build_demo(engine, customers=120, seed=11, today=TODAY)
            digests.append(digest(engine))
    assert digests[0] == digests[1]


# --- counts and shape -------------------------------------------------------------------------


def test_counts(demo: tuple[Engine, DemoSummary]) -> None:
    engine, s = demo
    assert (s.customers, s.orders, s.managers, s.segments) == (2000, 10_000, 12, 2)
    assert 55 <= s.products <= 70
    assert 2.5 <= s.order_lines / s.orders <= 3.5
    assert s.interactions > s.customers
    assert s.examples and s.today == TODAY
    assert scalar(engine, select(func.min(t.orders.c.date))) > date(2024, 11, 22)
    assert scalar(engine, select(func.max(t.orders.c.date))) <= TODAY


def test_managers_roles_and_teams(demo: tuple[Engine, DemoSummary]) -> None:
    engine, _ = demo
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                t.managers.c.name,
                t.managers.c.surname,
                t.managers.c.role,
                t.managers.c.team_lead_id,
            )
        ).all()
    roles = [r.role for r in rows]
    assert (
        roles.count("admin") == 1 and 1 <= roles.count("manager") <= 2 and roles.count("rep") >= 6
    )
    assert all(r.team_lead_id is not None for r in rows if r.role == "rep")
    assert {
        "Ivan Ivanov",
        "Olga Petrova",
        "Sergei Sidorov",
        "Anna Smirnova",
        "Dmitry Kuznetsov",
    } <= {r.name for r in rows}
    assert all(r.name.endswith(r.surname) for r in rows)


def _share(engine: Engine, condition, table=t.customers) -> float:  # type: ignore[no-untyped-def]
    part = scalar(engine, select(func.count()).select_from(table).where(condition))
    return part / scalar(engine, select(func.count()).select_from(table))


@pytest.mark.parametrize(
    "condition, low, high",
    [
        (t.customers.c.status == "active", 0.75, 0.95),
        (t.customers.c.status == "check", 0.02, 0.15),
        (t.customers.c.status == "archived", 0.02, 0.15),
        (t.customers.c.rating.is_(None), 0.2, 0.5),
        (t.customers.c.rating == "A", 0.03, 0.15),
        (t.customers.c.email.is_(None), 0.05, 0.2),
        (t.customers.c.phone.is_(None), 0.03, 0.15),
        (t.customers.c.opted_out_at.is_not(None), 0.005, 0.05),
        (t.customers.c.created_at >= date(2026, 1, 1), 0.1, 0.4),
        (t.customers.c.created_at >= PERIODS["last_month"][0], 0.005, 0.1),
        (t.customers.c.created_at < date(2020, 1, 1), 0.1, 0.5),
        (t.customers.c.country != "Russia", 0.02, 0.1),
    ],
)
def test_customer_mix(demo: tuple[Engine, DemoSummary], condition, low: float, high: float) -> None:  # type: ignore[no-untyped-def]
    assert low <= _share(demo[0], condition) <= high


def test_returns_and_complaints_are_a_few_percent(demo: tuple[Engine, DemoSummary]) -> None:
    engine, _ = demo
    assert 0.03 <= _share(engine, t.order_lines.c.quantity < 0, t.order_lines) <= 0.05
    assert (
        scalar(
            engine,
            select(func.count()).where(t.order_lines.c.quantity < 0, t.order_lines.c.amount >= 0),
        )
        == 0
    )
    assert 0.01 <= _share(engine, t.interactions.c.kind == "complaint", t.interactions) <= 0.08
    kinds = {k for (k,) in demo[0].connect().execute(select(t.interactions.c.kind).distinct())}
    assert {"call", "email", "meeting", "visit", "complaint"} <= kinds


def test_seasonality_and_a_long_tail(demo: tuple[Engine, DemoSummary]) -> None:
    engine, _ = demo
    with engine.connect() as conn:
        dates = conn.scalars(
            select(t.orders.c.date).where(t.orders.c.date < date(2026, 11, 1))
        ).all()
        spend = sorted(
            conn.scalars(
                select(func.sum(t.order_lines.c.amount))
                .join(t.orders, t.orders.c.id == t.order_lines.c.order_id)
                .group_by(t.orders.c.customer_id)
            ).all(),
            reverse=True,
        )
    by_month = {m: sum(1 for d in dates if d.month == m) for m in range(1, 13)}
    assert min(by_month[4], by_month[10]) > 1.3 * by_month[12]
    assert by_month[12] < by_month[7]
    top = sum(spend[: len(spend) // 10])
    assert top > 0.4 * sum(spend)  # a few big B2B buyers
    assert len(spend) < 2000  # and some customers never bought


_ON_ORDER = t.order_lines.c.order_id == t.orders.c.id
_ON_PRODUCT = t.products.c.id == t.order_lines.c.product_id


def test_tags_properties_and_segments(demo: tuple[Engine, DemoSummary]) -> None:
    engine, _ = demo
    with engine.connect() as conn:
        tags = dict(
            conn.execute(
                select(t.tags.c.name, func.count(t.customer_tags.c.customer_id))
                .select_from(t.tags)
                .join(t.customer_tags)
                .group_by(t.tags.c.name)
            ).all()
        )
        props = dict(
            conn.execute(select(t.property_definitions.c.name, t.property_definitions.c.type)).all()
        )
        big = conn.scalar(select(func.count()).where(t.customer_properties.c.number_value > 100))
        segs = {r.name: r for r in conn.execute(select(t.segments))}
        members = conn.scalar(select(func.count()).select_from(t.segment_members))
        bit_buyers = conn.scalar(
            select(func.count())
            .select_from(t.segment_members)
            .where(
                t.segment_members.c.customer_id.in_(
                    select(t.orders.c.customer_id)
                    .join(t.order_lines, _ON_ORDER)
                    .join(t.products, _ON_PRODUCT)
                    .where(t.products.c.name.like("Drill Bits%"), t.order_lines.c.quantity > 0)
                )
            )
        )
    assert {"vip", "key-account", "newsletter"} <= set(tags) and all(tags.values())
    assert props == {"employees": "number", "contract_date": "date", "dealer": "yesno"}
    assert big > 0
    assert (
        segs["drill-buyers"].kind == "dynamic"
        and segs["drill-buyers"].query == "buyers of Super Drill"
    )
    assert segs["bits-offer"].kind == "static" and segs["bits-offer"].frozen_as_of == TODAY
    assert members == bit_buyers == 150


def test_ids_keep_working_after_the_load(demo: tuple[Engine, DemoSummary]) -> None:
    """Explicit ids were used for speed; the database's own id sequence must have moved on."""
    engine, _ = demo
    with engine.begin() as conn:
        new = conn.execute(
            insert(t.customers)
            .values(external_id="NEW-1", name="New Co", created_at=TODAY)
            .returning(t.customers.c.id)
        ).scalar_one()
        conn.execute(t.customers.delete().where(t.customers.c.id == new))
    assert new > 2000
