"""Acceptance cases: every condition of the spec, checked against the pandas oracle.

Each case is ``(query, oracle expression)``; the expression returns a boolean mask over the
fixture's customers. Archived customers are left out unless the query mentions ``archived``.
The same table runs on SQLite and PostgreSQL (the ``ql_db`` fixture).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine

from tests.query_language.fixture import TODAY, build_rows, interpret_on, matching_external_ids
from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - the module fixture
from tests.query_language.oracle import Oracle

__all__ = ["ORACLE", "check_query", "Case", "LOYALTY"]

ORACLE = Oracle(build_rows(), TODAY)
P = ORACLE.period
Case = tuple[str, Callable[[Oracle], pd.Series]]


def expected_ids(query: str, expr: Callable[[Oracle], pd.Series]) -> set[str]:
    mask = expr(ORACLE)
    return ORACLE.ids(mask if "archived" in query.lower() else mask & ORACLE.live)


def check_query(engine: Engine, query: str, expr: Callable[[Oracle], pd.Series]) -> None:
    """Assert the engine selects exactly the oracle's customers, by matching_ids and run_query."""
    from query_language import run_query

    expected = expected_ids(query, expr)
    q = interpret_on(engine, query)
    got = matching_external_ids(engine, q)
    assert got == expected, (
        f"{query!r}: missing {sorted(expected - got)}, unexpected {sorted(got - expected)}"
    )
    with engine.connect() as conn:
        result = run_query(conn, q, offset=0, limit=None)
    assert result.count == len(expected), f"{query!r}: count {result.count} != {len(expected)}"


def _spend(
    lo: str | None = None, product: str | None = None, category: str | None = None
) -> Callable[[Oracle], pd.Series]:
    return lambda o: o.spend(o.period(lo) if lo else None, product, category)


def _last_before(o: Oracle, day: str) -> pd.Series:
    """Their latest order is dated before ``day``; never-ordered customers do not match."""
    return o.last_order().map(lambda d: isinstance(d, date) and d.isoformat() < day)


