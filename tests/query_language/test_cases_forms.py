"""Acceptance cases: output forms (count, list, top N, groups, card), errors, ambiguity, echo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine

from tests.query_language.fixture import MANAGERS, TODAY, interpret_on, matching_external_ids
from tests.query_language.fixture import ambiguous_db as ambiguous_db  # noqa: F401
from tests.query_language.fixture import ql_db as ql_db  # noqa: F401
from tests.query_language.oracle import Oracle, period
from tests.query_language.test_cases import ORACLE, Case, check_query, expected_ids

FORMS: list[Case] = [
    ("count Moscow", lambda o: o.city("Moscow")),
    ("how many Moscow customers", lambda o: o.city("Moscow")),
    (
        "how many vip customers bought Super Drill",
        lambda o: o.tag("vip") & o.bought(product="Super Drill"),
    ),
    ("list Moscow", lambda o: o.city("Moscow")),
    ("show vip", lambda o: o.tag("vip")),
    (
        "show Kazan buyers of Super Drill",
        lambda o: o.city("Kazan") & o.bought(product="Super Drill"),
    ),
]


@pytest.mark.parametrize("query, expr", FORMS, ids=[c[0] for c in FORMS])
def test_count_and_list_forms(
    ql_db: Engine, query: str, expr: Callable[[Oracle], pd.Series]
) -> None:  # noqa: F811
    check_query(ql_db, query, expr)


def test_a_page_is_a_slice_of_the_whole(ql_db: Engine) -> None:  # noqa: F811
    from query_language import run_query

    q = interpret_on(ql_db, "list Moscow")
    with ql_db.connect() as conn:
        whole = run_query(conn, q, offset=0, limit=None)
        page = run_query(conn, q, offset=5, limit=10)
    assert page.count == whole.count == len(expected_ids("Moscow", lambda o: o.city("Moscow")))
    assert [r["external_id"] for r in page.rows] == [r["external_id"] for r in whole.rows][5:15]
    assert whole.interpretation


# (query, n, measure, oracle period phrase or None, mask)
TOPS: list[tuple[str, int, str, str | None, Callable[[Oracle], pd.Series]]] = [
    (
        "top 10 Kazan customers by spend this year",
        10,
        "spend",
        "this year",
        lambda o: o.city("Kazan"),
    ),
    ("top 5 customers by orders", 5, "orders", None, lambda o: o.all),
    (
        "top 3 Moscow customers by spend last quarter",
        3,
        "spend",
        "last quarter",
        lambda o: o.city("Moscow"),
    ),
    ("top 10 vip by spend", 10, "spend", None, lambda o: o.tag("vip")),
    ("top 5 by last purchase", 5, "last", None, lambda o: o.all),
    (
        "top 5 manufacturing customers by orders this year",
        5,
        "orders",
        "this year",
        lambda o: o.industry("manufacturing"),
    ),
]


@pytest.mark.parametrize("query, n, by, per, expr", TOPS, ids=[t[0] for t in TOPS])
def test_top(
    ql_db: Engine,
    query: str,
    n: int,
    by: str,
    per: str | None,  # noqa: F811
    expr: Callable[[Oracle], pd.Series],
) -> None:
    """The first N by the measure, best first (ties may come in any order)."""
    from query_language import run_query

    o = ORACLE
    mask = expr(o) & o.live
    span = o.period(per) if per else None
    with ql_db.connect() as conn:
        result = run_query(conn, interpret_on(ql_db, query), offset=0, limit=None)
    got = [r["external_id"] for r in result.rows]
    ext_to_id = {e: i for i, e in o.c["external_id"].items()}
    assert set(got) <= o.ids(mask), f"{query!r}: rows outside the filter"
    measure = o.measure(by, span)
    assert [float(measure[ext_to_id[e]]) for e in got] == o.top_values(mask, n, by, span), query


GROUPS: list[tuple[str, str, str | None, Callable[[Oracle], pd.Series]]] = [
    ("spend by city", "city", None, lambda o: o.all),
    ("count by manager", "manager", None, lambda o: o.all),
    ("by rating", "rating", None, lambda o: o.all),
    ("spend by city vip", "city", None, lambda o: o.tag("vip")),
    ("count by manager Moscow", "manager", None, lambda o: o.city("Moscow")),
    ("spend by region rating A", "region", None, lambda o: o.rating("A")),
    ("spend by city this year", "city", "this year", lambda o: o.bought(o.period("this year"))),
    ("count by tier", "tier", None, lambda o: o.all),
    ("spend by tier Moscow", "tier", None, lambda o: o.city("Moscow")),
]


def _key(k: Any) -> Any:
    if k in (None, "", "unrated", "—", "-", "none"):
        return None
    k = str(k).lower()
    return {name.lower(): surname.lower() for _, name, surname in MANAGERS}.get(k, k)


@pytest.mark.parametrize("query, by, per, expr", GROUPS, ids=[g[0] for g in GROUPS])
def test_groups(
    ql_db: Engine,
    query: str,
    by: str,
    per: str | None,  # noqa: F811
    expr: Callable[[Oracle], pd.Series],
) -> None:
    """One row per group with the count of customers and their net spend (in the period)."""
    from query_language import run_query

    o = ORACLE
    want = o.groups(expr(o) & o.live, by, o.period(per) if per else None)
    with ql_db.connect() as conn:
        result = run_query(conn, interpret_on(ql_db, query), offset=0, limit=None)
    got = {
        _key(g["key"]): (int(g["count"]), round(float(g["spend"] or 0), 2)) for g in result.groups
    }
    want = {_key(k): (c, round(sp, 2)) for k, (c, sp) in want.items()}
    assert got == want, query


@pytest.mark.parametrize("query", ["card Romashka", "Romashka", "card romashka"])
def test_card(ql_db: Engine, query: str) -> None:  # noqa: F811
    from query_language import run_query

    with ql_db.connect() as conn:
        result = run_query(conn, interpret_on(ql_db, query), offset=0, limit=None)
    assert [r["external_id"] for r in result.rows] == ["C0001"]
    assert result.rows[0]["name"] == "Romashka"


# --- errors -------------------------------------------------------------------------------
ERRORS = [  # (query, the offending word, a suggestion that must be offered or None)
    ("Moskow", "Moskow", "Moscow"),
    ("vip Moskow", "Moskow", "Moscow"),
    ("buyers of Super Dril", "Dril", "Super Drill"),
    ("manager Ivanof", "Ivanof", "Ivanov"),
    ("city Kazn", "Kazn", "Kazan"),
    ("Moscow spent over", None, None),
    ("Moscow spent", None, None),  # a dangling keyword is not silently dropped
    ("buyers of", None, None),
    ("rating Q", "Q", None),
    ("segment no-such-segment", "no-such-segment", None),
    ("(Moscow or Kazan", None, None),
    ("top by spend by", None, None),
]


@pytest.mark.parametrize("query, word, suggestion", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_point_at_the_word(
    ql_db: Engine,
    query: str,
    word: str | None,  # noqa: F811
    suggestion: str | None,
) -> None:
    from query_language import QueryError

    with pytest.raises(QueryError) as info:
        interpret_on(ql_db, query)
    err = info.value
    start, end = err.span
    assert 0 <= start <= end <= len(query), (query, err.span)
    assert err.message
    if word:
        at = query.index(word)
        assert start <= at and end >= at + len(word), (query, err.span, err.message)
    if suggestion:
        assert suggestion.lower() in [str(s).lower() for s in err.suggestions], err.suggestions
    assert isinstance(err.to_json(), dict)


def test_ambiguous_value_offers_each_reading(ambiguous_db: Engine) -> None:  # noqa: F811
    from query_language import QueryError

    with pytest.raises(QueryError) as info:
        interpret_on(ambiguous_db, "Moscow")
    choices = info.value.choices
    assert len(choices) >= 2
    results = set()
    for choice in choices:
        text = choice["query"] if isinstance(choice, dict) else choice[1]
        results.add(
            frozenset(matching_external_ids(ambiguous_db, interpret_on(ambiguous_db, text)))
        )
    assert {frozenset({"A1", "A3"}), frozenset({"A2", "A3"})} <= results


@pytest.mark.parametrize(
    "query, ids",
    [
        ("city Moscow", {"A1", "A3"}),
        ("region Moscow", {"A2", "A3"}),
        ("tag retail", {"A1"}),
        ("industry retail", {"A1", "A2", "A3", "A4"}),
    ],
)
def test_a_keyword_settles_ambiguity(ambiguous_db: Engine, query: str, ids: set[str]) -> None:  # noqa: F811
    assert matching_external_ids(ambiguous_db, interpret_on(ambiguous_db, query)) == ids


# --- the echo -----------------------------------------------------------------------------
ECHOES = [
    (f"buyers of Super Drill {typed}", p)
    for typed, p in [
        ("today", "today"),
        ("yesterday", "yesterday"),
        ("this week", "this week"),
        ("last week", "last week"),
        ("this month", "this month"),
        ("last month", "last month"),
        ("this quarter", "this quarter"),
        ("last quarter", "last quarter"),
        ("this year", "this year"),
        ("last year", "last year"),
        ("ytd", "ytd"),
        ("last 30 days", "last 30 days"),
        ("last 2 weeks", "last 2 weeks"),
        ("last 6 months", "last 6 months"),
        ("last 12 months", "last 12 months"),
        ("in 2025", "2025"),
        ("in March 2026", "march 2026"),
        ("in Q3 2026", "q3 2026"),
        ("in 2026-03", "2026-03"),
        ("between 2026-01-01 and 2026-03-31", "between 2026-01-01 and 2026-03-31"),
    ]
]


@pytest.mark.parametrize("query, per", ECHOES, ids=[e[0] for e in ECHOES])
def test_echo_names_concrete_dates(ql_db: Engine, query: str, per: str) -> None:  # noqa: F811
    from query_language import describe

    lo, hi = period(per, TODAY)
    text = describe(interpret_on(ql_db, query))
    assert "Super Drill" in text
    assert f"{lo.isoformat()}..{hi.isoformat()}" in text or (lo == hi and lo.isoformat() in text), (
        text
    )


def test_echo_of_the_first_worked_example(ql_db: Engine) -> None:  # noqa: F811
    from query_language import describe

    text = describe(
        interpret_on(ql_db, "Moscow buyers of Super Drill over 40k last quarter, manager Ivanov")
    )
    for part in ("Moscow", "Super Drill", "2026-07-01..2026-09-30", "Ivanov"):
        assert part in text, text
    assert "40 000" in text or "40000" in text or "40,000" in text, text
    lapsed = describe(interpret_on(ql_db, "vip no purchases in last 90 days"))
    assert "2026-08-25" in lapsed and "vip" in lapsed, lapsed


ECHO_PARTS = [  # (query, fragments the echo must contain)
    ("at least 2 orders of Super Drill", ["2", "Super Drill"]),
    ("channel = trade show", ["channel", "trade show"]),
    ("employees over 100", ["employees", "100"]),
    ("not in segment bits-offer", ["bits-offer"]),
    ("rating B or worse", ["B", "C"]),
    ("Ivanov's vip", ["Ivanov", "vip"]),
    ("buyers of power tools", ["power tools"]),
    ("buyers of WHITE HANGING HEART T-LIGHT HOLDER", ["WHITE HANGING HEART T-LIGHT HOLDER"]),
    ("with complaints last month", ["complain", "2026-10-01..2026-10-31"]),
]


@pytest.mark.parametrize("query, parts", ECHO_PARTS, ids=[e[0] for e in ECHO_PARTS])
def test_echo_mentions_every_condition(ql_db: Engine, query: str, parts: list[str]) -> None:  # noqa: F811
    from query_language import describe

    text = describe(interpret_on(ql_db, query))
    for part in parts:
        assert part.lower() in text.lower(), f"{query!r}: {text!r} lacks {part!r}"
