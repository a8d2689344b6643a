"""The DuckDB copy answers a period-over-period query exactly as the primary: the vs answer's
groups (both periods, change, per cent) and the customers of a grew / dropped condition."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from query_language import CatalogCache, interpret
from query_language.run import run_query as run_on
from storage.columnar import ColumnarCopy
from tests.query_language.fixture import TODAY
from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - the module fixture

QUERIES = [
    ("en", "spend this quarter vs last quarter by manager"),
    ("en", "orders this year vs same period last year by city"),
    ("en", "buyers this month vs last month by rating"),
    ("en", "average order value this year vs last year"),
    ("en", "customers whose spend dropped by 30% vs last year"),
    ("en", "Moscow orders grew vs last quarter"),
    ("ru", "выручка в этом квартале против прошлого по менеджерам"),
    ("ru", "клиенты, у которых выручка упала на 30% по сравнению с прошлым годом"),
]


def test_the_copy_answers_vs_queries_as_the_primary(ql_db: Engine, tmp_path: Path) -> None:  # noqa: F811
    copy = ColumnarCopy(tmp_path / "copy.duckdb", memory_limit="256MB", threads=1)
    try:
        assert copy.refresh(ql_db).done
        catalog = CatalogCache(ql_db).get()
        duck = copy.engine()
        assert duck is not None
        for language, text in QUERIES:
            q = interpret(text, catalog, today=TODAY, language=language)
            with ql_db.connect() as conn:
                primary = run_on(conn, q, limit=None)
            with duck.connect() as dconn:
                copied = run_on(dconn, q, limit=None)
            assert primary.count and (primary.groups or primary.rows), text
            assert (copied.count, copied.rows, copied.groups) == (
                primary.count,
                primary.rows,
                primary.groups,
            ), text
    finally:
        copy.close()


@pytest.mark.parametrize("text", [t for _lang, t in QUERIES])
def test_vs_queries_may_be_routed_to_the_copy(ql_db: Engine, text: str) -> None:  # noqa: F811
    from query_language.lexicon import detect_language
    from query_language.route import routable

    q = interpret(text, CatalogCache(ql_db).get(), today=TODAY, language=detect_language(text))
    assert routable(q)
