"""The resolver: values from the catalog, concrete periods, binding, ambiguity and suggestions."""

from __future__ import annotations

from datetime import date

import pytest

from query_language import QueryError, interpret
from query_language import ast as a

from .conftest import TODAY


def _where(text: str, catalog) -> a.Node:  # type: ignore[no-untyped-def]
    return interpret(text, catalog, today=TODAY).where


def _items(node: a.Node) -> tuple:
    return node.items if isinstance(node, a.And) else (node,)


Q3 = a.Period(date(2026, 7, 1), date(2026, 9, 30))
OCT = a.Period(date(2026, 10, 1), date(2026, 10, 31))


@pytest.mark.parametrize(
    "text, period",
    [
        ("today", (date(2026, 11, 22), date(2026, 11, 22))),
        ("yesterday", (date(2026, 11, 21), date(2026, 11, 21))),
        ("this week", (date(2026, 11, 16), date(2026, 11, 22))),
        ("last week", (date(2026, 11, 9), date(2026, 11, 15))),
        ("this month", (date(2026, 11, 1), date(2026, 11, 22))),
        ("last month", (date(2026, 10, 1), date(2026, 10, 31))),
        ("this quarter", (date(2026, 10, 1), date(2026, 11, 22))),
        ("last quarter", (date(2026, 7, 1), date(2026, 9, 30))),
        ("this year", (date(2026, 1, 1), date(2026, 11, 22))),
        ("ytd", (date(2026, 1, 1), date(2026, 11, 22))),
        ("year to date", (date(2026, 1, 1), date(2026, 11, 22))),
        ("last year", (date(2025, 1, 1), date(2025, 12, 31))),
        ("last 30 days", (date(2026, 10, 24), date(2026, 11, 22))),
        ("last 2 weeks", (date(2026, 11, 9), date(2026, 11, 22))),
        ("last 6 months", (date(2026, 5, 23), date(2026, 11, 22))),
        ("last 12 months", (date(2025, 11, 23), date(2026, 11, 22))),
        ("in 2025", (date(2025, 1, 1), date(2025, 12, 31))),
        ("in March 2026", (date(2026, 3, 1), date(2026, 3, 31))),
        ("in Q3 2026", (date(2026, 7, 1), date(2026, 9, 30))),
        ("in 2026-03", (date(2026, 3, 1), date(2026, 3, 31))),
        ("in February 2024", (date(2024, 2, 1), date(2024, 2, 29))),
        ("since 2026-03-01", (date(2026, 3, 1), date(2026, 11, 22))),
        ("before 2026-03-01", (None, date(2026, 2, 28))),
        ("after 2026-03-01", (date(2026, 3, 2), date(2026, 11, 22))),
        ("between 2026-01-01 and 2026-03-31", (date(2026, 1, 1), date(2026, 3, 31))),
        ("from 2026-01-01 to 2026-03-31", (date(2026, 1, 1), date(2026, 3, 31))),
    ],
)
def test_a_period_alone_means_bought_anything_in_it(text: str, period: tuple, catalog) -> None:  # type: ignore[no-untyped-def]
    where = _where(text, catalog)
    assert where == a.Bought(a.Scope(), a.Period(*period))


def test_worked_example_binds_amount_and_period_to_the_product(catalog) -> None:  # type: ignore[no-untyped-def]
    items = _items(
        _where("Moscow buyers of Super Drill over 40k last quarter, manager Ivanov", catalog)
    )
    assert items == (
        a.FieldIs("city", ("Moscow",), "Moscow"),
        a.Bought(a.Scope((1,), label="Super Drill"), Q3, spend=a.Cmp(">", 40000.0)),
        a.FieldIs("manager", (1,), "Ivanov"),
    )


def test_period_binds_to_the_nearest_condition(catalog) -> None:  # type: ignore[no-untyped-def]
    items = _items(
        _where("manufacturing buyers of Super Drill with complaints last month", catalog)
    )
    assert items[1] == a.Bought(a.Scope((1,), label="Super Drill"))
    assert items[2] == a.Interacted("complaint", OCT)


