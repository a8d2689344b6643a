"""What one question may ask of the database (issue #16, defects 1 and 7): repeated conditions
merged before compiling, bounded conditions, nesting, numbers and dates, and statements cut off
by the statement timeout on SQLite and PostgreSQL, with clear errors in English and Russian."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import Engine, func, select, text

from query_language import CatalogCache, QueryError, describe, interpret, matching_ids, run_query
from query_language import ast as a
from query_language.compile import compile_where
from query_language.limits import configure, count_conditions, current, normalize
from storage.timeouts import StatementTimeout, statement_timeout
from tests.query_language.fixture import TODAY, interpret_on
from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - the module fixture

PATHOLOGICAL = "Moscow " + "and vip " * 500  # 4,007 characters: one Telegram message
SLOW_SQL = {
    "sqlite": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    "postgresql": "SELECT count(*) FROM generate_series(1, 10000000000)",
}


def _count(engine: Engine, query: a.Query) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(matching_ids(query).subquery())
            ).scalar_one()
        )


def _ru(engine: Engine, text: str) -> QueryError:
    with pytest.raises(QueryError) as got:
        interpret(text, CatalogCache(engine).get(), today=TODAY, language="ru")
    return got.value


def test_a_repeated_condition_compiles_once(ql_db: Engine) -> None:  # noqa: F811
    """Defect 1: 'Moscow and vip and vip …' ×500 was 500 EXISTS (20+ minutes on PostgreSQL)."""
    query = interpret_on(ql_db, PATHOLOGICAL)
    plain = interpret_on(ql_db, "Moscow and vip")
    assert query.where == plain.where and count_conditions(query.where) == 2
    sql = str(compile_where(query.where).compile(ql_db))
    assert sql.count("FROM customer_tags") == 1, sql  # one tag condition (an IN or an EXISTS)
    assert _count(ql_db, query) == _count(ql_db, plain) > 0
    assert describe(query) == describe(plain)
    with statement_timeout(current().statement_timeout_ms), ql_db.connect() as conn:
        assert run_query(conn, query).count == _count(ql_db, plain)


@pytest.mark.parametrize(
    "text, conditions",
    [
        ("(Moscow and (vip and (vip and partner))) and vip", 3),
        ("vip or (vip or (partner or vip))", 2),
        ("not (not vip)", 1),
        ("Moscow, Moscow, Moscow or Moscow", 1),
        ("(Moscow or Kazan), (Kazan or Moscow)", 2),
    ],
)
def test_nested_and_repeated_conditions_are_flattened(
    ql_db: Engine, text: str, conditions: int
) -> None:  # noqa: F811
    query = interpret_on(ql_db, text)
    assert count_conditions(query.where) == conditions, query.where
    assert not any(
        isinstance(i, type(query.where)) for i in getattr(query.where, "items", ())
    )  # no And directly in an And, no Or directly in an Or


def test_normalize_keeps_the_meaning() -> None:
    vip, moscow = a.HasTag(1, "vip"), a.FieldIs("city", ("Moscow",), "Moscow")
    assert normalize(a.And((moscow, a.And((vip, moscow)), vip))) == a.And((moscow, vip))
    assert normalize(a.Or((vip, a.Everyone()))) == a.Everyone()
    assert normalize(a.And((a.Everyone(), vip))) == vip
    assert normalize(a.Not(a.Not(a.Or((vip, vip))))) == vip
    assert normalize(a.Or((a.And((vip, moscow)), a.And((moscow, vip))))) == a.And((vip, moscow))
    both = normalize(a.Or((a.And((vip, moscow)), a.Not(a.And((moscow, vip))))))
    assert both == a.Or((a.And((vip, moscow)), a.Not(a.And((moscow, vip)))))  # not the same


def test_too_many_conditions_is_a_clear_error(ql_db: Engine) -> None:  # noqa: F811
    limit = current().max_conditions
    many = ", ".join(f"spent over {i}" for i in range(1, limit + 6))
    with pytest.raises(QueryError) as got:
        interpret_on(ql_db, many)
    assert f"too many conditions ({limit + 5}; at most {limit})" in got.value.message
    assert got.value.expected and "fewer conditions" in got.value.expected[0]
    ru = _ru(ql_db, ", ".join(f"потратили более {i}" for i in range(1, limit + 6)))
    assert "слишком много условий" in ru.message and "меньше условий" in ru.expected[0]
    interpret_on(ql_db, ", ".join(f"spent over {i}" for i in range(1, limit + 1)))  # at the cap


def test_the_condition_cap_is_configurable(ql_db: Engine) -> None:  # noqa: F811
    before = current()
    try:
        configure(max_conditions=2)
        with pytest.raises(QueryError, match="at most 2"):
            interpret_on(ql_db, "Moscow, vip, partner")
        assert count_conditions(interpret_on(ql_db, "Moscow, vip, vip, vip").where) == 2
    finally:
        configure(**before.__dict__)


@pytest.mark.parametrize(
    "query, en, ru_query, ru",
    [
        ("top " + "9" * 40, "too large a number", "топ " + "9" * 40, "слишком большое число"),
        (
            "spent over " + "9" * 400,
            "too large a number",
            "потратили более " + "9" * 400,
            "слишком большое число",
        ),
        (
            "spent between 1 and " + "9" * 30,
            "too large a number",
            "потратили от 1 до " + "9" * 30,
            "слишком большое число",
        ),
        (
            "at least 99999999999999999999 orders",
            "too large a number",
            "не менее 99999999999999999999 заказов",
            "слишком большое число",
        ),
        (
            "complained in 9999-12-31",
            "outside the dates I can use",
            "жаловались 9999-12-31",
            "вне допустимого диапазона",
        ),
        (
            "created after 9999-12-31",
            "outside the dates I can use",
            "созданы после 9999-12-31",
            "вне допустимого диапазона",
        ),
        (
            "bought before 0001-01-01",
            "outside the dates I can use",
            "купили до 0001-01-01",
            "вне допустимого диапазона",
        ),
        (
            "(" * 1000 + "vip or not (" * 400 + "Moscow" + ")" * 1400,
            "nested too deeply",
            "(" * 1000 + "vip или не (" * 400 + "Москва" + ")" * 1400,
            "слишком глубокая вложенность",
        ),
        (
            "not (" * 300 + "vip" + ")" * 300,
            "nested too deeply",
            "не (" * 300 + "vip" + ")" * 300,
            "слишком глубокая вложенность",
        ),
    ],
)
def test_huge_numbers_dates_and_nesting_are_clear_errors(
    ql_db: Engine,  # noqa: F811
    query: str,
    en: str,
    ru_query: str,
    ru: str,
) -> None:
    """Defect 7: these answered 'OverflowError …' or failed inside the database."""
    for text_, lang, words in ((query, "en", en), (ru_query, "ru", ru)):
        with pytest.raises(QueryError) as got:
            interpret(text_, CatalogCache(ql_db).get(), today=TODAY, language=lang)
        err = got.value
        assert words in err.message, (lang, err.message)
        assert err.expected, err.message  # what next
        assert 0 <= err.span[0] <= err.span[1] <= len(text_)  # where
        assert err.__cause__ is None and "Error" not in str(err), str(err)
        rendered = err.render()
        assert "^" in rendered and "Overflow" not in rendered


def test_numbers_and_dates_in_range_still_work(ql_db: Engine) -> None:  # noqa: F811
    assert interpret_on(ql_db, "top 1000000").output.n == 1_000_000
    q = interpret_on(ql_db, "created after 2200-12-30")
    assert q.where == a.Created(a.Period(date(2200, 12, 31), TODAY))
    interpret_on(ql_db, "spent over 999999999999")


@pytest.fixture
def slow_sql(ql_db: Engine) -> Iterator[str]:  # noqa: F811
    yield SLOW_SQL[ql_db.dialect.name]


def test_a_slow_statement_is_cut_off(ql_db: Engine, slow_sql: str) -> None:  # noqa: F811
    """Both databases: the statement ends with StatementTimeout and its transaction is undone."""
    with pytest.raises(StatementTimeout):
        with statement_timeout(50), ql_db.begin() as conn:
            conn.execute(text("UPDATE customers SET phone = 'touched'"))
            conn.execute(text(slow_sql))
    with ql_db.connect() as conn:
        touched = conn.execute(
            text("SELECT count(*) FROM customers WHERE phone = 'touched'")
        ).scalar_one()
        assert touched == 0
        assert conn.execute(text("SELECT 1")).scalar_one() == 1  # the connection is usable
        if ql_db.dialect.name == "postgresql":  # set local: nothing outlives the transaction
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "0"


def test_outside_the_block_nothing_is_bounded(ql_db: Engine) -> None:  # noqa: F811
    quick = {
        "sqlite": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 200000) "
        "SELECT count(*) FROM r",
        "postgresql": "SELECT count(*) FROM generate_series(1, 200000)",
    }[ql_db.dialect.name]
    with statement_timeout(60_000), ql_db.connect() as conn:
        assert conn.execute(text(quick)).scalar_one() == 200_000
    with ql_db.connect() as conn:
        assert conn.execute(text(quick)).scalar_one() == 200_000


SLOW_VIEW = {  # the tag condition reads a view that first counts to infinity
    "sqlite": "CREATE VIEW customer_tags AS SELECT * FROM customer_tags_real WHERE "
    "(WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r) > 0",
    "postgresql": "CREATE VIEW customer_tags AS SELECT * FROM customer_tags_real WHERE "
    "(SELECT count(*) FROM generate_series(1, 10000000000)) > 0",
}


@contextmanager
def slow_tags(engine: Engine) -> Iterator[Engine]:
    """``engine``'s database with ``customer_tags`` made a slow view (a tag question is slow)."""
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE customer_tags RENAME TO customer_tags_real"))
        conn.execute(text(SLOW_VIEW[engine.dialect.name]))
    try:
        yield engine
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP VIEW customer_tags"))
            conn.execute(text("ALTER TABLE customer_tags_real RENAME TO customer_tags"))


def test_run_query_says_the_question_takes_too_long(ql_db: Engine) -> None:  # noqa: F811
    """A question cut off inside run_query is a QueryError, in the user's language."""
    en, ru = (
        interpret_on(ql_db, "Moscow vip"),
        interpret("Moscow vip", CatalogCache(ql_db).get(), today=TODAY, language="ru"),
    )
    with slow_tags(ql_db):
        for query, message in (
            (en, "this question takes too long — narrow it"),
            (ru, "этот вопрос выполняется слишком долго — сузьте его"),
        ):
            with pytest.raises(QueryError) as got, statement_timeout(50), ql_db.connect() as conn:
                run_query(conn, query)
            assert got.value.message == message
            assert isinstance(got.value.__cause__, StatementTimeout)
            assert got.value.expected  # what next
    with statement_timeout(5000), ql_db.connect() as conn:
        assert run_query(conn, en).count > 0  # the same question, once the data is sane
