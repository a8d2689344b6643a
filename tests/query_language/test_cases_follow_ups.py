"""``my``, ``with open follow-ups`` and ``follow-up overdue`` (issue 21), English and Russian,
checked against the oracle on the acceptance fixture plus follow-ups (open, done, overdue), on
SQLite and PostgreSQL; and the echo of ``my``."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine

from query_language import CatalogCache, Me, QueryError, describe, interpret, run_query
from tests.conftest import BACKENDS, fresh_database, require_backend
from tests.query_language.fixture import TODAY, build_rows, load_rows, matching_external_ids
from tests.query_language.oracle import Oracle

IVANOV, PETROV = 1, 2


def _rows() -> dict[str, list[dict]]:
    rows = build_rows()
    rnd = random.Random(21)
    ids = [c["id"] for c in rows["customers"]]
    noon = datetime(TODAY.year, TODAY.month, TODAY.day, 12)
    follow = []
    for n, cid in enumerate(rnd.sample(ids, 60), 1):
        due = noon + timedelta(days=rnd.randint(-20, 20), hours=rnd.choice([-13, -1, 0, 1, 13]))
        done = noon - timedelta(days=1) if n % 4 == 0 else None
        follow.append(
            {
                "id": n,
                "customer_id": cid,
                "manager_id": rnd.choice([IVANOV, PETROV]),
                "author_key": "telegram:1",
                "text": "call",
                "due_at": due,
                "created_at": noon - timedelta(days=30),
                "done_at": done,
            }
        )
    rows["follow_ups"] = follow
    return rows


ROWS = _rows()
ORACLE = Oracle(ROWS, TODAY)
P = ORACLE.period


@pytest.fixture(scope="module", params=BACKENDS)
def fu_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    require_backend(request.param)
    with fresh_database(request.param, tmp_path_factory.mktemp("qlfu")) as engine:
        load_rows(engine, ROWS)
        yield engine


CASES: list[tuple[str, str, int | None, Callable[[Oracle], pd.Series]]] = [
    ("my customers", "en", IVANOV, lambda o: o.mine(IVANOV)),
    ("my customers", "en", PETROV, lambda o: o.mine(PETROV)),
    ("my vip", "en", IVANOV, lambda o: o.mine(IVANOV) & o.tag("vip")),
    (
        "my vip lapsed 90 days",
        "en",
        IVANOV,
        lambda o: o.mine(IVANOV) & o.tag("vip") & o.lapsed(P("last 90 days")),
    ),
    ("with open follow-ups", "en", None, lambda o: o.follow_up("open")),
    ("customers with open follow-ups", "en", None, lambda o: o.follow_up("open")),
    ("follow-up overdue", "en", None, lambda o: o.follow_up("overdue")),
    ("overdue follow-ups", "en", None, lambda o: o.follow_up("overdue")),
    ("not follow-up overdue", "en", None, lambda o: ~o.follow_up("overdue")),
    ("Moscow with open follow-ups", "en", None, lambda o: o.city("Moscow") & o.follow_up("open")),
    (
        "my customers with open follow-ups",
        "en",
        PETROV,
        lambda o: o.mine(PETROV) & o.follow_up("open"),
    ),
    (
        "my customers follow-up overdue",
        "en",
        IVANOV,
        lambda o: o.mine(IVANOV) & o.follow_up("overdue"),
    ),
    ("мои клиенты", "ru", IVANOV, lambda o: o.mine(IVANOV)),
    ("мои vip", "ru", PETROV, lambda o: o.mine(PETROV) & o.tag("vip")),
    ("клиенты с открытыми напоминаниями", "ru", None, lambda o: o.follow_up("open")),
    ("просроченные напоминания", "ru", None, lambda o: o.follow_up("overdue")),
    (
        "мои клиенты с просроченными напоминаниями",
        "ru",
        IVANOV,
        lambda o: o.mine(IVANOV) & o.follow_up("overdue"),
    ),
]


@pytest.mark.parametrize(
    ("text", "language", "me", "expr"), CASES, ids=[f"{c[0]} (as {c[2]})" for c in CASES]
)
def test_case_matches_the_oracle(
    fu_db: Engine, text: str, language: str, me: int | None, expr: Callable[[Oracle], pd.Series]
) -> None:
    expected = ORACLE.ids(expr(ORACLE) & ORACLE.live)
    assert expected, f"{text!r}: the fixture should make this case non-empty"
    q = interpret(text, CatalogCache(fu_db).get(), today=TODAY, language=language, me=Me(me))
    assert matching_external_ids(fu_db, q) == expected
    with fu_db.connect() as conn:
        assert run_query(conn, q, offset=0, limit=None).count == len(expected)


def test_the_overdue_and_open_sets_differ_and_done_ones_never_count() -> None:
    open_ = ORACLE.ids(ORACLE.follow_up("open"))
    overdue = ORACLE.ids(ORACLE.follow_up("overdue"))
    done_only = ORACLE.ids(ORACLE._mask({f["customer_id"] for f in ROWS["follow_ups"]})) - open_
    assert overdue < open_ and done_only  # the fixture exercises each distinction


def test_my_is_echoed_as_the_askers_name_and_refused_without_a_manager_row(fu_db: Engine) -> None:
    catalog = CatalogCache(fu_db).get()
    q = interpret("my vip", catalog, today=TODAY, me=Me(IVANOV))
    assert describe(q) == "customers · manager = Ivanov (you) · tag = vip"
    q = interpret("мои vip", catalog, today=TODAY, language="ru", me=Me(IVANOV))
    assert describe(q) == "клиенты · менеджер = Ivanov (вы) · тег = vip"
    with pytest.raises(QueryError, match="you manage none"):
        interpret("my customers", catalog, today=TODAY, me=Me(None))
    with pytest.raises(QueryError, match="вы не ведёте ни одного"):
        interpret("мои клиенты", catalog, today=TODAY, language="ru")


def test_follow_up_questions_are_answered_by_the_primary_not_the_copy(fu_db: Engine) -> None:
    from query_language.route import routable

    catalog = CatalogCache(fu_db).get()
    assert not routable(interpret("vip with open follow-ups", catalog, today=TODAY))
    assert routable(interpret("my vip", catalog, today=TODAY, me=Me(IVANOV)))
