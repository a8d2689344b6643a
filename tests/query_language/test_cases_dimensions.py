"""Dimensions (issue #18): products, categories, months, weeks, quarters and any customer field
or property as the rows of an answer, checked against the pandas oracle on both backends.

For a dimension of the order lines, each row is the matching customers' lines in the period
(the period measures, it does not choose the customers): net spend, distinct orders with a
purchase, buying customers; time buckets include the empty ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine

from tests.query_language.fixture import TODAY
from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - the module fixture
from tests.query_language.oracle import Oracle
from tests.query_language.test_cases import ql_copy as ql_copy  # noqa: F401 - the copy

Mask = Callable[[Oracle], pd.Series]

# (query, dimension, ranked by (None: every row), n, period, customers)
DIMS: list[tuple[str, str, str | None, int | None, str | None, Mask]] = [
    ("top 10 products by spend this year", "product", "spend", 10, "this year", lambda o: o.all),
    ("top 3 products by orders", "product", "orders", 3, None, lambda o: o.all),
    ("top 5 categories by orders", "category", "orders", 5, None, lambda o: o.all),
    ("bottom 2 products by spend last year", "product", "spend-asc", 2, "last year", lambda o: o.all),
    ("spend by product category last quarter", "category", None, None, "last quarter", lambda o: o.all),
    ("Kazan spend by product", "product", None, None, None, lambda o: o.city("Kazan")),
    ("vip orders by product this year", "product", None, None, "this year", lambda o: o.tag("vip")),
    ("spend by month this year", "month", None, None, "this year", lambda o: o.all),
    ("orders by week last 3 months", "week", None, None, "last 3 months", lambda o: o.all),
    ("spend by quarter in 2025", "quarter", None, None, "in 2025", lambda o: o.all),
    ("Moscow spend by month last year", "month", None, None, "last year", lambda o: o.city("Moscow")),
    ("топ 3 товаров по выручке в этом году", "product", "spend", 3, "this year", lambda o: o.all),
    ("выручка по месяцам в этом году", "month", None, None, "this year", lambda o: o.all),
    ("заказы по неделям за последние 3 месяца", "week", None, None, "last 3 months", lambda o: o.all),
    ("выручка по категориям товаров в прошлом квартале", "category", None, None, "last quarter", lambda o: o.all),
]  # fmt: skip


def _label(day: Any, dim: str) -> str:
    d = pd.Timestamp(day)
    if dim == "month":
        return f"{d.year}-{d.month:02d}"
    if dim == "quarter":
        return f"{d.year}-Q{d.quarter}"
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def oracle_rows(o: Oracle, mask: pd.Series, dim: str, span: Any) -> dict[Any, tuple]:
    """``{label: (spend, orders, buying customers)}`` from the oracle's lines."""
    ln = o._lines(span, None, None)
    ln = ln[ln["customer_id"].isin(mask[mask].index)]
    if dim in ("product", "category"):
        keys = ln["name"] if dim == "product" else ln["category"]
    else:
        keys = ln["date"].map(lambda d: _label(d, dim))
    out: dict[Any, tuple] = {}
    buys = ln["quantity"] > 0
    for k in keys.unique():
        g = ln[keys == k]
        b = g[buys[keys == k]]
        out[k] = (
            round(float(g["amount"].sum()), 2),
            b["order_id"].nunique(),
            b["customer_id"].nunique(),
        )
    if dim not in ("product", "category") and span is not None:
        freq = {"month": "M", "quarter": "Q", "week": "W-SUN"}[dim]
        for p in pd.period_range(span[0], span[1], freq=freq):
            out.setdefault(_label(p.start_time, dim), (0.0, 0, 0))
    return out


