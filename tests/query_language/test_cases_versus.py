"""Period over period (issue #18), checked against the pandas oracle on both backends.

``spend this quarter vs last quarter by city`` answers, per group, the measure in both periods,
the change and the change in per cent; ``spend dropped by 30% vs last year`` chooses the
customers whose measure in the first period is at most 70% of the second's, among those with a
positive measure in the second. The oracle states the spec over the fixture's rows
(test_versus_metamorphic.py checks the parts against the separate answers,
test_versus_columnar.py the DuckDB copy against the primary).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine

from tests.query_language.fixture import MANAGERS, TODAY
from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - the module fixture
from tests.query_language.oracle import Oracle, Span
from tests.query_language.test_cases import ORACLE, check_query, expected_ids

__all__ = ["CHANGES", "COMPARES"]


def _back(span: Span) -> Span:
    """The same span one year earlier (the spec's ``same period last year``)."""
    lo, hi = span
    return (
        lo.replace(year=lo.year - 1) if lo else None,
        hi.replace(year=hi.year - 1) if hi else None,
    )


def change(
    o: Oracle, measure: str, way: str, pct: float | None, p1: Span, p2: Span, strict: bool = False
) -> pd.Series:
    """The spec: first ≤ (100 − pct)% of second (dropped), ≥ (100 + pct)% (grew); without pct
    below / above it; among customers with a positive measure in the second period. ``by more
    than 30%`` (strict): below 70%."""
    m = o.spend if measure == "spend" else o.orders_count
    first, second = m(p1).astype(float) * 100, m(p2).astype(float)
    if pct is None:
        test = first < second * 100 if way == "dropped" else first > second * 100
    elif way == "dropped":
        low = second * (100 - pct)
        test = first < low if strict else first <= low
    else:
        high = second * (100 + pct)
        test = first > high if strict else first >= high
    return (second > 0) & test


Y, LY, Q, LQ = ORACLE.period("this year"), ORACLE.period("last year"), None, None
Q, LQ = ORACLE.period("this quarter"), ORACLE.period("last quarter")
M, LM = ORACLE.period("this month"), ORACLE.period("last month")
Q2 = (date(2026, 4, 1), date(2026, 6, 30))
Y26 = (date(2026, 1, 1), date(2026, 12, 31))
D30, PD30 = ORACLE.period("last 30 days"), (date(2026, 9, 24), date(2026, 10, 23))

CHANGES: list[tuple[str, Callable[[Oracle], pd.Series]]] = [
    ("customers whose spend dropped by 30% vs last year", lambda o: change(o, "spend", "dropped", 30, Y, LY)),
    ("spend grew vs last quarter", lambda o: change(o, "spend", "grew", None, Q, LQ)),
    ("spend dropped vs last quarter", lambda o: change(o, "spend", "dropped", None, Q, LQ)),
    ("Moscow customers whose spend grew by 50% this year vs same period last year", lambda o: o.city("Moscow") & change(o, "spend", "grew", 50, Y, _back(Y))),
    ("orders dropped this year vs same period last year", lambda o: change(o, "orders", "dropped", None, Y, _back(Y))),
    ("orders grew by 100% vs last month", lambda o: change(o, "orders", "grew", 100, M, LM)),
    ("vip spend fell by 20 percent last quarter vs q2 2026", lambda o: o.tag("vip") & change(o, "spend", "dropped", 20, LQ, Q2)),
    ("rating A or B, spend decreased by 10% this quarter versus last quarter", lambda o: o.rating("A", "B") & change(o, "spend", "dropped", 10, Q, LQ)),
    ("spend dropped by more than 30% vs last year", lambda o: change(o, "spend", "dropped", 30, Y, LY, strict=True)),
    ("spend up by 20% vs last year", lambda o: change(o, "spend", "grew", 20, Y, LY)),
    ("spend down 10% last quarter vs same period last year", lambda o: change(o, "spend", "dropped", 10, LQ, _back(LQ))),
    ("клиенты, у которых выручка упала на 30% по сравнению с прошлым годом", lambda o: change(o, "spend", "dropped", 30, Y, LY)),
    ("выручка снизилась более чем на 30% по сравнению с прошлым годом", lambda o: change(o, "spend", "dropped", 30, Y, LY, strict=True)),
    ("падение выручки на 30% по сравнению с прошлым годом", lambda o: change(o, "spend", "dropped", 30, Y, LY)),
    ("рост заказов против прошлого квартала", lambda o: change(o, "orders", "grew", None, Q, LQ)),
    ("выручка выросла в этом квартале против прошлого", lambda o: change(o, "spend", "grew", None, Q, LQ)),
    ("заказы упали в этом году по сравнению с аналогичным периодом прошлого года", lambda o: change(o, "orders", "dropped", None, Y, _back(Y))),
    ("Moscow, выручка выросла на 50% в этом году против аналогичного периода прошлого года", lambda o: o.city("Moscow") & change(o, "spend", "grew", 50, Y, _back(Y))),
]  # fmt: skip


def _ids(engine: Engine, query: str) -> set[str]:
    from sqlalchemy import select

    from query_language import CatalogCache, interpret, matching_ids
    from query_language.lexicon import detect_language
    from storage import schema as s

    q = interpret(query, CatalogCache(engine).get(), today=TODAY, language=detect_language(query))
    ids = matching_ids(q).subquery()
    stmt = select(s.customers.c.external_id).where(s.customers.c.id.in_(select(ids.c[0])))
    with engine.connect() as conn:
        return set(conn.execute(stmt).scalars())


@pytest.mark.parametrize("query, expr", CHANGES, ids=[c[0] for c in CHANGES])
def test_change_condition(ql_db: Engine, query: str, expr: Callable[[Oracle], pd.Series]) -> None:  # noqa: F811
    if query.isascii():
        check_query(ql_db, query, expr)  # matching_ids and run_query's count
    else:
        assert _ids(ql_db, query) == expected_ids(query, expr), query


def test_the_change_cases_are_not_trivial() -> None:
    everyone = ORACLE.ids(ORACLE.live)
    for query, expr in CHANGES:
        got = expected_ids(query, expr)
        assert got and got != everyone, query


# --- vs answers ------------------------------------------------------------------------------
_NAMES = {i: n for i, n, _s in MANAGERS}


def compare(o: Oracle, mask: pd.Series, by: str, measure: str, p1: Span, p2: Span) -> dict:
    """``{key: (first, second)}``: per group of the matching customers, the spec's measure."""
    mask = mask & o.live
    keys = (
        o.c["manager_id"].map(_NAMES)
        if by == "manager"
        else o.c[by]
        if by != "all"
        else pd.Series(None, index=o.c.index, dtype=object)
    )

    def value(span: Span, members: pd.Index) -> float | None:
        spend, orders = o.spend(span)[members].sum(), o.orders_count(span)[members].sum()
        if measure == "spend":
            return round(float(spend), 2)
        if measure == "orders":
            return float(orders)
        if measure == "customers":
            return float(o.bought(span)[members].sum())
        return round(float(spend) / float(orders), 2) if orders else None  # aov

    out = {}
    chosen = keys[mask]
    for k in set(chosen.where(chosen.notna(), None)):
        members = chosen.index[chosen.isna()] if k is None else chosen.index[chosen == k]
        out[k] = (value(p1, members), value(p2, members))
    return out


COMPARES: list[tuple[str, str, str, Span, Span, Callable[[Oracle], pd.Series]]] = [
    ("spend this quarter vs last quarter by city", "city", "spend", Q, LQ, lambda o: o.all),
    ("spend this quarter vs last quarter by manager", "manager", "spend", Q, LQ, lambda o: o.all),
    ("spend this quarter vs last quarter", "all", "spend", Q, LQ, lambda o: o.all),
    ("orders this year vs same period last year by city", "city", "orders", Y, _back(Y), lambda o: o.all),
    ("buyers this month vs last month by city", "city", "customers", M, LM, lambda o: o.all),
    ("average order value this year vs last year by industry", "industry", "aov", Y, LY, lambda o: o.all),
    ("vip spend vs last quarter by rating", "rating", "spend", Q, LQ, lambda o: o.tag("vip")),
    ("Moscow orders last quarter vs q2 2026", "all", "orders", LQ, Q2, lambda o: o.city("Moscow")),
    ("how many customers this month vs last month by city", "city", "customers", M, LM, lambda o: o.all),
    ("spend in 2026 vs 2025 by city", "city", "spend", Y26, LY, lambda o: o.all),
    ("orders last 30 days vs previous 30 days by city", "city", "orders", D30, PD30, lambda o: o.all),
    ("выручка за последние 30 дней против предыдущих 30 дней", "all", "spend", D30, PD30, lambda o: o.all),
    ("выручка в этом квартале против прошлого по менеджерам", "manager", "spend", Q, LQ, lambda o: o.all),
    ("выручка в 2026 году против 2025 года по городам", "city", "spend", Y26, LY, lambda o: o.all),
    ("количество покупателей в этом месяце против прошлого по городам", "city", "customers", M, LM, lambda o: o.all),
    ("средний чек в этом году по сравнению с аналогичным периодом прошлого года", "all", "aov", Y, _back(Y), lambda o: o.all),
    ("заказы в этом году против прошлого года по отраслям", "industry", "orders", Y, LY, lambda o: o.all),
]  # fmt: skip


def _run(engine: Engine, query: str, conn: Any = None) -> Any:
    from query_language import CatalogCache, interpret, run_query
    from query_language.lexicon import detect_language

    q = interpret(query, CatalogCache(engine).get(), today=TODAY, language=detect_language(query))
    if conn is not None:
        return q, run_query(conn, q, limit=None)
    with engine.connect() as c:
        return q, run_query(c, q, limit=None)


def _close(a: float | None, b: float | None, tol: float = 0.011) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= tol)


