"""Metamorphic properties of the language (issue #18), over the acceptance fixture, both backends.

Hypothesis draws queries from conditions written several ways; rewriting a query without
changing its meaning must not change the customers it matches: reordering the conditions,
adding fillers, singular for plural, an amount in each of its forms, the same query in Russian.
A negation gives the complement within the other conditions. (Each run is bounded: a few dozen
examples per property.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from storage import schema as s
from tests.query_language.fixture import TODAY
from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - the module fixture

PERIODS = [
    ("this year", "в этом году"),
    ("last quarter", "в прошлом квартале"),
    ("last 6 months", "за последние 6 месяцев"),
    ("in 2025", "в 2025 году"),
    ("last month", "в прошлом месяце"),
]
AMOUNTS = [  # (value, English forms, Russian forms)
    (40_000, ["40k", "40 000", "40,000", "40000", "$40,000"], ["40 тыс.", "40000", "40 000 руб."]),
    (1_500_000, ["1.5m", "1,5m", "1 500 000", "1500000"], ["1,5 млн", "1.5 млн", "1 500 000"]),
    (100_000, ["100k", "100 000", "100,000"], ["100 тыс.", "100 тысяч", "100000"]),
]


@dataclass(frozen=True)
class Cond:
    """One condition, written in English (singular and plural) and in Russian."""

    en: str
    en_singular: str
    ru: str
    kind: str


def _conds() -> st.SearchStrategy[Cond]:
    period = st.sampled_from(PERIODS)
    amount = st.sampled_from(AMOUNTS)
    place = st.sampled_from(["Moscow", "Kazan", "Samara"])
    simple = st.sampled_from(
        [
            Cond("vip", "vip", "с тегом vip", "tag"),
            Cond("tagged partner", "tagged partner", "с тегом partner", "tag"),
            Cond("rating A", "rating A", "с рейтингом A", "rating"),
            Cond("rating B or better", "rating B or better", "рейтинг B и выше", "rating"),
            Cond("manufacturing", "manufacturing", "отрасль manufacturing", "industry"),
            Cond("region Volga", "region Volga", "регион Volga", "region"),
        ]
    )
    city = place.map(lambda c: Cond(f"city {c}", f"city {c}", f"город {c}", "city"))
    bought = st.tuples(
        st.sampled_from(["Super Drill", "Angle Grinder", "power tools"]), period
    ).map(
        lambda t: Cond(
            f"buyers of {t[0]} {t[1][0]}",
            f"buyer of {t[0]} {t[1][0]}",
            f"купившие {t[0]} {t[1][1]}",
            "bought",
        )
    )
    spend = st.tuples(amount, period, st.integers(0, 9)).map(
        lambda t: Cond(
            f"spent over {t[0][1][t[2] % len(t[0][1])]} {t[1][0]}",
            f"spent over {t[0][1][(t[2] + 1) % len(t[0][1])]} {t[1][0]}",
            f"потратили более {t[0][2][t[2] % len(t[0][2])]} {t[1][1]}",
            "spend",
        )
    )
    complaints = period.map(
        lambda p: Cond(
            f"with complaints {p[0]}",
            f"with a complaint {p[0]}",
            f"с претензиями {p[1]}",
            "complaint",
        )
    )
    orders = st.tuples(st.integers(1, 4), period).map(
        lambda t: Cond(
            f"at least {t[0]} orders {t[1][0]}",
            f"at least {t[0]} order {t[1][0]}"
            if t[0] == 1
            else f"at least {t[0]} orders {t[1][0]}",
            f"не менее {t[0]} заказов {t[1][1]}",
            "orders",
        )
    )
    return st.one_of(simple, city, bought, spend, complaints, orders)


def _queries() -> st.SearchStrategy[list[Cond]]:
    """1–3 conditions; an order count never follows a purchase (it would qualify it)."""
    return st.lists(_conds(), min_size=1, max_size=3, unique_by=lambda c: c.kind).filter(
        lambda cs: not ({"orders", "bought"} <= {c.kind for c in cs})
    )


def _ids(engine: Engine, text: str, language: str = "en") -> frozenset[str]:
    from query_language import interpret, matching_ids

    q = interpret(text, _catalog(engine), today=TODAY, language=language)
    ids = matching_ids(q).subquery()
    stmt = select(s.customers.c.external_id).where(s.customers.c.id.in_(select(ids.c[0])))
    with engine.connect() as conn:
        return frozenset(conn.execute(stmt).scalars())


_CATALOGS: dict[int, Any] = {}


def _catalog(engine: Engine) -> Any:
    from query_language import CatalogCache

    key = id(engine)
    if key not in _CATALOGS:
        _CATALOGS.clear()
        _CATALOGS[key] = (engine, CatalogCache(engine).get())
    return _CATALOGS[key][1]


SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@SETTINGS
@given(conds=_queries(), data=st.data())
def test_reordering_the_conditions(ql_db: Engine, conds: list[Cond], data: Any) -> None:  # noqa: F811
    other = data.draw(st.permutations(conds))
    a = ", ".join(c.en for c in conds)
    b = ", ".join(c.en for c in other)
    assert _ids(ql_db, a) == _ids(ql_db, b), (a, b)


@SETTINGS
@given(conds=_queries(), data=st.data())
def test_fillers_change_nothing(ql_db: Engine, conds: list[Cond], data: Any) -> None:  # noqa: F811
    a = ", ".join(c.en for c in conds)
    before = data.draw(
        st.sampled_from(["customers", "please, all customers", "clients", "the customers"])
    )
    b = f"{before} {a}"
    assert _ids(ql_db, a) == _ids(ql_db, b), (a, b)
    ru = " и ".join(c.ru for c in conds)
    assert _ids(ql_db, ru, "ru") == _ids(ql_db, f"пожалуйста, все клиенты, {ru}", "ru"), ru


@SETTINGS
@given(conds=_queries())
def test_singular_and_plural(ql_db: Engine, conds: list[Cond]) -> None:  # noqa: F811
    a = ", ".join(c.en for c in conds)
    b = ", ".join(c.en_singular for c in conds)
    assert _ids(ql_db, a) == _ids(ql_db, b), (a, b)


@SETTINGS
@given(
    amount=st.sampled_from(AMOUNTS),
    period=st.sampled_from(PERIODS),
    where=st.sampled_from(["", "Moscow, ", "vip "]),
)
def test_amounts_in_each_form(ql_db: Engine, amount: tuple, period: tuple, where: str) -> None:  # noqa: F811
    _value, en_forms, ru_forms = amount
    got = {_ids(ql_db, f"{where}spent over {f} {period[0]}") for f in en_forms}
    got |= {_ids(ql_db, f"{where}потратили более {f} {period[1]}", "ru") for f in ru_forms}
    assert len(got) == 1, (amount, period)


@SETTINGS
@given(conds=_queries())
def test_the_same_query_in_russian(ql_db: Engine, conds: list[Cond]) -> None:  # noqa: F811
    en = ", ".join(c.en for c in conds)
    ru = ", ".join(c.ru for c in conds)
    assert _ids(ql_db, en) == _ids(ql_db, ru, "ru"), (en, ru)


@SETTINGS
@given(conds=_queries(), negated=_conds())
def test_a_negation_is_the_complement_within_the_rest(
    ql_db: Engine,  # noqa: F811
    conds: list[Cond],
    negated: Cond,
) -> None:
    assume(not (negated.kind == "bought" and any(c.kind == "orders" for c in conds)))
    rest = ", ".join(c.en for c in conds)
    both = _ids(ql_db, f"{rest}, ({negated.en})")
    everyone = _ids(ql_db, rest)
    for text in (
        f"{rest}, not ({negated.en})",
        f"{rest}, not {negated.en}",
        f"not {negated.en}, {rest}",
    ):
        assert _ids(ql_db, text) == everyone - both, text
    ru = ", ".join(c.ru for c in conds)
    assert _ids(ql_db, f"{ru}, не {negated.ru}", "ru") == everyone - both, (ru, negated.ru)


def test_the_properties_are_not_vacuous(ql_db: Engine) -> None:  # noqa: F811
    """The drawn conditions select something and not everything on this fixture."""
    everyone = _ids(ql_db, "")
    for text in (
        "vip",
        "buyers of Super Drill this year",
        "spent over 40k last quarter",
        "with complaints in 2025",
    ):
        assert 0 < len(_ids(ql_db, text)) < len(everyone), text


pytestmark = pytest.mark.timeout(300)