@pytest.mark.parametrize("query, dim, ranked, n, per, expr", DIMS, ids=[d[0] for d in DIMS])
def test_dimension(
    ql_db: Engine,  # noqa: F811
    query: str,
    dim: str,
    ranked: str | None,
    n: int | None,
    per: str | None,
    expr: Mask,
) -> None:
    from query_language import CatalogCache, interpret, run_query
    from query_language.lexicon import detect_language
    from tests.query_language.test_cases import ORACLE as o

    q = interpret(query, CatalogCache(ql_db).get(), today=TODAY, language=detect_language(query))
    with ql_db.connect() as conn:
        result = run_query(conn, q, offset=0, limit=None)
    want = oracle_rows(o, expr(o) & o.live, dim, o.period(per) if per else None)
    got = {g["key"]: (g["spend"], g["orders"], g["customers"]) for g in result.groups}
    for g in result.groups:
        assert g["count"] == g["customers"], "count is the buying customers, for charts"
        assert pytest.approx(want[g["key"]]) == got[g["key"]], (query, g["key"])
    if ranked is None:
        assert set(got) == set(want), query
        if dim not in ("product", "category"):
            assert [g["key"] for g in result.groups] == sorted(want), "in calendar order"
        return
    col = 1 if ranked.startswith("orders") else 0
    asc = ranked.endswith("-asc")
    best = sorted((v[col] for v in want.values()), reverse=not asc)[:n]
    assert [got[g["key"]][col] for g in result.groups] == best, query


def test_a_period_next_to_a_dimension_measures_and_does_not_choose(ql_db: Engine) -> None:  # noqa: F811
    """'spend by month this year' counts every matching customer, not this year's buyers."""
    from query_language import CatalogCache, describe, interpret, run_query
    from tests.query_language.test_cases import ORACLE as o

    q = interpret("spend by month this year", CatalogCache(ql_db).get(), today=TODAY)
    with ql_db.connect() as conn:
        result = run_query(conn, q, offset=0, limit=None)
    assert result.count == int(o.live.sum())
    assert "spend by month in 2026-01-01..2026-11-22" in describe(q)
    assert len(result.groups) == 11


@pytest.mark.parametrize(
    "query, field",
    [
        ("spend by employees", "employees"),
        ("count by channel", "channel"),
        ("spend by industry", None),
    ],
)
def test_group_by_a_property_or_field(ql_db: Engine, query: str, field: str | None) -> None:  # noqa: F811
    """Any standard or custom field groups customers: their count and net spend."""
    from query_language import CatalogCache, interpret, run_query
    from tests.query_language.test_cases import ORACLE as o

    q = interpret(query, CatalogCache(ql_db).get(), today=TODAY)
    with ql_db.connect() as conn:
        result = run_query(conn, q, offset=0, limit=None)
    mask = o.live
    key = o.prop(field) if field else o.c["industry"]
    spend = o.spend()
    want: dict[Any, list] = {}
    for cid in mask[mask].index:
        k = key[cid]
        k = None if pd.isna(k) else (k.lower() if isinstance(k, str) else float(k))
        want.setdefault(k, [0, 0.0])
        want[k][0] += 1
        want[k][1] += float(spend[cid])
    got = {
        (
            g["key"].lower()
            if isinstance(g["key"], str)
            else None
            if g["key"] is None
            else float(g["key"])
        ): [
            g["count"],
            g["spend"],
        ]
        for g in result.groups
    }
    assert got.keys() == want.keys()
    for k, (cnt, sp) in want.items():
        assert got[k][0] == cnt and got[k][1] == pytest.approx(sp), (query, k)