@pytest.mark.parametrize("query, by, measure, p1, p2, expr", COMPARES, ids=[c[0] for c in COMPARES])
def test_vs_answer(
    ql_db: Engine,  # noqa: F811
    query: str,
    by: str,
    measure: str,
    p1: Span,
    p2: Span,
    expr: Callable[[Oracle], pd.Series],
) -> None:
    q, result = _run(ql_db, query)
    assert (q.output.first.start, q.output.first.end) == p1, query
    assert (q.output.second.start, q.output.second.end) == p2, query
    want = compare(ORACLE, expr(ORACLE), by, measure, p1, p2)
    got = {g["key"]: g for g in result.groups}
    assert set(got) == set(want), query
    for key, (first, second) in want.items():
        g = got[key]
        assert _close(g["first"], first) and _close(g["second"], second), (query, key, g)
        change_ = None if first is None or second is None else first - second
        assert _close(g["change"], change_, 0.02), (query, key, g)
        pct = None if change_ is None or not second else 100 * change_ / second
        assert _close(g["pct"], pct, 0.06), (query, key, g)
    firsts = [g["first"] for g in result.groups if g["first"] is not None]
    assert firsts == sorted(firsts, reverse=True)  # the largest first-period measure first
    assert any(g["first"] for g in result.groups) and any(g["second"] for g in result.groups)


