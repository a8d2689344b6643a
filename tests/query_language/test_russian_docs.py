"""Every example in docs/query-language-ru.md runs against the Russian fixture.

Lines of ```query blocks are ``query → echo fragment``; lines of ```query-error blocks are
``query → suggestion``. A doc query that is also a Russian acceptance case is checked against
the oracle too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.query_language.test_russian_cases import RU_CASES, RU_PERIODS
from tests.query_language.test_russian_fixture import check_ru, interpret_ru
from tests.query_language.test_russian_fixture import ru_db as ru_db  # noqa: F401 - module fixture

DOC = Path(__file__).resolve().parents[2] / "docs" / "query-language-ru.md"
_ORACLE = dict(RU_CASES)


def _blocks(kind: str) -> list[tuple[str, str | None]]:
    out = []
    for block in re.findall(rf"^```{kind}\n(.*?)^```", DOC.read_text(), flags=re.M | re.S):
        for line in block.splitlines():
            if line.strip():
                query, _, want = line.partition(" → ")
                out.append((query.strip(), want.strip() or None))
    return out


EXAMPLES = _blocks("query")
ERRORS = _blocks("query-error")


def test_the_doc_covers_every_form() -> None:
    assert len(EXAMPLES) >= 100 and len(ERRORS) >= 3
    queries = " | ".join(q for q, _ in EXAMPLES)
    for typed, _ in RU_PERIODS:
        assert typed in queries, f"the periods section lacks {typed!r}"


@pytest.mark.parametrize("query, echo", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_doc_example_runs(ru_db: Engine, query: str, echo: str | None) -> None:  # noqa: F811
    from query_language import describe, run_query

    q = interpret_ru(ru_db, query)
    with ru_db.connect() as conn:
        assert run_query(conn, q, offset=0, limit=10).count >= 0
    if echo:
        assert echo in describe(q), f"{query!r}: {describe(q)!r} lacks {echo!r}"
    if query in _ORACLE:
        check_ru(ru_db, query, _ORACLE[query])


@pytest.mark.parametrize("query, suggestion", ERRORS, ids=[e[0] for e in ERRORS])
def test_doc_error_example(ru_db: Engine, query: str, suggestion: str | None) -> None:  # noqa: F811
    from query_language import QueryError

    with pytest.raises(QueryError) as info:
        interpret_ru(ru_db, query)
    if suggestion:
        assert suggestion in info.value.suggestions