def test_period_before_the_condition_binds_forward(catalog) -> None:  # type: ignore[no-untyped-def]
    assert _where("last quarter buyers of Super Drill", catalog) == a.Bought(
        a.Scope((1,), label="Super Drill"), Q3
    )


def test_longest_value_wins(catalog) -> None:  # type: ignore[no-untyped-def]
    assert _where("bought super drill pro", catalog) == a.Bought(
        a.Scope((2,), label="Super Drill Pro")
    )
    assert _where("bought SD-100", catalog) == a.Bought(a.Scope((1,), label="Super Drill"))


def test_spend_without_product_counts_everything(catalog) -> None:  # type: ignore[no-untyped-def]
    where = _where("rating B or worse spent over 1m last 12 months", catalog)
    assert _items(where) == (
        a.RatingIn(("B", "C")),
        a.SpendCmp(a.Cmp(">", 1e6), a.Scope(), a.Period(date(2025, 11, 23), TODAY)),
    )


@pytest.mark.parametrize(
    "text, node",
    [
        ("vip", a.HasTag(1, "vip")),
        ("tagged vip", a.HasTag(1, "vip")),
        ("not vip", a.Not(a.HasTag(1, "vip"))),
        ("without tag vip", a.Not(a.HasTag(1, "vip"))),
        ("untagged vip", a.Not(a.HasTag(1, "vip"))),
        ("unrated", a.RatingIn(("",))),
        ("A-rated", a.RatingIn(("A",))),
        ("rated b", a.RatingIn(("B",))),
        ("2 stars", a.RatingIn(("B",))),
        ("rating B or better", a.RatingIn(("A", "B"))),
        ("rating В", a.RatingIn(("B",))),  # Cyrillic В
        ("archived", a.StatusIs("archived")),
        ("status check", a.StatusIs("check")),
        ("abc A", a.ClassIs("abc", "A")),
        ("xyz z", a.ClassIs("xyz", "Z")),
        ("class AX", a.And((a.ClassIs("abc", "A"), a.ClassIs("xyz", "X")))),
        ("rfm champions", a.ClassIs("rfm", "champions")),
        ("at risk", a.ClassIs("rfm", "at risk")),
        ("region Volga", a.FieldIs("region", ("Volga",), "Volga")),
        ("from Germany", a.FieldIs("country", ("Germany",), "Germany")),
        ("Ivanov's", a.FieldIs("manager", (1,), "Ivanov")),
        ("managed by Petr Petrov", a.FieldIs("manager", (2,), "Petrov")),
        ("employees over 100", a.PropertyCmp(1, "employees", "number", a.Cmp(">", 100.0))),
        ("reseller", a.PropertyCmp(3, "reseller", "yesno", a.Cmp("=", True))),
        ("reseller = no", a.PropertyCmp(3, "reseller", "yesno", a.Cmp("=", False))),
        ("channel = online", a.PropertyCmp(4, "channel", "text", a.Cmp("=", "online"))),
        (
            "renewal after 2026-11-01",
            a.PropertyCmp(2, "renewal", "date", a.Cmp(">=", date(2026, 11, 2))),
        ),
        (
            "buyers of power tools",
            a.Bought(a.Scope(categories=("power tools",), label="power tools")),
        ),
        ("no purchases in last 90 days", a.Lapsed(a.Period(date(2026, 8, 25), TODAY))),
        ("inactive for 6 months", a.Lapsed(a.Period(date(2026, 5, 23), TODAY))),
        ("last purchase before 2026-01-01", a.LastPurchase(a.Period(None, date(2025, 12, 31)))),
        ("new this year", a.Created(a.Period(date(2026, 1, 1), TODAY))),
        ("not contacted in 60 days", a.Not(a.Interacted(None, a.Period(date(2026, 9, 24), TODAY)))),
        ("at least 3 orders", a.OrderCountCmp(a.Cmp(">=", 3.0))),
        ("in segment drill-fans", a.InSegment(1, "drill-fans")),
    ],
)
def test_conditions(text: str, node: a.Node, catalog) -> None:  # type: ignore[no-untyped-def]
    assert _where(text, catalog) == node