@pytest.mark.parametrize(
    "query, words",
    [
        (
            "spend this quarter vs last quarter by manager",
            "customers · spend by manager: 2026-10-01..2026-11-22 vs 2026-07-01..2026-09-30",
        ),
        (
            "customers whose spend dropped by 30% vs last year",
            "customers · spend dropped by 30% or more: 2026-01-01..2026-11-22 vs 2025-01-01..2025-12-31",
        ),
        (
            "Moscow vip spend grew vs last quarter",
            "customers · city = Moscow · tag = vip · spend grew: 2026-10-01..2026-11-22 vs 2026-07-01..2026-09-30",
        ),
        (
            "spend dropped by more than 30% vs last year",
            "customers · spend dropped by more than 30%: 2026-01-01..2026-11-22 vs 2025-01-01..2025-12-31",
        ),
        (
            "выручка снизилась более чем на 30% по сравнению с прошлым годом",
            "клиенты · выручка упала более чем на 30%: 01.01.2026–22.11.2026 против 01.01.2025–31.12.2025",
        ),
        (
            "orders grew this year vs same period last year",
            "customers · orders grew: 2026-01-01..2026-11-22 vs 2025-01-01..2025-11-22",
        ),
        (
            "выручка в этом квартале против прошлого по менеджерам",
            "клиенты · выручка по менеджерам: 01.10.2026–22.11.2026 против 01.07.2026–30.09.2026",
        ),
        (
            "клиенты, у которых выручка упала на 30% по сравнению с прошлым годом",
            "клиенты · выручка упала на 30% и более: 01.01.2026–22.11.2026 против 01.01.2025–31.12.2025",
        ),
    ],
)
def test_the_echo_names_both_periods_with_dates(ql_db: Engine, query: str, words: str) -> None:  # noqa: F811
    assert _run(ql_db, query)[1].interpretation == words