SD = "Super Drill"
CONDITIONS: list[Case] = [
    # --- place ---------------------------------------------------------------------------
    ("Moscow", lambda o: o.city("Moscow")),
    ("in Moscow", lambda o: o.city("Moscow")),
    ("from Moscow", lambda o: o.city("Moscow")),
    ("city Moscow", lambda o: o.city("Moscow")),
    ("moscow", lambda o: o.city("Moscow")),
    ("MOSCOW customers", lambda o: o.city("Moscow")),
    ("Saint Petersburg", lambda o: o.city("Saint Petersburg")),
    ("city saint petersburg", lambda o: o.city("Saint Petersburg")),
    ("region Volga", lambda o: o.region("Volga")),
    ("Volga customers", lambda o: o.region("Volga")),
    ("country Germany", lambda o: o.country("Germany")),
    ("Germany", lambda o: o.country("Germany")),
    ("customers from Kazakhstan", lambda o: o.country("Kazakhstan")),
    ("in Kazan", lambda o: o.city("Kazan")),
    # --- industry, manager ----------------------------------------------------------------
    ("industry manufacturing", lambda o: o.industry("manufacturing")),
    ("manufacturing", lambda o: o.industry("manufacturing")),
    ("retail customers", lambda o: o.industry("retail")),
    ("industry Logistics", lambda o: o.industry("logistics")),
    ("manager Ivanov", lambda o: o.manager("Ivanov")),
    ("managed by Ivanov", lambda o: o.manager("Ivanov")),
    ("Ivanov's", lambda o: o.manager("Ivanov")),
    ("Petrov's customers", lambda o: o.manager("Petrov")),
    ("manager Anna Sidorova", lambda o: o.manager("Sidorova")),
    ("manager smirnov", lambda o: o.manager("Smirnov")),
    # --- purchases ------------------------------------------------------------------------
    ("buyers of Super Drill", lambda o: o.bought(product=SD)),
    ("bought Super Drill", lambda o: o.bought(product=SD)),
    ("who bought Super Drill", lambda o: o.bought(product=SD)),
    ('buyers of "Super Drill"', lambda o: o.bought(product=SD)),
    ("buyers of super drill", lambda o: o.bought(product=SD)),
    ("buyers of Super Drill Pro", lambda o: o.bought(product="Super Drill Pro")),
    ("buyers of Drill Bits Set", lambda o: o.bought(product="Drill Bits Set")),
    (
        "buyers of WHITE HANGING HEART T-LIGHT HOLDER",
        lambda o: o.bought(product="WHITE HANGING HEART T-LIGHT HOLDER"),
    ),
    (
        "bought white hanging heart t-light holder",
        lambda o: o.bought(product="WHITE HANGING HEART T-LIGHT HOLDER"),
    ),
    ("buyers of SD-200", lambda o: o.bought(product="SD-200")),
    ("buyers of power tools", lambda o: o.bought(category="power tools")),
    ("buyers of consumables", lambda o: o.bought(category="consumables")),
    ("bought home decor", lambda o: o.bought(category="home decor")),
    ("buyers of Super Drill last month", lambda o: o.bought(P("last month"), SD)),
    ("buyers of Super Drill this year", lambda o: o.bought(P("this year"), SD)),
    ("buyers of Super Drill in Q3 2026", lambda o: o.bought(P("q3 2026"), SD)),
    (
        "buyers of Angle Grinder since 2026-03-01",
        lambda o: o.bought(P("since 2026-03-01"), "Angle Grinder"),
    ),
    # --- spend on a product ---------------------------------------------------------------
    (
        "buyers of Super Drill over 40k",
        lambda o: o.bought(product=SD) & (_spend(product=SD)(o) > 40000),
    ),
    (
        "buyers of Super Drill at least 40k",
        lambda o: o.bought(product=SD) & (_spend(product=SD)(o) >= 40000),
    ),
    (
        "buyers of Super Drill over 40k last quarter",
        lambda o: o.bought(P("last quarter"), SD) & (_spend("last quarter", SD)(o) > 40000),
    ),
    (
        "buyers of Super Drill at least 40000 last quarter",
        lambda o: o.bought(P("last quarter"), SD) & (_spend("last quarter", SD)(o) >= 40000),
    ),
    (
        "buyers of Super Drill under 20k",
        lambda o: o.bought(product=SD) & (_spend(product=SD)(o) < 20000),
    ),
    (
        "buyers of Super Drill Pro between 100k and 1m",
        lambda o: (
            o.bought(product="Super Drill Pro")
            & _spend(product="Super Drill Pro")(o).between(100000, 1000000)
        ),
    ),
    (
        "buyers of power tools over 100k this year",
        lambda o: (
            o.bought(P("this year"), category="power tools")
            & (_spend("this year", category="power tools")(o) > 100000)
        ),
    ),
    # --- spend on everything --------------------------------------------------------------
    ("spent over 40k", lambda o: _spend()(o) > 40000),
    ("spend over 40k", lambda o: _spend()(o) > 40000),
    ("over 40k", lambda o: _spend()(o) > 40000),
    ("spent over 40 000", lambda o: _spend()(o) > 40000),
    ("spent over 40,000", lambda o: _spend()(o) > 40000),
    ("spent over 40000", lambda o: _spend()(o) > 40000),
    ("spent over $40,000", lambda o: _spend()(o) > 40000),
    ("spent over 40000 rub", lambda o: _spend()(o) > 40000),
    ("spent over 40k €", lambda o: _spend()(o) > 40000),
    ("spent over 1.5m", lambda o: _spend()(o) > 1500000),
    ("spent over 1,5m", lambda o: _spend()(o) > 1500000),
    ("spent at least 1m last 12 months", lambda o: _spend("last 12 months")(o) >= 1000000),
    ("spent over 1m last 12 months", lambda o: _spend("last 12 months")(o) > 1000000),
    ("spent under 5k this year", lambda o: _spend("this year")(o) < 5000),
    ("spent less than 5k this year", lambda o: _spend("this year")(o) < 5000),
    ("spent below 5k this year", lambda o: _spend("this year")(o) < 5000),
    ("spent < 5000 this year", lambda o: _spend("this year")(o) < 5000),
    ("spent at most 20k this year", lambda o: _spend("this year")(o) <= 20000),
    ("spent <= 20000 this year", lambda o: _spend("this year")(o) <= 20000),
    ("spent > 40000", lambda o: _spend()(o) > 40000),
    ("spent >= 40000", lambda o: _spend()(o) >= 40000),
    ("spent above 40k last year", lambda o: _spend("last year")(o) > 40000),
    ("spent more than 40k in 2025", lambda o: _spend("2025")(o) > 40000),
    ("spent between 10k and 50k this year", lambda o: _spend("this year")(o).between(10000, 50000)),
    (
        "spent between 10000 and 40000 last quarter",
        lambda o: _spend("last quarter")(o).between(10000, 40000),
    ),
    # --- order counts ---------------------------------------------------------------------
    ("at least 3 orders", lambda o: o.orders_count() >= 3),
    ("more than 5 purchases", lambda o: o.orders_count() > 5),
    ("at least 2 orders this year", lambda o: o.orders_count(P("this year")) >= 2),
    ("at least 2 orders of Super Drill", lambda o: o.orders_count(product=SD) >= 2),
    ("more than 1 orders last year", lambda o: o.orders_count(P("last year")) > 1),
    ("at most 1 order this year", lambda o: o.orders_count(P("this year")) <= 1),
    ("less than 2 orders this year", lambda o: o.orders_count(P("this year")) < 2),
    # --- lapsed, last purchase, created ---------------------------------------------------
    ("no purchases in last 90 days", lambda o: o.lapsed(P("last 90 days"))),
    ("inactive for 6 months", lambda o: o.lapsed(P("last 6 months"))),
    ("lapsed 90 days", lambda o: o.lapsed(P("last 90 days"))),
    ("no purchases in last 30 days", lambda o: o.lapsed(P("last 30 days"))),
    ("last purchase before 2026-01-01", lambda o: _last_before(o, "2026-01-01")),
    ("last purchase before 2026-07-01", lambda o: _last_before(o, "2026-07-01")),
    ("new this year", lambda o: o.created(P("this year"))),
    ("created last month", lambda o: o.created(P("last month"))),
    ("created in 2025", lambda o: o.created(P("2025"))),
    ("new since 2026-03-01", lambda o: o.created(P("since 2026-03-01"))),
    # --- loyalty points and tiers ---------------------------------------------------------
    ("tier gold", lambda o: o.tier("gold")),
    ("loyalty tier silver or gold", lambda o: o.tier("silver", "gold")),
    ("not tier bronze", lambda o: ~o.tier("bronze")),
    ("Moscow tier gold", lambda o: o.city("Moscow") & o.tier("gold")),
]


