"""The compiler, from ASTs built by hand, on SQLite and PostgreSQL; plus run_query smoke tests."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from query_language import ast as a
from query_language import interpret, matching_ids, run_query

from .conftest import TODAY, ids

Q3 = a.Period(date(2026, 7, 1), date(2026, 9, 30))
YEAR = a.Period(date(2026, 1, 1), TODAY)
SD = a.Scope((1,), label="Super Drill")


def _q(
    where: a.Node,
    output: a.Output | None = None,
    period: a.Period | None = None,
    archived: bool = False,
) -> a.Query:
    return a.Query("", "en", TODAY, where, output or a.Count(), period, archived)


@pytest.mark.parametrize(
    "where, expected",
    [
        (a.Everyone(), {1, 2, 3, 5}),
        (a.FieldIs("city", ("Moscow",), "Moscow"), {1, 2}),
        (a.FieldIs("manager", (1,), "Ivanov"), {1, 3}),
        (a.Bought(SD), {1, 3}),
        (a.Bought(SD, Q3, spend=a.Cmp(">", 40000.0)), {1}),  # 40k + 10k in Q3
        (
            a.Bought(SD, a.Period(date(2026, 9, 30), date(2026, 9, 30)), spend=a.Cmp(">", 40000.0)),
            set(),
        ),
        (a.Bought(SD, None, spend=a.Cmp(">=", 40000.0)), {1}),
        (a.Bought(a.Scope((2,))), {2}),
        (a.Bought(a.Scope(categories=("consumables",))), {1, 5}),
        (a.SpendCmp(a.Cmp("<", 5000.0), a.Scope(), YEAR), {5}),  # no purchase this year counts as 0
        (a.SpendCmp(a.Cmp("between", 20000.0, 30000.0)), {2}),  # 50k bought, 25k returned
        (a.SpendCmp(a.Cmp(">", 1000.0), a.Scope((2,)), Q3), {2}),
        (a.OrderCountCmp(a.Cmp(">=", 2.0)), {1}),  # a return-only order is not an order
        (a.OrderCountCmp(a.Cmp("<", 1.0), a.Scope(), YEAR), {5}),
        (a.Lapsed(a.Period(date(2026, 8, 25), TODAY)), {2, 5}),
        (a.LastPurchase(a.Period(None, date(2025, 12, 31))), {5}),
        (a.Created(YEAR), {1, 3}),
        (a.RatingIn(("A", "B")), {1, 2}),
        (a.RatingIn(("",)), {3}),
        (a.HasTag(1, "vip"), {1, 5}),
        (a.Not(a.HasTag(1, "vip")), {2, 3}),
        (a.PropertyCmp(1, "employees", "number", a.Cmp(">", 100.0)), {1}),
        (a.PropertyCmp(2, "renewal", "date", a.Cmp(">=", date(2026, 11, 2))), {1}),
        (a.PropertyCmp(3, "reseller", "yesno", a.Cmp("=", True)), {2}),
        (a.PropertyCmp(4, "channel", "text", a.Cmp("=", "ONLINE")), {1}),
        (a.Interacted("complaint", a.Period(date(2026, 10, 1), date(2026, 10, 31))), {1}),
        (a.Interacted(None, a.Period(date(2026, 11, 20), date(2026, 11, 20))), {3}),  # 17:00 counts
        (a.Not(a.Interacted(None, a.Period(date(2026, 9, 24), TODAY))), {2, 5}),
        (a.ClassIs("abc", "A"), {1}),  # the latest run only
        (a.ClassIs("rfm", "at risk"), {2}),
        (a.InSegment(1, "drill-fans"), {1, 3}),
        (a.Or((a.HasTag(2, "partner"), a.FieldIs("city", ("Kazan",), "Kazan"))), {2, 3}),
        (a.CustomerIs((5,), "Berlin Haus"), {5}),
    ],
)
def test_conditions_match_the_right_customers(mini_db, where: a.Node, expected: set[int]) -> None:  # type: ignore[no-untyped-def]
    assert ids(mini_db, _q(where)) == expected


def test_archived_are_left_out_unless_asked_for(mini_db) -> None:  # type: ignore[no-untyped-def]
    assert 4 not in ids(mini_db, _q(a.Bought(SD)))
    assert ids(mini_db, _q(a.StatusIs("archived"), archived=True)) == {4}


def test_manager_scope_includes_the_team(mini_db) -> None:  # type: ignore[no-untyped-def]
    with mini_db.connect() as conn:
        mine = set(conn.execute(matching_ids(_q(a.Everyone()), scope_manager_id=2)).scalars())
        team = set(conn.execute(matching_ids(_q(a.Everyone()), scope_manager_id=1)).scalars())
    assert mine == {2, 5}
    assert team == {1, 2, 3, 5}


def test_values_are_bound_not_inlined() -> None:
    where = a.And(
        (a.FieldIs("city", ("Moscow",), "Moscow"), a.Bought(SD, Q3, spend=a.Cmp(">", 40000.0)))
    )
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        sql = str(matching_ids(_q(where)).compile(dialect=dialect))
        assert "Moscow" not in sql and "40000" not in sql and "2026" not in sql


def test_same_shape_for_different_values() -> None:
    one = str(
        matching_ids(_q(a.FieldIs("city", ("Moscow",), "M"))).compile(dialect=sqlite.dialect())
    )
    two = str(
        matching_ids(_q(a.FieldIs("city", ("Kazan",), "K"))).compile(dialect=sqlite.dialect())
    )
    assert one == two


def test_run_query_top_by_spend(mini_db, mini_catalog) -> None:  # type: ignore[no-untyped-def]
    query = interpret("top 2 by spend this year", mini_catalog, today=TODAY)
    with mini_db.connect() as conn:
        result = run_query(conn, query)
    assert result.count == 3  # bought this year: 1, 2, 3 (4 is archived)
    assert [r["id"] for r in result.rows] == [1, 2]
    assert result.rows[0]["spend"] == 53000.0 and result.rows[0]["orders"] == 2
    assert result.rows[1]["spend"] == 25000.0 and result.rows[1]["orders"] == 1
    assert result.rows[0]["last_purchase"] == date(2026, 9, 30)
    assert result.rows[0]["manager"] == "Ivan Ivanov" and result.rows[0]["abc"] == "A"
    assert result.period == (date(2026, 1, 1), TODAY)
    assert set(result.rows[0]) >= {
        "id",
        "external_id",
        "name",
        "city",
        "region",
        "country",
        "industry",
        "manager",
        "rating",
        "status",
        "spend",
        "orders",
        "last_purchase",
        "abc",
        "xyz",
        "rfm_segment",
        "r_score",
        "f_score",
        "m_score",
    }


def test_run_query_pages_in_name_order(mini_db, mini_catalog) -> None:  # type: ignore[no-untyped-def]
    query = interpret("list", mini_catalog, today=TODAY)
    with mini_db.connect() as conn:
        first = run_query(conn, query, limit=2)
        rest = run_query(conn, query, offset=2, limit=None)
    assert first.count == 4
    assert [r["name"] for r in first.rows + rest.rows] == [
        "Berlin Haus",
        "Lotos",
        "Romashka",
        "Vasilek",
    ]
    assert first.rows[0]["spend"] == 1500.0 and first.rows[0]["last_purchase"] == date(2025, 6, 1)


def test_run_query_groups(mini_db, mini_catalog) -> None:  # type: ignore[no-untyped-def]
    query = interpret("spend by city", mini_catalog, today=TODAY)
    with mini_db.connect() as conn:
        result = run_query(conn, query)
    assert result.groups == [
        {"key": "Moscow", "count": 2, "spend": 78000.0},
        {"key": "Kazan", "count": 1, "spend": 10000.0},
        {"key": "Berlin", "count": 1, "spend": 1500.0},
    ]


def test_run_query_card_shows_archived(mini_db, mini_catalog) -> None:  # type: ignore[no-untyped-def]
    query = interpret("card Oldie", mini_catalog, today=TODAY)
    with mini_db.connect() as conn:
        result = run_query(conn, query)
    assert [r["name"] for r in result.rows] == ["Oldie"] and result.interpretation == "card Oldie"


def test_worked_example_end_to_end(mini_db, mini_catalog) -> None:  # type: ignore[no-untyped-def]
    query = interpret(
        "Moscow buyers of Super Drill over 40k last quarter, manager Ivanov",
        mini_catalog,
        today=TODAY,
    )
    assert ids(mini_db, query) == {1}
    query = interpret("segment moscow-vip", mini_catalog, today=TODAY)
    assert ids(mini_db, query) == {1}


@pytest.mark.parametrize("listed", [(3,), ()])
def test_a_category_compiles_to_its_listed_products_or_a_subquery(
    mini_db, listed: tuple[int, ...]
) -> None:  # type: ignore[no-untyped-def]
    """The catalog's product ids of a category become a list the planner has statistics for;
    without them (a category of too many products) a subquery on products: the same customers."""
    scope = a.Scope(categories=("consumables",), in_categories=listed)
    stmt = matching_ids(_q(a.Bought(scope)))
    sql = str(stmt.compile(dialect=mini_db.dialect))
    assert ("FROM products" in sql) is (not listed)
    assert ids(mini_db, _q(a.Bought(scope))) == {1, 5}


def test_the_resolver_lists_a_categorys_products(mini_catalog) -> None:  # type: ignore[no-untyped-def]
    query = interpret("buyers of consumables", mini_catalog, today=TODAY)
    assert isinstance(query.where, a.Bought) and query.where.scope.in_categories == (3,)