@pytest.mark.parametrize(
    "query, message",
    [
        ("spend dropped by 30%", "compared with what?"),
        ("spend vs last quarter vs last year", "one comparison per query"),
        ("spend last quarter vs last quarter", "the two periods are the same"),
        ("customers this month vs last month", "compare what?"),
        ("spend by month this year vs last year", "I cannot compare periods by month"),
        ("top 10 customers this year vs last year", "does not go with vs"),
        ("spend dropped by 130% vs last year", "is not a change I can use"),
        ("vip or (spend dropped vs last year)", "must come at the top level"),
    ],
)
def test_what_vs_cannot_say_is_an_error(ql_db: Engine, query: str, message: str) -> None:  # noqa: F811
    from query_language import QueryError

    with pytest.raises(QueryError) as e:
        _run(ql_db, query)
    assert message in e.value.message


# --- vs by product or category: each period is the lines of the matching customers -----------
GOODS = [
    ("spend this year vs last year by product", "product", 0, Y, LY, lambda o: o.all),
    ("orders this quarter vs last quarter by category", "category", 1, Q, LQ, lambda o: o.all),
    ("Kazan buyers this year vs last year by product", "product", 2, Y, LY, lambda o: o.city("Kazan")),
    ("vip spend vs last quarter by category", "category", 0, Q, LQ, lambda o: o.tag("vip")),
    ("выручка в этом году против прошлого года по товарам", "product", 0, Y, LY, lambda o: o.all),
]  # fmt: skip


@pytest.mark.parametrize("query, dim, column, p1, p2, expr", GOODS, ids=[g[0] for g in GOODS])
def test_vs_by_product_or_category(
    ql_db: Engine,  # noqa: F811
    query: str,
    dim: str,
    column: int,
    p1: Span,
    p2: Span,
    expr: Callable[[Oracle], pd.Series],
) -> None:
    """Per product (category): (spend, orders, buyers)[column] in each period from the oracle's
    lines; a product sold in one period only has 0 in the other."""
    from tests.query_language.test_cases_dimensions import oracle_rows

    q, result = _run(ql_db, query)
    assert (q.output.first.start, q.output.first.end) == p1, query
    mask = expr(ORACLE) & ORACLE.live
    one, two = oracle_rows(ORACLE, mask, dim, p1), oracle_rows(ORACLE, mask, dim, p2)
    got = {g["key"]: g for g in result.groups}
    assert set(got) == set(one) | set(two), query
    for key, g in got.items():
        first = float(one[key][column]) if key in one else 0.0
        second = float(two[key][column]) if key in two else 0.0
        assert _close(g["first"], first) and _close(g["second"], second), (query, key, g)
        assert _close(g["change"], first - second, 0.02), (query, key, g)
        assert _close(g["pct"], 100 * (first - second) / second if second else None, 0.06)
    assert len(got) > 2 and any(g["change"] for g in got.values())


@pytest.mark.parametrize(
    "query, says",
    [
        ("spend this year vs last year by month", "I cannot compare periods by month"),
        ("average order value this year vs last year by product", "by spend, orders or buyers"),
    ],
)
def test_what_vs_cannot_group_by_is_said(ql_db: Engine, query: str, says: str) -> None:  # noqa: F811
    from query_language import QueryError

    with pytest.raises(QueryError) as refused:
        _run(ql_db, query)
    assert says in str(refused.value), query


def test_the_vs_table_names_products_and_periods_in_the_readers_language(ql_db: Engine) -> None:  # noqa: F811
    """The head says what the rows are (товар, not группа) and writes the periods as the echo."""
    from bot.compare_view import compare_table
    from bot.i18n import translator

    q, result = _run(ql_db, "выручка в этом году против прошлого года по товарам")
    head = compare_table(result, q.output, translator("ru"), "RUB", "ru").columns
    assert head[:3] == ("товар", "01.01.2026–22.11.2026", "01.01.2025–31.12.2025"), head