# --- measures ------------------------------------------------------------------------------
# (query, customer field or None for one row, measure, period, customers)
MEASURES: list[tuple[str, str | None, str, str | None, Mask]] = [
    ("average order value by city", "city", "aov", None, lambda o: o.all),
    ("average order value", None, "aov", None, lambda o: o.all),
    ("average order value by industry this year", "industry", "aov", "this year", lambda o: o.all),
    ("average spend per customer this year", None, "avg_spend", "this year", lambda o: o.all),
    ("Kazan average spend per customer last year", None, "avg_spend", "last year", lambda o: o.city("Kazan")),
    ("median orders", None, "median_orders", None, lambda o: o.all),
    ("median orders by manager", "manager", "median_orders", None, lambda o: o.all),
    ("vip median spend by city", "city", "median_spend", None, lambda o: o.tag("vip")),
    ("share of spend by manager", "manager", "share", None, lambda o: o.all),
    ("share of spend by city last year", "city", "share", "last year", lambda o: o.all),
    ("средний чек по городам", "city", "aov", None, lambda o: o.all),
    ("доля выручки по менеджерам в прошлом году", "manager", "share", "last year", lambda o: o.all),
    ("медиана заказов", None, "median_orders", None, lambda o: o.all),
]  # fmt: skip


def _oracle_measure(o: Oracle, mask: pd.Series, field: str | None, measure: str, span: Any) -> dict:
    spend, orders = o.spend(span), o.orders_count(span)
    ids = list(mask[mask].index)
    keys = {cid: (o.c.loc[cid, field] if field else None) for cid in ids}
    total = float(spend[ids].sum())
    out: dict[Any, float | None] = {}
    for k in set(keys.values()):
        mine = [cid for cid in ids if keys[cid] == k or (pd.isna(k) and pd.isna(keys[cid]))]
        sp, no = float(spend[mine].sum()), int(orders[mine].sum())
        value = {
            "aov": sp / no if no else None,
            "avg_spend": sp / len(mine),
            "median_orders": float(pd.Series(orders[mine]).median()),
            "median_spend": float(pd.Series(spend[mine]).median()),
            "share": 100 * sp / total if total else None,
        }[measure]
        out[None if k is None or pd.isna(k) else str(k).lower()] = value
    return out


@pytest.mark.parametrize("query, field, measure, per, expr", MEASURES, ids=[m[0] for m in MEASURES])
def test_measure(
    ql_db: Engine,  # noqa: F811
    query: str,
    field: str | None,
    measure: str,
    per: str | None,
    expr: Mask,
) -> None:
    """Averages, medians and shares per group, and a period that measures (not chooses)."""
    from query_language import CatalogCache, interpret, run_query
    from query_language.lexicon import detect_language
    from tests.query_language.fixture import MANAGERS
    from tests.query_language.test_cases import ORACLE as o

    q = interpret(query, CatalogCache(ql_db).get(), today=TODAY, language=detect_language(query))
    with ql_db.connect() as conn:
        result = run_query(conn, q, offset=0, limit=None)
    surname = {name.lower(): s.lower() for _, name, s in MANAGERS}
    got = {
        (
            None if g["key"] is None else surname.get(str(g["key"]).lower(), str(g["key"]).lower())
        ): g["value"]
        for g in result.groups
    }
    want = _oracle_measure(o, expr(o) & o.live, field, measure, o.period(per) if per else None)
    assert got.keys() == want.keys(), query
    for k, v in want.items():
        assert got[k] == (None if v is None else pytest.approx(v, abs=0.01)), (query, k)
    values = [g["value"] for g in result.groups if g["value"] is not None]
    assert values == sorted(values, reverse=True), "largest first"


# (query, dimension, measure, period, customers)
LINE_MEASURES: list[tuple[str, str, str, str | None, Mask]] = [
    ("average order value by product this year", "product", "aov", "this year", lambda o: o.all),
    ("share of spend by category", "category", "share", None, lambda o: o.all),
    ("Kazan share of spend by month last year", "month", "share", "last year", lambda o: o.city("Kazan")),
    ("average spend per customer by category last quarter", "category", "avg_spend", "last quarter", lambda o: o.all),
    ("vip share of spend by product this year", "product", "share", "this year", lambda o: o.tag("vip")),
    ("средний чек по товарам в этом году", "product", "aov", "this year", lambda o: o.all),
    ("доля выручки по категориям", "category", "share", None, lambda o: o.all),
]  # fmt: skip


