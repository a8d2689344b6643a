"""The whole path under fuzzing (issue #16): interpret → compile → run on SQLite and PostgreSQL,
with the statement timeout in force. Token soups from the lexicon and the catalog's values, and
the inputs that used to hurt: long repetitions, deep nesting, huge numbers and far dates. Only a
QueryError escapes, its span inside the input, and no run is cut off by the timeout."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from query_language import QueryError, describe, run_query
from storage.timeouts import StatementTimeout, statement_timeout
from tests.query_language.fixture import interpret_on
from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - the module fixture
from tests.query_language.test_fuzz import KEYWORDS, NUMBERS, SOUP, VALUES

TIMEOUT_MS = 5000  # generous for a loaded machine; a question here takes milliseconds

CHUNK = st.lists(
    st.one_of(st.sampled_from(KEYWORDS), st.sampled_from(VALUES), NUMBERS), min_size=1, max_size=4
).map(" ".join)
REPEATED = st.builds(
    lambda head, chunk, n, glue: head + glue + glue.join([chunk] * n),
    st.sampled_from(VALUES),
    CHUNK,
    st.integers(2, 600),
    st.sampled_from([" and ", ", ", " or ", " "]),
)
NESTED = st.builds(
    lambda wrap, inner, n: wrap * n + inner + ")" * n,
    st.sampled_from(["(", "not (", "vip or (", "Moscow and (", "(not ", "(("]),
    CHUNK,
    st.integers(1, 1200),
)
DIGITS = st.integers(13, 500).map(lambda n: "9" * n)
HUGE = st.builds(
    lambda template, number: template.format(number),
    st.sampled_from(
        [
            "top {}",
            "spent over {}",
            "spent between 1 and {}",
            "at least {} orders",
            "last {} days",
            "buyers of Super Drill over {}",
            "top {} Moscow customers by spend",
            "employees over {}",
            "{}k",
        ]
    ),
    st.one_of(DIGITS, NUMBERS),
)
FAR_DATES = st.builds(
    lambda template, y, m, d: template.format(f"{y:04d}-{m:02d}-{d:02d}"),
    st.sampled_from(
        [
            "complained in {}",
            "created after {}",
            "bought before {}",
            "since {}",
            "last purchase before {}",
            "renewal after {}",
            "between 2026-01-01 and {}",
        ]
    ),
    st.integers(1, 9999),
    st.integers(1, 12),
    st.integers(1, 28),
)
_RUNS = settings(max_examples=70, deadline=None, suppress_health_check=list(HealthCheck))


def _whole_path(engine: Engine, text: str) -> None:
    try:
        query = interpret_on(engine, text)
        assert describe(query)
        with statement_timeout(TIMEOUT_MS), engine.connect() as conn:
            result = run_query(conn, query, offset=0, limit=5)
        assert result.count >= 0 and len(result.rows) <= 5
    except QueryError as err:
        assert 0 <= err.span[0] <= err.span[1] <= len(text), (text, err.span)
        assert err.message
        assert not isinstance(err.__cause__, StatementTimeout), f"{text[:200]!r} timed out"
        assert err.__cause__ is None or isinstance(err.__cause__, RecursionError), (
            f"{text[:200]!r} crashed inside: {err.__cause__!r}"
        )


@_RUNS
@given(text=SOUP)
def test_token_soups_run_or_raise_query_errors(ql_db: Engine, text: str) -> None:  # noqa: F811
    _whole_path(ql_db, text)


@_RUNS
@given(text=st.one_of(REPEATED, NESTED))
def test_long_and_nested_questions_run_or_raise_query_errors(ql_db: Engine, text: str) -> None:  # noqa: F811
    _whole_path(ql_db, text)


@_RUNS
@given(text=st.one_of(HUGE, FAR_DATES))
def test_huge_numbers_and_far_dates_run_or_raise_query_errors(ql_db: Engine, text: str) -> None:  # noqa: F811
    _whole_path(ql_db, text)


def test_control_characters_read_as_spaces(ql_db: Engine) -> None:  # noqa: F811
    """A NUL byte once reached PostgreSQL as a bound name (found by the fuzz test above)."""
    for text in ("\x00", "Moscow\x00", "\x07Moscow\x1b vip"):
        _whole_path(ql_db, text)
    clean = interpret_on(ql_db, "Moscow vip")
    assert describe(interpret_on(ql_db, "Moscow\x00vip")) == describe(clean)
