"""Fuzzing the query language: whatever is typed, the only exception is a QueryError whose span
lies inside the input; what parses also compiles and runs on both backends.

The catalog is the acceptance fixture's (``ql_db``); hypothesis draws random text and token
soups of keywords, catalog values, numbers, dates, punctuation and unicode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from tests.conftest import fresh_database
from tests.query_language.fixture import PLACES, PRODUCTS, build_rows, interpret_on, load_rows
from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - the module fixture
from tests.query_language.oracle import Oracle
from tests.query_language.test_cases import Case, check_query

KEYWORDS = (
    "buyers of, bought, who bought, spent, spend, over, more than, above, at least, under, "
    "less than, below, at most, between, and, or, not, (, ), ',', >, >=, <, <=, in, from, to, "
    "city, region, country, industry, manager, managed by, 's, rating, rated, -rated, stars, "
    "or better, or worse, unrated, tag, tagged, without tag, untagged, status, active, check, "
    "archived, orders, purchases, no purchases in, inactive for, lapsed, last purchase before, "
    "new, created, with complaints, complained in, contacted in, not contacted in, abc, xyz, "
    "class, rfm, at risk, champions, segment, in segment, top, by spend, by orders, "
    "by last purchase, count, how many, list, show, card, customers, today, yesterday, this, "
    "last, week, weeks, month, months, quarter, year, days, ytd, year to date, since, before, "
    'after, Q3, March, employees, renewal, reseller, channel, yes, no, k, m, $, €, rub, "'
).split(", ")
VALUES = (
    [p[2] for p in PRODUCTS]
    + [p[1] for p in PRODUCTS]
    + [c for place in PLACES for c in place]
    + [
        "power tools",
        "consumables",
        "manufacturing",
        "retail",
        "Ivanov",
        "Petrov",
        "vip",
        "partner",
        "drill-buyers",
        "bits-offer",
        "Romashka",
        "A",
        "B",
        "C",
        "X",
        "Z",
        "AX",
    ]
)
NUMBERS = st.one_of(
    st.integers(-10, 10**7).map(str),
    st.sampled_from(
        [
            "40k",
            "1.5m",
            "1,5m",
            "40 000",
            "40,000",
            "0",
            "3",
            "90",
            "2026",
            "1e9",
            "99999999999999999999",
            "-5",
            "0.0",
            "12.",
            ".5",
        ]
    ),
)
DATES = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2026-02-30", "2026-13-01", "0000-00-00", "2026-03", "2026-1-1"]),
)
NOISE = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6)
TOKEN = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(VALUES),
    NUMBERS,
    DATES,
    NOISE,
    st.sampled_from(list(",.;:!?()[]{}'\"«»-–—_/\\@#%&*+=|~`^")),
    st.sampled_from(["Москва", "ё", "ß", "İ", "😀", "\u200b", "\t", "\n", "  "]),
)
SOUP = st.lists(TOKEN, min_size=0, max_size=12).map(" ".join)
SANE = st.lists(
    st.one_of(st.sampled_from(KEYWORDS), st.sampled_from(VALUES), NUMBERS), min_size=1, max_size=7
).map(" ".join)
_FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def _interpret_or_query_error(engine: Engine, text: str):  # type: ignore[no-untyped-def]
    from query_language import QueryError

    try:
        return interpret_on(engine, text)
    except QueryError as err:
        start, end = err.span
        assert 0 <= start <= end <= len(text), (text, err.span)
        assert err.message, text
        # the engine wraps its own crashes in a QueryError 'from' the crash: that is still a bug
        assert err.__cause__ is None or isinstance(err.__cause__, RecursionError), (
            f"{text!r} crashed inside the engine: {err.__cause__!r}"
        )
        return None


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The broad fuzz only interprets (no SQL runs), so one database is enough: SQLite. The
    executing fuzz below covers both databases."""
    with fresh_database("sqlite", tmp_path_factory.mktemp("fuzz")) as engine:
        load_rows(engine, build_rows())
        yield engine


@_FUZZ
@given(text=st.text(max_size=60))
def test_random_text_only_raises_query_error(sqlite_db: Engine, text: str) -> None:
    _interpret_or_query_error(sqlite_db, text)