def test_dynamic_segment_reads_its_stored_query(catalog) -> None:  # type: ignore[no-untyped-def]
    seg = _where("segment moscow-vip", catalog)
    assert isinstance(seg, a.InSegment) and seg.dynamic is not None
    assert a.HasTag(1, "vip") in seg.dynamic.items  # flattened by query_language.limits


def test_a_segment_that_uses_itself_is_an_error(catalog) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError, match="itself"):
        interpret("segment loop", catalog, today=TODAY)


@pytest.mark.parametrize(
    "text, output",
    [
        ("vip", a.Count()),
        ("how many vip", a.Count()),
        ("list vip", a.List()),
        ("show vip", a.List()),
        ("top 5 by orders", a.Top(5, "orders")),
        ("top 10 Kazan customers by spend this year", a.Top(10, "spend")),
        ("top 3 by last purchase", a.Top(3, "last_purchase")),
        ("spend by city", a.Group("city", "spend")),
        ("count by manager", a.Group("manager", "count")),
        ("by rating", a.Group("rating", "count")),
        ("card Romashka", a.Card((1,), "Romashka")),
        ("Romashka", a.Card((1,), "Romashka")),
    ],
)
def test_output_forms(text: str, output: a.Output, catalog) -> None:  # type: ignore[no-untyped-def]
    assert interpret(text, catalog, today=TODAY).output == output


def test_query_period_is_the_purchase_period(catalog) -> None:  # type: ignore[no-untyped-def]
    q = interpret("top 10 Kazan customers by spend this year", catalog, today=TODAY)
    assert q.period == a.Period(date(2026, 1, 1), TODAY)
    assert interpret("vip", catalog, today=TODAY).period is None


def test_unknown_word_suggests_the_closest_values(catalog) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError) as info:
        interpret("Moskow buyers", catalog, today=TODAY)
    assert info.value.span == (0, 6)
    assert info.value.suggestions[0] == "Moscow"
    assert info.value.to_json()["suggestions"][0] == "Moscow"


def test_a_value_of_two_kinds_offers_choices(catalog) -> None:  # type: ignore[no-untyped-def]
    from query_language.catalog import Catalog

    clash = Catalog({"city": [("Moscow", "Moscow")], "region": [("Moscow", "Moscow")]})
    with pytest.raises(QueryError) as info:
        interpret("Moscow", clash, today=TODAY)
    err = info.value
    assert [label for label, _q in err.choices] == ["city Moscow", "region Moscow"]
    assert [q for _l, q in err.choices] == ["city Moscow", "region Moscow"]
    assert interpret("region Moscow", clash, today=TODAY).where == a.FieldIs(
        "region", ("Moscow",), "Moscow"
    )
    assert "choices" in err.to_json()


def test_a_value_of_the_wrong_kind_is_an_error(catalog) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError, match="not a tag"):
        interpret("tag Moscow", catalog, today=TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "rating Q",
        "abc Q",
        "inactive",
        "employees",
        "employees over 2026-01-01",
        "card Moscow",
        "segment nowhere",
        "bought Nothing At All",
        "top 10 by zebra",
        "(vip",
    ],
)
def test_bad_queries_raise_query_error_with_a_span(text: str, catalog) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError) as info:
        interpret(text, catalog, today=TODAY)
    start, end = info.value.span
    assert 0 <= start <= end <= len(text)
    assert info.value.message


@pytest.mark.parametrize(
    "text, qualified",
    [
        ("buyers of Super Drill at least 3 orders", True),
        ("buyers of Super Drill, at least 3 orders", True),
        ("(buyers of Super Drill), at least 3 orders", False),
        ("not (buyers of Super Drill), at least 3 orders", False),
        ("buyers of Super Drill, (at least 3 orders)", False),
    ],
)
def test_parentheses_close_a_purchase_to_a_following_count(
    catalog, text: str, qualified: bool
) -> None:  # type: ignore[no-untyped-def]
    """An order count qualifies the purchase before it, unless parentheses close either one."""
    where = interpret(text, catalog, today=TODAY).where
    counts = [
        n
        for n in (where.items if isinstance(where, a.And) else (where,))
        if isinstance(n, a.OrderCountCmp)
    ]
    assert (not counts) is qualified
