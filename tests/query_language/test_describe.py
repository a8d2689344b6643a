"""The echo: every condition in words, with concrete dates."""

from __future__ import annotations

import pytest

from query_language import describe, interpret

from .conftest import TODAY


@pytest.mark.parametrize(
    "text, echo",
    [
        (
            "Moscow buyers of Super Drill over 40k last quarter, manager Ivanov",
            "customers · city = Moscow · bought Super Drill for over 40 000 in 2026-07-01..2026-09-30 · manager = Ivanov",
        ),
        (
            "top 10 Kazan customers by spend this year",
            "customers · city = Kazan · bought anything in 2026-01-01..2026-11-22 · top 10 by spend",
        ),
        (
            "rating B or worse spent over 1m last 12 months",
            "customers · rating = B or C · spend over 1 000 000 in 2025-11-23..2026-11-22",
        ),
        (
            "vip no purchases in last 90 days",
            "customers · tag = vip · bought before 2026-08-25 but nothing in 2026-08-25..2026-11-22",
        ),
        ("not vip or partner", "customers · not tag in (vip, partner)"),
        ("not vip or Moscow", "customers · (without tag vip or city = Moscow)"),
        ("Moscow or Kazan vip", "customers · city in (Moscow, Kazan) · tag = vip"),
        ("without tag vip", "customers · without tag vip"),
        ("last purchase before 2026-01-01", "customers · last purchase before 2026-01-01"),
        ("with complaints last month", "customers · complaint in 2026-10-01..2026-10-31"),
        ("not contacted in 60 days", "customers · not contacted in 2026-09-24..2026-11-22"),
        ("at least 3 orders yesterday", "customers · at least 3 orders in 2026-11-21"),
        ("employees between 10 and 1500.5", "customers · employees between 10 and 1 500.5"),
        ("unrated", "customers · unrated"),
        ("class AX", "customers · abc = A · xyz = X"),
        ("spend by city", "customers · spend by city"),
        ("list", "customers · list"),
        ("", "customers"),
        ("card Romashka", "card Romashka"),
    ],
)
def test_echo(text: str, echo: str, catalog) -> None:  # type: ignore[no-untyped-def]
    assert describe(interpret(text, catalog, today=TODAY)) == echo