@pytest.mark.parametrize(
    "query, dim, measure, per, expr", LINE_MEASURES, ids=[m[0] for m in LINE_MEASURES]
)
def test_measure_by_a_line_dimension(
    ql_db: Engine,  # noqa: F811
    query: str,
    dim: str,
    measure: str,
    per: str | None,
    expr: Mask,
) -> None:
    """Average order value (net spend ÷ orders), average spend per buying customer and the share
    of the period's whole net spend (of every group, not only those shown), per product,
    category or calendar bucket; products and categories ranked by it."""
    from query_language import CatalogCache, interpret, run_query
    from query_language.lexicon import detect_language
    from tests.query_language.test_cases import ORACLE as o

    q = interpret(query, CatalogCache(ql_db).get(), today=TODAY, language=detect_language(query))
    with ql_db.connect() as conn:
        result = run_query(conn, q, offset=0, limit=None)
    rows = oracle_rows(o, expr(o) & o.live, dim, o.period(per) if per else None)
    total = sum(sp for sp, _no, _cu in rows.values())

    def value(sp: float, no: int, cu: int) -> float | None:
        per_what = {"aov": no, "avg_spend": cu}.get(measure)
        if measure == "share":
            return 100 * sp / total if total else None
        return sp / per_what if per_what else None

    want = {k: value(*v) for k, v in rows.items()}
    got = {g["key"]: g["value"] for g in result.groups}
    assert got.keys() == want.keys(), query
    for k, v in got.items():
        assert v == (None if want[k] is None else pytest.approx(want[k], abs=0.01)), (query, k)
    if dim in ("product", "category"):
        values = [v for v in got.values() if v is not None]
        assert values == sorted(values, reverse=True), "largest first"


@pytest.mark.parametrize(
    "query",
    [
        "top 3 categories share of spend",
        "share of spend top 3 products",
        "топ 3 категорий доля выручки",
    ],
)
def test_a_top_n_of_a_dimension_by_a_measure_is_refused_not_read_as_spend(
    ql_db: Engine,  # noqa: F811
    query: str,
) -> None:
    """The measure was dropped and the top N ranked by spend, silently."""
    from query_language import CatalogCache, QueryError, interpret
    from query_language.lexicon import detect_language

    with pytest.raises(QueryError):
        interpret(query, CatalogCache(ql_db).get(), today=TODAY, language=detect_language(query))


def test_a_median_by_a_line_dimension_is_refused_clearly(ql_db: Engine) -> None:  # noqa: F811
    from query_language import CatalogCache, QueryError, interpret

    with pytest.raises(QueryError) as e:
        interpret("median orders by product", CatalogCache(ql_db).get(), today=TODAY)
    assert "median orders" in str(e.value) and "product" in str(e.value)


@pytest.mark.parametrize(
    "query",
    [
        "spend by month this year",
        "orders by week last 3 months",
        "spend by quarter in 2025",
        "top 3 products by spend this year",
        "average order value by city",
        "median orders by manager",
        "share of spend by manager",
        "average order value by product this year",
        "share of spend by category",
    ],
)
def test_the_duckdb_copy_answers_the_same(ql_db: Engine, ql_copy, query: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Dimensions and measures from the analytical copy equal the primary's answer."""
    from query_language import CatalogCache, interpret, run_query
    from query_language.route import configure, router_for, unconfigure

    q = interpret(query, CatalogCache(ql_db).get(), today=TODAY)
    router = router_for(ql_db)
    assert router is not None
    before = router.counts.get("copy", 0)
    with ql_db.connect() as conn:
        copied = run_query(conn, q, offset=0, limit=None)
    assert router.counts.get("copy", 0) == before + 1, "answered from the primary"
    unconfigure(ql_db)
    try:
        with ql_db.connect() as conn:
            primary = run_query(conn, q, offset=0, limit=None)
    finally:
        configure(ql_db, router.settings, router.copy.path)
    assert copied.groups == primary.groups and copied.count == primary.count, query
