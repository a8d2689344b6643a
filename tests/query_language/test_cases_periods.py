"""Acceptance cases: periods (bound to purchases, spend and interactions), tags, ratings, status,
properties, classes, segments, combinations and the spec's worked examples.

Every period of the spec's table appears alone (*bought anything in that period*), bound to a
spend condition, and in the echo with its concrete dates (``test_cases_forms.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from sqlalchemy import Engine

from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - the module fixture
from tests.query_language.oracle import Oracle
from tests.query_language.test_cases import Case, check_query

__all__ = ["PERIODS", "WORKED_EXAMPLES"]

SD = "Super Drill"
# (as typed, as the oracle's period helper spells it)
PERIODS = [
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
    ("year to date", "year to date"),
    ("ytd", "ytd"),
    ("last 30 days", "last 30 days"),
    ("last 2 weeks", "last 2 weeks"),
    ("last 6 months", "last 6 months"),
    ("in 2025", "2025"),
    ("in March 2026", "march 2026"),
    ("in Q3 2026", "q3 2026"),
    ("in 2026-03", "2026-03"),
    ("since 2026-03-01", "since 2026-03-01"),
    ("before 2026-03-01", "before 2026-03-01"),
    ("after 2026-03-01", "after 2026-03-01"),
    ("between 2026-01-01 and 2026-03-31", "between 2026-01-01 and 2026-03-31"),
    ("from 2026-01-01 to 2026-03-31", "from 2026-01-01 to 2026-03-31"),
]


def _bought_in(p: str) -> Callable[[Oracle], pd.Series]:
    return lambda o: o.bought(o.period(p))


def _spent_in(p: str) -> Callable[[Oracle], pd.Series]:
    return lambda o: o.spend(o.period(p)) > 20000


PERIOD_CASES: list[Case] = [(f"customers {typed}", _bought_in(p)) for typed, p in PERIODS] + [
    (f"spent over 20k {typed}", _spent_in(p)) for typed, p in PERIODS
]

ATTRIBUTE_CASES: list[Case] = [
    ("rating A", lambda o: o.rating("A")),
    ("rated B", lambda o: o.rating("B")),
    ("A-rated", lambda o: o.rating("A")),
    ("rating c", lambda o: o.rating("C")),
    ("3 stars", lambda o: o.rating("A")),
    ("2 stars", lambda o: o.rating("B")),
    ("1 star", lambda o: o.rating("C")),
    ("rating B or better", lambda o: o.rating("A", "B")),
    ("rating B or worse", lambda o: o.rating("B", "C")),
    ("unrated", lambda o: o.rating(None)),
    ("vip", lambda o: o.tag("vip")),
    ("tagged vip", lambda o: o.tag("vip")),
    ("tag vip", lambda o: o.tag("vip")),
    ("not vip", lambda o: ~o.tag("vip")),
    ("without tag vip", lambda o: ~o.tag("vip")),
    ("untagged vip", lambda o: ~o.tag("vip")),
    ("tagged partner", lambda o: o.tag("partner")),
    ("wholesale", lambda o: o.tag("wholesale")),
    ("active", lambda o: o.status("active")),
    ("check", lambda o: o.status("check")),
    ("archived", lambda o: o.status("archived")),
    ("status archived", lambda o: o.status("archived")),
    ("status active", lambda o: o.status("active")),
    ("employees over 100", lambda o: o.prop("employees") > 100),
    ("employees at least 100", lambda o: o.prop("employees") >= 100),
    ("employees > 100", lambda o: o.prop("employees") > 100),
    ("employees >= 100", lambda o: o.prop("employees") >= 100),
    ("employees under 100", lambda o: o.prop("employees") < 100),
    ("employees <= 99", lambda o: o.prop("employees") <= 99),
    ("employees between 50 and 250", lambda o: o.prop("employees").between(50, 250)),
    (
        "renewal before 2027-01-01",
        lambda o: o.prop("renewal").map(
            lambda d: str(d) < "2027-01-01" if d == d and d is not None else False
        ),
    ),
    (
        "renewal < 2026-07-01",
        lambda o: o.prop("renewal").map(
            lambda d: str(d) < "2026-07-01" if d == d and d is not None else False
        ),
    ),
    (
        "renewal after 2026-11-22",
        lambda o: o.prop("renewal").map(
            lambda d: str(d) > "2026-11-22" if d == d and d is not None else False
        ),
    ),
    ("reseller = yes", lambda o: o.prop("reseller").eq(True)),
    ("reseller = no", lambda o: o.prop("reseller").eq(False)),
    ("channel = referral", lambda o: o.prop("channel").eq("referral")),
    ("channel = trade show", lambda o: o.prop("channel").eq("trade show")),
    ("with complaints last month", lambda o: o.interacted(o.period("last month"), "complaint")),
    ("complained in last 30 days", lambda o: o.interacted(o.period("last 30 days"), "complaint")),
    ("with complaints this year", lambda o: o.interacted(o.period("this year"), "complaint")),
    ("contacted in last 2 weeks", lambda o: o.interacted(o.period("last 2 weeks"))),
    ("not contacted in 60 days", lambda o: ~o.interacted(o.period("last 60 days"))),
    ("contacted this week", lambda o: o.interacted(o.period("this week"))),
    ("contacted yesterday", lambda o: o.interacted(o.period("yesterday"))),
    ("abc A", lambda o: o.klass("abc", "A")),
    ("abc b", lambda o: o.klass("abc", "B")),
    ("xyz Z", lambda o: o.klass("xyz", "Z")),
    ("class AX", lambda o: o.klass("abc", "A") & o.klass("xyz", "X")),
    ("class CZ", lambda o: o.klass("abc", "C") & o.klass("xyz", "Z")),
    ("rfm champions", lambda o: o.klass("rfm_segment", "champions")),
    ("at risk", lambda o: o.klass("rfm_segment", "at risk")),
    ("rfm hibernating", lambda o: o.klass("rfm_segment", "hibernating")),
    ("in segment drill-buyers", lambda o: o.segment("drill-buyers")),
    ("segment drill-buyers", lambda o: o.segment("drill-buyers")),
    ("in segment bits-offer", lambda o: o.segment("bits-offer")),
    ("not in segment bits-offer", lambda o: ~o.segment("bits-offer")),
]

COMBINATIONS: list[Case] = [
    ("Moscow, vip", lambda o: o.city("Moscow") & o.tag("vip")),
    ("Moscow and vip", lambda o: o.city("Moscow") & o.tag("vip")),
    ("Moscow vip", lambda o: o.city("Moscow") & o.tag("vip")),
    ("Moscow or Kazan", lambda o: o.city("Moscow") | o.city("Kazan")),
    # values of one kind joined by "or" are one condition that binds tightest (second edition)
    ("Moscow or Kazan vip", lambda o: (o.city("Moscow") | o.city("Kazan")) & o.tag("vip")),
    ("Moscow or Kazan, vip", lambda o: (o.city("Moscow") | o.city("Kazan")) & o.tag("vip")),
    ("Moscow or vip Kazan", lambda o: o.city("Moscow") | (o.tag("vip") & o.city("Kazan"))),
    ("not Moscow or Kazan", lambda o: ~(o.city("Moscow") | o.city("Kazan"))),
    ("(Moscow or Kazan) vip", lambda o: (o.city("Moscow") | o.city("Kazan")) & o.tag("vip")),
    ("not Moscow", lambda o: ~o.city("Moscow")),
    ("not (Moscow or Kazan)", lambda o: ~(o.city("Moscow") | o.city("Kazan"))),
    ("vip, rating A or rating B", lambda o: (o.tag("vip") & o.rating("A")) | o.rating("B")),
    ("vip and (rating A or rating B)", lambda o: o.tag("vip") & o.rating("A", "B")),
    ("not vip rating A", lambda o: ~o.tag("vip") & o.rating("A")),
    ("region Volga rating B or better", lambda o: o.region("Volga") & o.rating("A", "B")),
    ("manager Ivanov, not archived", lambda o: o.manager("Ivanov") & ~o.status("archived")),
    (
        "Kazan buyers of Super Drill Pro this year",
        lambda o: o.city("Kazan") & o.bought(o.period("this year"), "Super Drill Pro"),
    ),
    (
        "Moscow buyers of power tools last quarter manager Ivanov",
        lambda o: (
            o.city("Moscow")
            & o.bought(o.period("last quarter"), category="power tools")
            & o.manager("Ivanov")
        ),
    ),
    (
        "buyers of Super Drill and buyers of Drill Bits Set",
        lambda o: o.bought(product=SD) & o.bought(product="Drill Bits Set"),
    ),
    (
        "buyers of Super Drill not buyers of Drill Bits Set",
        lambda o: o.bought(product=SD) & ~o.bought(product="Drill Bits Set"),
    ),
    (
        "buyers of Super Drill or buyers of Super Drill Pro",
        lambda o: o.bought(product=SD) | o.bought(product="Super Drill Pro"),
    ),
    (
        "vip spent over 100k this year, Moscow",
        lambda o: o.tag("vip") & (o.spend(o.period("this year")) > 100000) & o.city("Moscow"),
    ),
    (
        "manufacturing with complaints this year",
        lambda o: o.industry("manufacturing") & o.interacted(o.period("this year"), "complaint"),
    ),
    (
        "Saint Petersburg contacted in last 2 weeks",
        lambda o: o.city("Saint Petersburg") & o.interacted(o.period("last 2 weeks")),
    ),
    (
        "Germany not contacted in 60 days",
        lambda o: o.country("Germany") & ~o.interacted(o.period("last 60 days")),
    ),
    ("employees over 100 and Moscow", lambda o: (o.prop("employees") > 100) & o.city("Moscow")),
    ("Ivanov's vip", lambda o: o.manager("Ivanov") & o.tag("vip")),
    ("abc A rfm champions", lambda o: o.klass("abc", "A") & o.klass("rfm_segment", "champions")),
    ("Kazan last month", lambda o: o.city("Kazan") & o.bought(o.period("last month"))),
    (
        "vip spent over 10k last month, rating A",
        lambda o: o.tag("vip") & (o.spend(o.period("last month")) > 10000) & o.rating("A"),
    ),
    ("archived buyers of Super Drill", lambda o: o.status("archived") & o.bought(product=SD)),
]

WORKED_EXAMPLES: list[Case] = [
    (
        "Moscow buyers of Super Drill over 40k last quarter, manager Ivanov",
        lambda o: (
            o.city("Moscow")
            & o.bought(o.period("last quarter"), SD)
            & (o.spend(o.period("last quarter"), SD) > 40000)
            & o.manager("Ivanov")
        ),
    ),
    (
        "buyers of Super Drill last month not in segment bits-offer",
        lambda o: o.bought(o.period("last month"), SD) & ~o.segment("bits-offer"),
    ),
    (
        "manufacturing buyers of Super Drill with complaints last month",
        lambda o: (
            o.industry("manufacturing")
            & o.bought(product=SD)
            & o.interacted(o.period("last month"), "complaint")
        ),
    ),
    (
        "rating B or worse spent over 1m last 12 months",
        lambda o: o.rating("B", "C") & (o.spend(o.period("last 12 months")) > 1000000),
    ),
    (
        "vip no purchases in last 90 days",
        lambda o: o.tag("vip") & o.lapsed(o.period("last 90 days")),
    ),
]

ALL = PERIOD_CASES + ATTRIBUTE_CASES + COMBINATIONS + WORKED_EXAMPLES


@pytest.mark.parametrize("query, expr", ALL, ids=[c[0] for c in ALL])
def test_case(ql_db: Engine, query: str, expr: Callable[[Oracle], pd.Series]) -> None:  # noqa: F811
    check_query(ql_db, query, expr)


def test_worked_examples_pick_the_story_customers() -> None:
    """The hand-written stories are where the worked examples' traps are."""
    from tests.query_language.test_cases import expected_ids

    assert expected_ids(*WORKED_EXAMPLES[0]) >= {"C0002", "C0010"}
    assert not expected_ids(*WORKED_EXAMPLES[0]) & {
        "C0001",
        "C0003",
        "C0004",
        "C0005",
        "C0006",
        "C0007",
        "C0008",
        "C0009",
    }
    assert {"C0004", "C0009"} <= expected_ids(*WORKED_EXAMPLES[2])
    assert "C0010" not in expected_ids(*WORKED_EXAMPLES[2])
