"""Two lone periods and a measure (issue 18, no silent misreads): the period next to the measure
measures it, the other one binds to its condition — never the first one silently; with neither
next to the measure, the query asks which. Checked against the pandas oracle, both backends."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from sqlalchemy import Engine

from tests.query_language.fixture import TODAY
from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - the module fixture
from tests.query_language.oracle import Oracle
from tests.query_language.test_cases import ORACLE, expected_ids

SD = "Super Drill"
Y, LY = ORACLE.period("this year"), ORACLE.period("last year")

# (query, the measure's period, the customers)
CASES: list[tuple[str, tuple, Callable[[Oracle], pd.Series]]] = [
    ("Moscow buyers last year, average order value this year", Y, lambda o: o.city("Moscow") & o.bought(LY)),
    ("bought Super Drill last year, average order value this year", Y, lambda o: o.bought(LY, SD)),
    ("average order value this year, bought Super Drill last year", Y, lambda o: o.bought(LY, SD)),
    ("bought Super Drill last year average order value by city this year", Y, lambda o: o.bought(LY, SD)),
    ("buyers of Super Drill last year, spend by month this year", Y, lambda o: o.bought(LY, SD)),
    ("last year average order value this year", Y, lambda o: o.bought(LY)),
    ("Moscow, покупали в прошлом году, средний чек в этом году", Y, lambda o: o.city("Moscow") & o.bought(LY)),
    ("средний чек по городам в этом году, купили Super Drill в прошлом году", Y, lambda o: o.bought(LY, SD)),
]  # fmt: skip


def _interpret(engine: Engine, text: str):  # type: ignore[no-untyped-def]
    from query_language import CatalogCache, interpret
    from query_language.lexicon import detect_language

    return interpret(text, CatalogCache(engine).get(), today=TODAY, language=detect_language(text))


@pytest.mark.parametrize("query, span, expr", CASES, ids=[c[0] for c in CASES])
def test_the_period_next_to_the_measure_measures_it(
    ql_db: Engine,
    query: str,
    span: tuple,
    expr: Callable[[Oracle], pd.Series],  # noqa: F811
) -> None:
    from sqlalchemy import select

    from query_language import matching_ids
    from storage import schema as s

    q = _interpret(ql_db, query)
    assert (q.period.start, q.period.end) == span, query
    ids = matching_ids(q).subquery()
    stmt = select(s.customers.c.external_id).where(s.customers.c.id.in_(select(ids.c[0])))
    with ql_db.connect() as conn:
        assert set(conn.execute(stmt).scalars()) == expected_ids(query, expr), query


@pytest.mark.parametrize(
    "query, message",
    [
        (
            "average order value by city, bought last year, contacted this year",
            "which period is the measure in: 'last year' or 'this year'?",
        ),
        (
            "vip created last year bought this year average order value",
            "which period is the measure in: 'last year' or 'this year'?",
        ),
        (
            "средний чек, купили в прошлом году, контактировали в этом году",
            "за какой период считать меру: «в прошлом году» или «в этом году»?",
        ),
        ("выручка упала на 30%", "по сравнению с чем?"),
        ("выручка по месяцам в этом году против прошлого", "не умею сравнивать периоды по «month»"),
    ],
)
def test_no_period_next_to_the_measure_asks(ql_db: Engine, query: str, message: str) -> None:  # noqa: F811
    from query_language import QueryError

    with pytest.raises(QueryError) as e:
        _interpret(ql_db, query)
    assert e.value.message == message
