"""The faster statement shapes keep their answers: merged purchase aggregates, purchases as IN
or EXISTS, lapsed as (NOT) EXISTS, NOT under negation, and run_query's count from the page's
window or from the groups."""

from __future__ import annotations

from datetime import date

import pytest

from query_language import ast as a
from query_language import interpret, run_query

from .conftest import TODAY, ids

SD = a.Scope((1,), label="Super Drill")
AUG = a.Period(date(2026, 8, 1), date(2026, 8, 31))


def _q(where: a.Node, output: a.Output | None = None) -> a.Query:
    return a.Query("", "en", TODAY, where, output or a.Count())


@pytest.mark.parametrize(
    "where, expected",
    [
        (
            a.Bought(SD, None, spend=a.Cmp(">", 1000.0), orders=a.Cmp(">=", 2.0)),
            {1},
        ),  # 2 orders, 50k
        (a.Bought(SD, None, spend=a.Cmp(">", 1000.0), orders=a.Cmp("<", 2.0)), {3}),
        (a.Bought(SD, None, orders=a.Cmp("<", 2.0)), {3}),  # bought, so never "0 orders"
        (a.Bought(a.Scope((2,)), None, spend=a.Cmp("<", 30000.0)), {2}),  # 50k bought, 25k returned
        (
            a.Bought(
                a.Scope((2,)), a.Period(date(2026, 9, 1), date(2026, 9, 30)), spend=a.Cmp("<", 0.0)
            ),
            set(),
        ),
        (a.Bought(a.Scope(), None), {1, 2, 3, 5}),  # EXISTS: no scope, all time
        (
            a.Bought(a.Scope(), a.Period(date(2026, 1, 1), TODAY)),
            {1, 2, 3},
        ),  # EXISTS: a long period
        (
            a.Bought(a.Scope(), a.Period(date(2026, 9, 1), TODAY)),
            {1, 3},
        ),  # IN: short; 2 only returned
        (a.Not(a.Bought(a.Scope(), a.Period(date(2026, 1, 1), TODAY))), {5}),
        (a.Lapsed(AUG), {1, 5}),  # 1 bought in July and again in September: not in August
        (a.Lapsed(a.Period(date(2026, 9, 1), TODAY)), {2, 5}),  # 2's September line is a return
        (a.Not(a.Lapsed(AUG)), {2, 3}),
        (a.Not(a.RatingIn(("A",))), {2, 3, 5}),  # 3 is unrated: NULL must not hide it
        (a.Not(a.And((a.FieldIs("city", ("Moscow",), "Moscow"), a.RatingIn(("A",))))), {2, 3, 5}),
        (a.Not(a.FieldIs("manager", (1,), "Ivanov")), {2, 5}),
        (a.Or((a.RatingIn(("",)), a.HasTag(1, "vip"))), {1, 3, 5}),
    ],
)
def test_shapes_match_the_right_customers(mini_db, where: a.Node, expected: set[int]) -> None:  # type: ignore[no-untyped-def]
    assert ids(mini_db, _q(where)) == expected


@pytest.mark.parametrize(
    "text, offset, limit, count, names",
    [
        ("list", 0, 2, 4, ["Berlin Haus", "Lotos"]),
        ("list", 3, 5, 4, ["Vasilek"]),
        ("list", 9, 5, 4, []),  # past the end: counted apart
        ("list", 9, None, 4, []),
        ("list", 1, None, 4, ["Lotos", "Romashka", "Vasilek"]),
        ("list", 0, 0, 4, []),  # the count alone
        ("Kazan", 0, 10, 1, ["Lotos"]),
        ("Berlin buyers of Super Drill", 0, 10, 0, []),
        ("top 3 by spend", 1, 10, 4, ["Vasilek", "Lotos"]),  # from the 2nd; top 3 stops there
        ("top 3 by orders", 0, None, 4, ["Romashka", "Berlin Haus", "Lotos"]),  # ties by name
        ("top 2 by last purchase", 0, 10, 4, ["Lotos", "Romashka"]),
    ],
)
def test_run_query_counts_every_match_whatever_the_page(
    mini_db,
    mini_catalog,
    text: str,
    offset: int,  # type: ignore[no-untyped-def]
    limit: int | None,
    count: int,
    names: list[str],
) -> None:
    with mini_db.connect() as conn:
        result = run_query(
            conn, interpret(text, mini_catalog, today=TODAY), offset=offset, limit=limit
        )
    assert result.count == count
    assert [r["name"] for r in result.rows] == names


def test_group_counts_add_up_to_the_count(mini_db, mini_catalog) -> None:  # type: ignore[no-untyped-def]
    with mini_db.connect() as conn:
        groups = run_query(conn, interpret("count by rating", mini_catalog, today=TODAY))
        listed = run_query(conn, interpret("list", mini_catalog, today=TODAY), limit=None)
    assert groups.count == len(listed.rows) == 4
    assert {g["key"]: g["count"] for g in groups.groups} == {"A": 1, "B": 1, None: 1, "C": 1}


def test_manager_scope_applies_to_page_and_count(mini_db, mini_catalog) -> None:  # type: ignore[no-untyped-def]
    with mini_db.connect() as conn:
        result = run_query(
            conn, interpret("top 5 by spend", mini_catalog, today=TODAY), scope_manager_id=2
        )
    assert result.count == 2 and [r["id"] for r in result.rows] == [2, 5]