@pytest.mark.parametrize("query, expr", CONDITIONS, ids=[c[0] for c in CONDITIONS])
def test_condition(ql_db: Engine, query: str, expr: Callable[[Oracle], pd.Series]) -> None:  # noqa: F811
    check_query(ql_db, query, expr)


def test_the_oracle_sees_the_boundaries() -> None:
    """The fixture is only useful if both sides of the tricky boundaries hold customers."""
    O = ORACLE  # noqa: N806, E741
    assert O.ids(O.bought(P("last quarter"), SD) & (O.spend(P("last quarter"), SD) == 40000))
    assert O.ids(O.bought(P("last quarter"), SD) & (O.spend(P("last quarter"), SD) > 40000))
    assert O.ids(O.spend(P("last 12 months")) == 1000000)
    assert O.ids(O.lapsed(P("last 90 days")) & O.bought((P("last 90 days")[0], None)).eq(False))
    assert "C0004" in O.ids(O.lapsed(P("last 90 days")))  # a return is not a purchase
    assert len(O.ids(O.city("Kazan") & O.live & (O.spend(P("this year")) > 0))) >= 10


def test_the_oracle_agrees_with_plain_sql(ql_db: Engine) -> None:  # noqa: F811
    """The loaded database and the oracle's frames are the same data (net spend, purchases)."""
    from sqlalchemy import text

    with ql_db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.external_id, SUM(l.amount), COUNT(DISTINCT CASE WHEN l.quantity > 0 THEN o.id END)"
                " FROM customers c JOIN orders o ON o.customer_id = c.id"
                " JOIN order_lines l ON l.order_id = o.id GROUP BY c.external_id"
            )
        ).all()
    spend, orders = ORACLE.spend(), ORACLE.orders_count()
    by_ext = {e: i for i, e in ORACLE.c["external_id"].items()}
    assert len(rows) == int((ORACLE.lines.groupby("customer_id").size() > 0).sum())
    for ext, total, n in rows:
        assert round(float(total), 2) == round(float(spend[by_ext[ext]]), 2), ext
        assert int(n) == int(orders[by_ext[ext]]), ext