@_FUZZ
@given(text=SOUP)
def test_token_soup_only_raises_query_error(sqlite_db: Engine, text: str) -> None:
    _interpret_or_query_error(sqlite_db, text)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=SANE)
def test_what_parses_also_runs(ql_db: Engine, text: str) -> None:  # noqa: F811
    """Interpreted queries compile and execute on SQLite and PostgreSQL alike."""
    from query_language import describe, matching_ids, run_query

    query = _interpret_or_query_error(ql_db, text)
    if query is None:
        return
    assert describe(query)
    with ql_db.connect() as conn:
        n = conn.execute(
            select(func.count()).select_from(matching_ids(query).subquery())
        ).scalar_one()
        result = run_query(conn, query, offset=0, limit=5)
    assert result.count >= 0 and len(result.rows) <= 5
    if "top" not in text.lower() and not result.groups:
        assert n == result.count, (text, n, result.count)


# --- differential: random combinations of acceptance cases vs the oracle ----------------------
_PERIOD_WORDS = (
    "last",
    "this",
    "in 20",
    "in q",
    "in march",
    "since",
    "before",
    "after",
    "between 20",
    "from 20",
    "today",
    "yesterday",
    "ytd",
    "year to date",
    "days",
    "month",
)
_COUNTS = ("at least", "at most", "more than", "fewer than", "less than")
_NOT_COMPOSABLE = (
    " or ",
    "not ",
    "archived",
    "without",
    "untagged",
    "customers",
    "who ",
    "count",
    "top ",
    " by ",
    "orders of",
    "trade show",
    "renewal after",
)


def _atoms() -> list[Case]:
    from tests.query_language.test_cases import CONDITIONS
    from tests.query_language.test_cases_periods import ATTRIBUTE_CASES, PERIOD_CASES

    out = []
    for q, expr in CONDITIONS + ATTRIBUTE_CASES + PERIOD_CASES:
        low = q.lower()
        if low.startswith("over") or any(w in low for w in _NOT_COMPOSABLE):
            continue
        # a period or an order count would qualify the condition before it; in parentheses it stands alone
        closed = any(w in low for w in _PERIOD_WORDS) or low.startswith(_COUNTS)
        out.append((f"({q})" if closed else q, expr))
    return out


ATOMS = _atoms()


@st.composite
def combinations(draw: st.DrawFn) -> tuple[str, Callable[[Oracle], pd.Series]]:
    """``A, B or not (C)``: and-groups joined by ``or``, with the oracle's reading of it."""
    texts, exprs = [], []
    for _ in range(draw(st.integers(1, 2))):
        parts, masks = [], []
        for _ in range(draw(st.integers(1, 3))):
            q, expr = draw(st.sampled_from(ATOMS))
            if draw(st.integers(0, 4)) == 0:
                q, expr = f"not ({q.strip('()')})", (lambda e: lambda o: ~e(o))(expr)
            parts.append(q)
            masks.append(expr)
        joiner = draw(st.sampled_from([", ", " and "]))
        if joiner == ", ":  # 'in Kazan, Moscow' is a list (any of them): a comma joins closed parts
            parts = [parts[0]] + [
                p if p.startswith(("(", "not (")) else f"({p})" for p in parts[1:]
            ]
        # 'Germany or Germany, Moscow' reads 'Germany or Germany' as one list (the second
        # edition): a group of several parts is closed before 'or' joins it
        texts.append(f"({joiner.join(parts)})" if len(parts) > 1 else parts[0])
        exprs.append(masks)

    def oracle(o: Oracle) -> pd.Series:
        out = pd.Series(False, index=o.c.index)
        for masks in exprs:
            group = pd.Series(True, index=o.c.index)
            for m in masks:
                group &= m(o)
            out |= group
        return out

    return " or ".join(texts), oracle


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=combinations())
def test_combinations_agree_with_the_oracle(ql_db: Engine, case: Case) -> None:  # noqa: F811
    """Random and/or/not combinations select exactly what the oracle selects."""
    check_query(ql_db, *case)
