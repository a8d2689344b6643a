"""The parser: text → the AST as typed, without a catalog; syntax errors point at the word."""

from __future__ import annotations

from datetime import date

import pytest

from query_language import QueryError, parse
from query_language.ast import And, Comparison, Keyword, Not, Or, PeriodWords, ValueWords


def _items(node):  # type: ignore[no-untyped-def]
    return node.items if isinstance(node, And) else (node,)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("spent over 40k", (Comparison(">", 40000.0, measure="spend"),)),
        ("over 40 000", (Comparison(">", 40000.0),)),
        ("over 40 000,5", (Comparison(">", 40000.5),)),
        ("at least 40,000 rub", (Comparison(">=", 40000.0),)),
        ("under 1,5m", (Comparison("<", 1500000.0),)),
        ("at most 1.5m $", (Comparison("<=", 1500000.0),)),
        ("> 2 thousand", (Comparison(">", 2000.0),)),
        ("between 1k and 2k", (Comparison("between", 1000.0, 2000.0),)),
        ("at least 3 orders", (Comparison(">=", 3.0, measure="orders"),)),
        ("last quarter", (PeriodWords("last", unit="quarter"),)),
        ("in the last 30 days", (PeriodWords("span", unit="day", n=30),)),
        ("in Q3 2026", (PeriodWords("quarter", unit="2026", n=3),)),
        ("in 2025", (PeriodWords("year", n=2025),)),
        (
            "between 2026-01-01 and 2026-03-31",
            (PeriodWords("between", first=date(2026, 1, 1), second=date(2026, 3, 31)),),
        ),
        ("top 5", (Keyword("top", n=5),)),
        ("count by manager", (Keyword("count"), Keyword("by", payload="manager"))),
        ("rating B or better", (ValueWords("B", field="rating", modifier="better"),)),
        ("3 stars", (ValueWords("3", field="stars"),)),
        ("Ivanov's", (ValueWords("Ivanov", field="manager"),)),
        ("city New York", (ValueWords("New York", field="city"),)),
        (
            'bought "Super Drill"',
            (Keyword("bought", value=ValueWords("Super Drill", source="quoted")),),
        ),
    ],
)
def test_forms_parse_to_items(text: str, expected: tuple) -> None:
    assert _items(parse(text)) == expected


def test_and_binds_tighter_than_or() -> None:
    tree = parse("vip, Moscow or partner and not Kazan")
    assert isinstance(tree, Or)
    assert len(tree.items) == 2
    assert isinstance(tree.items[0], And) and isinstance(tree.items[1], And)
    assert isinstance(tree.items[1].items[1], Not)


def test_parentheses_group() -> None:
    tree = parse("not (vip or partner)")
    assert isinstance(tree, Not) and isinstance(tree.item, Or)


def test_spans_point_into_the_text() -> None:
    text = "Moscow buyers over 40k"
    cmp = _items(parse(text))[-1]
    assert text[cmp.span[0] : cmp.span[1]] == "over 40k"


@pytest.mark.parametrize(
    "text, word",
    [
        ("over", None),
        ("rating A or", None),
        ("between 1k and", None),
        ("top 10 by )", ")"),
        ("vip (", None),
        ("2026-13-45", "2026-13-45"),
    ],
)
def test_syntax_errors_point_at_the_word(text: str, word: str | None) -> None:
    with pytest.raises(QueryError) as info:
        parse(text)
    err = info.value
    start, end = err.span
    if word is None:
        assert start == len(text)
    else:
        assert text[start:end] == word
    assert err.expected
    assert "^" in err.render(text)
    assert err.to_json()["position"] == [start, end]


@pytest.mark.parametrize("text", ["", "   ", "((((", "))", "'", '"', "«", "≥≥", "0.0.0", "-1"])
def test_odd_input_raises_only_query_error(text: str) -> None:
    try:
        parse(text)
    except QueryError:
        pass


def test_unknown_language_is_a_query_error() -> None:
    with pytest.raises(QueryError):
        parse("vip", language="xx")


@pytest.mark.parametrize(
    "text", ["spent over 40 000, vip", "spent over 40 000,vip", "spent over 40 000; vip"]
)
def test_a_space_grouped_amount_may_be_followed_by_a_comma(text: str) -> None:
    """Found by the fuzz test: '40 000,' fell apart into 40 and 000."""
    items = _items(parse(text))
    assert items[0] == Comparison(">", 40000.0, measure="spend")
    assert items[1] == ValueWords("vip")