@pytest.fixture(scope="module")
def ql_copy(ql_db: Engine, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]  # noqa: F811
    """The same fixture answered from its DuckDB copy (engine = "duckdb")."""
    from query_language.route import configure, router_for, unconfigure
    from storage.columnar import ColumnarSettings

    had = router_for(ql_db)
    settings = ColumnarSettings(engine="duckdb", threads=1, memory_limit="512MB")
    router = configure(ql_db, settings, tmp_path_factory.mktemp("qlcopy") / "copy.duckdb")
    yield router
    unconfigure(ql_db)
    if had is not None:
        configure(ql_db, had.settings, had.copy.path)


@pytest.mark.parametrize("query, expr", CONDITIONS, ids=[c[0] for c in CONDITIONS])
def test_condition_from_the_duckdb_copy(
    ql_db: Engine,  # noqa: F811
    ql_copy,  # type: ignore[no-untyped-def]
    query: str,
    expr: Callable[[Oracle], pd.Series],
) -> None:
    """Every case again through run_query on the copy: the oracle's customers, in the copy."""
    assert _through_copy(ql_db, ql_copy, query, expr) == 1, "answered from the primary"


def _through_copy(
    engine: Engine,
    router,  # type: ignore[no-untyped-def]
    query: str,
    expr: Callable[[Oracle], pd.Series],
) -> int:
    """``run_query`` with the copy configured gives the oracle's customers; returns how many
    times the copy answered (0: the primary did)."""
    from query_language import run_query

    expected = expected_ids(query, expr)
    before = router.counts.get("copy", 0)
    with engine.connect() as conn:
        result = run_query(conn, interpret_on(engine, query), offset=0, limit=None)
    assert {r["external_id"] for r in result.rows} == expected, query
    assert result.count == len(expected)
    return int(router.counts.get("copy", 0) - before)


# Loyalty points and tier moves: the ledger and the audit log are not in the analytical copy, so
# these are answered by the primary even when a copy is configured.
LOYALTY: list[Case] = [
    ("points over 500", lambda o: o.points() > 500),
    ("over 500 points", lambda o: o.points() > 500),
    ("points under 10", lambda o: o.points() < 10),
    ("points between 100 and 300", lambda o: o.points().between(100, 300)),
    ("not points over 500", lambda o: ~(o.points() > 500)),
    ("promoted this month", lambda o: o.moved("promoted", P("this month"))),
    ("demoted last month", lambda o: o.moved("demoted", P("last month"))),
    ("promoted", lambda o: o.moved("promoted", None)),
    (
        "promoted this month, points over 100",
        lambda o: o.moved("promoted", P("this month")) & (o.points() > 100),
    ),
    (
        "tier gold or demoted this month",
        lambda o: o.tier("gold") | o.moved("demoted", P("this month")),
    ),
]


@pytest.mark.parametrize("query, expr", LOYALTY, ids=[c[0] for c in LOYALTY])
def test_loyalty_condition(ql_db: Engine, query: str, expr: Callable[[Oracle], pd.Series]) -> None:  # noqa: F811
    check_query(ql_db, query, expr)


@pytest.mark.parametrize("query, expr", LOYALTY[::3], ids=[c[0] for c in LOYALTY[::3]])
def test_loyalty_condition_with_a_copy_is_answered_by_the_primary(
    ql_db: Engine,  # noqa: F811
    ql_copy,  # type: ignore[no-untyped-def]
    query: str,
    expr: Callable[[Oracle], pd.Series],
) -> None:
    assert _through_copy(ql_db, ql_copy, query, expr) == 0, "answered from the copy"
