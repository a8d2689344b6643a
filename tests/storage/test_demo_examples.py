"""The demo's documented examples have answers: checked in SQL, then through the query language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from storage import schema as t
from storage.demo import DemoSummary, build_demo
from storage.demo_showcase import periods
from tests.conftest import BACKENDS, fresh_database
from tests.storage.demo_fixture import demo as demo  # noqa: F401 - the shared fixture
from tests.storage.demo_fixture import demo_backend as demo_backend  # noqa: F401
from tests.storage.demo_fixture import scalar

TODAY = date(2026, 11, 22)
PERIODS = periods(TODAY)
_ON_ORDER = t.order_lines.c.order_id == t.orders.c.id
_ON_PRODUCT = t.products.c.id == t.order_lines.c.product_id


# --- every documented example has an answer ---------------------------------------------------


def _bought(product: str, start: date, end: date):  # type: ignore[no-untyped-def]
    return (
        select(t.orders.c.customer_id, func.sum(t.order_lines.c.amount).label("spend"))
        .select_from(t.orders)
        .join(t.order_lines, _ON_ORDER)
        .join(t.products, _ON_PRODUCT)
        .where(t.products.c.name == product, t.orders.c.date.between(start, end))
        .group_by(t.orders.c.customer_id)
    )


def _examples() -> dict:  # type: ignore[type-arg]
    c, lq, lm, ty = (
        t.customers,
        PERIODS["last_quarter"],
        PERIODS["last_month"],
        PERIODS["this_year"],
    )
    drill_lq = _bought("Super Drill", *lq).subquery()
    complaints = select(t.interactions.c.customer_id).where(
        t.interactions.c.kind == "complaint",
        t.interactions.c.date >= lm[0],
        t.interactions.c.date < PERIODS["this_year"][1].replace(day=1),
    )
    vip = select(t.customer_tags.c.customer_id).join(t.tags).where(t.tags.c.name == "vip")
    recent = select(t.orders.c.customer_id).where(t.orders.c.date >= date(2026, 8, 25))
    spend_12m = (
        select(t.orders.c.customer_id)
        .join(t.order_lines, _ON_ORDER)
        .where(t.orders.c.date >= date(2025, 11, 23))
        .group_by(t.orders.c.customer_id)
        .having(func.sum(t.order_lines.c.amount) > 1_000_000)
    )
    bits_offer = (
        select(t.segment_members.c.customer_id)
        .join(t.segments)
        .where(t.segments.c.name == "bits-offer")
    )
    return {
        "Moscow buyers of Super Drill over 40k last quarter, manager Ivanov": select(c.c.id)
        .join(drill_lq, drill_lq.c.customer_id == c.c.id)
        .join(t.managers)
        .where(c.c.city == "Moscow", t.managers.c.surname == "Ivanov", drill_lq.c.spend > 40_000),
        "buyers of Super Drill last month not in segment bits-offer": select(c.c.id).where(
            c.c.id.in_(_bought("Super Drill", *lm).with_only_columns(t.orders.c.customer_id)),
            c.c.id.not_in(bits_offer),
        ),
        "manufacturing buyers of Super Drill with complaints last month": select(c.c.id).where(
            c.c.industry == "manufacturing",
            c.c.id.in_(complaints),
            c.c.id.in_(
                _bought("Super Drill", date(2000, 1, 1), TODAY).with_only_columns(
                    t.orders.c.customer_id
                )
            ),
        ),
        "top 10 Kazan customers by spend this year": select(c.c.id).where(
            c.c.city == "Kazan",
            c.c.status != "archived",
            c.c.id.in_(select(t.orders.c.customer_id).where(t.orders.c.date.between(*ty))),
        ),
        "rating B or worse spent over 1m last 12 months": select(c.c.id).where(
            c.c.rating.in_(["B", "C"]), c.c.id.in_(spend_12m)
        ),
        "vip no purchases in last 90 days": select(c.c.id).where(
            c.c.id.in_(vip), c.c.id.not_in(recent), c.c.id.in_(select(t.orders.c.customer_id))
        ),
        "card Romashka": select(c.c.id).where(c.c.name == "Romashka"),
    }


@pytest.mark.parametrize("example", list(_examples()))
def test_documented_examples_have_answers(demo: tuple[Engine, DemoSummary], example: str) -> None:
    found = scalar(demo[0], select(func.count()).select_from(_examples()[example].subquery()))
    assert found >= (10 if example.startswith("top 10") else 1), example
    assert example in demo[1].examples


@pytest.mark.parametrize(
    "column, values",
    [
        (
            "city",
            [
                "Moscow",
                "Saint Petersburg",
                "Kazan",
                "Novosibirsk",
                "Yekaterinburg",
                "Nizhny Novgorod",
                "Samara",
                "Almaty",
                "Minsk",
                "Berlin",
            ],
        ),
        ("country", ["Russia", "Kazakhstan", "Belarus", "Germany"]),
        ("industry", ["manufacturing", "construction", "retail", "agriculture", "logistics"]),
    ],
)
def test_example_values_exist(
    demo: tuple[Engine, DemoSummary], column: str, values: list[str]
) -> None:
    with demo[0].connect() as conn:
        present = set(conn.scalars(select(t.customers.c[column]).distinct()))
    assert set(values) <= present


def test_regions_and_products(demo: tuple[Engine, DemoSummary]) -> None:
    with demo[0].connect() as conn:
        regions = dict(
            conn.execute(select(t.customers.c.city, t.customers.c.region).distinct()).all()
        )
        products = dict(conn.execute(select(t.products.c.name, t.products.c.category)).all())
        cities = set(conn.scalars(select(t.customers.c.city)))
        region_names = set(conn.scalars(select(t.customers.c.region)))
    assert regions["Moscow"] == "Central" and regions["Khimki"] == "Moscow Oblast"
    assert regions["Kazan"] == regions["Samara"] == regions["Nizhny Novgorod"] == "Volga"
    assert not cities & region_names  # no forced city/region ambiguity in the default demo
    assert products["Super Drill"] == products["Super Drill Pro"] == "power tools"
    assert products["Drill Bits for Metal"] == "consumables"
    assert {"ladders", "safety gear"} <= set(products.values())


# --- the examples the demo prints, through the real query language ----------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def small_ru_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, DemoSummary]]:
    with fresh_database(request.param, tmp_path_factory.mktemp("demo-ru")) as engine:
        yield engine, build_demo(engine, customers=400, today=TODAY, lang="ru")


def _answers(engine: Engine, summary: DemoSummary) -> dict[str, int]:
    from query_language import CatalogCache, interpret, run_query

    catalog = CatalogCache(engine).get()
    found = {}
    with engine.connect() as conn:
        for example in summary.examples:
            query = interpret(example, catalog, today=TODAY, language=summary.lang)
            result = run_query(conn, query)
            found[example] = len(result.groups) if result.groups else result.count
    return found


def test_every_printed_example_answers_in_english(demo: tuple[Engine, DemoSummary]) -> None:
    found = _answers(*demo)
    assert all(found.values()), found


def test_every_printed_example_answers_in_russian(
    small_ru_demo: tuple[Engine, DemoSummary],
) -> None:
    found = _answers(*small_ru_demo)
    assert all(found.values()), found
