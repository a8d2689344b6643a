"""Period over period, from outside its examples (issue #18, "done when"): a vs answer's parts
equal the two separate answers (generated over periods, keys, filters and measures), grew and
dropped split the customers who bought in the second period, and the same query in Russian
gives the same answer. Both backends."""

from __future__ import annotations

from itertools import product

import pytest
from sqlalchemy import Engine

from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - the module fixture
from tests.query_language.test_cases import ORACLE
from tests.query_language.test_cases_versus import _close, _ids, _run

# --- metamorphic: a vs answer's parts are the two separate answers --------------------------
_PERIODS = [("this quarter", "last quarter"), ("this year", "last year"), ("last month", "q2 2026")]
_KEYS = ["city", "manager", "rating", "industry"]
_FILTERS = ["", "vip ", "Moscow or Kazan "]
GENERATED = [
    (f"{f}{m} {p1} vs {p2} by {k}", f"{f}average order value by {k} {p1}", f"{f}average order value by {k} {p2}", m)
    for (p1, p2), k, f, m in product(_PERIODS, _KEYS, _FILTERS, ["spend", "orders", "aov"])
]  # fmt: skip


@pytest.mark.parametrize(
    "vs, first, second, measure", GENERATED[::3], ids=[g[0] for g in GENERATED[::3]]
)
def test_a_vs_answers_parts_equal_the_two_separate_answers(
    ql_db: Engine,
    vs: str,
    first: str,
    second: str,
    measure: str,  # noqa: F811
) -> None:
    column = {"spend": "spend", "orders": "orders"}.get(measure, "value")
    with ql_db.connect() as conn:
        parts = {g["key"]: g for g in _run(ql_db, vs, conn)[1].groups}
        one = {g["key"]: g[column] for g in _run(ql_db, first, conn)[1].groups}
        two = {g["key"]: g[column] for g in _run(ql_db, second, conn)[1].groups}
    assert set(parts) == set(one) == set(two)
    for k, g in parts.items():
        assert _close(g["first"], None if one[k] is None else float(one[k])), (vs, k)
        assert _close(g["second"], None if two[k] is None else float(two[k])), (vs, k)


@pytest.mark.parametrize("p1, p2", _PERIODS)
def test_grew_and_dropped_split_the_customers_who_bought_in_the_second_period(
    ql_db: Engine,
    p1: str,
    p2: str,  # noqa: F811
) -> None:
    """``grew`` and ``dropped`` are disjoint, and with the unchanged ones they are exactly
    ``spent over 0 <second period>``."""
    grew = _ids(ql_db, f"spend grew {p1} vs {p2}")
    dropped = _ids(ql_db, f"spend dropped {p1} vs {p2}")
    positive = _ids(ql_db, f"spent over 0 {p2}")
    s1, s2 = ORACLE.spend(ORACLE.period(p1)), ORACLE.spend(ORACLE.period(p2))
    same = ORACLE.ids((s1 == s2) & (s2 > 0) & ORACLE.live)
    assert grew and dropped and not grew & dropped
    assert grew | dropped | same == positive


TWINS = [
    ("spend this quarter vs last quarter by manager", "выручка в этом квартале против прошлого по менеджерам"),
    ("orders this year vs same period last year by city", "заказы в этом году против аналогичного периода прошлого года по городам"),
    ("customers whose spend dropped by 30% vs last year", "клиенты, у которых выручка упала на 30% по сравнению с прошлым годом"),
    ("Moscow spend grew vs last quarter", "Moscow, выручка выросла по сравнению с прошлым кварталом"),
]  # fmt: skip


@pytest.mark.parametrize("english, russian", TWINS)
def test_the_same_query_in_russian_gives_the_same_answer(
    ql_db: Engine,
    english: str,
    russian: str,  # noqa: F811
) -> None:
    with ql_db.connect() as conn:
        en_q, en = _run(ql_db, english, conn)
        ru_q, ru = _run(ql_db, russian, conn)
    assert (en_q.where, en_q.output) == (ru_q.where, ru_q.output)
    assert (en.count, en.groups, [r["id"] for r in en.rows]) == (
        ru.count,
        ru.groups,
        [r["id"] for r in ru.rows],
    )
