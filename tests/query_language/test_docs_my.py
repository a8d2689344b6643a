"""The ```query-my examples of docs/query-language.md and docs/query-language-ru.md (issue 21):
asked as Ivanov (manager id 1), each runs and shows its echo; an English one that is an
acceptance case of ``test_cases_follow_ups`` selects exactly the oracle's customers (the
Russian forms are acceptance cases there, on the fixture with follow-ups)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from query_language import CatalogCache, Me, describe, interpret, run_query
from tests.query_language.fixture import TODAY, matching_external_ids
from tests.query_language.test_cases_follow_ups import CASES, ORACLE
from tests.query_language.test_cases_follow_ups import fu_db as fu_db  # noqa: F401 - fixture
from tests.query_language.test_russian_fixture import ru_db as ru_db  # noqa: F401 - fixture

DOCS = Path(__file__).resolve().parents[2] / "docs"
IVANOV = 1
_ORACLE = {(text, lang): expr for text, lang, me, expr in CASES if me == IVANOV}


def _examples(doc: str) -> list[tuple[str, str]]:
    out = []
    text = (DOCS / doc).read_text()
    for block in re.findall(r"^```query-my\n(.*?)^```", text, flags=re.M | re.S):
        for line in block.splitlines():
            if line.strip():
                query, _, want = line.partition(" → ")
                out.append((query.strip(), want.strip()))
    return out


EN, RU = _examples("query-language.md"), _examples("query-language-ru.md")


def test_both_references_have_my_examples() -> None:
    assert len(EN) >= 3 and len(RU) >= 3


def _check(engine: Engine, query: str, echo: str, language: str, *, oracle: bool) -> None:
    q = interpret(query, CatalogCache(engine).get(), today=TODAY, language=language, me=Me(IVANOV))
    assert echo in describe(q), f"{query!r}: {describe(q)!r} lacks {echo!r}"
    with engine.connect() as conn:
        count = run_query(conn, q, offset=0, limit=None).count
    if oracle and (query, language) in _ORACLE:
        expected = ORACLE.ids(_ORACLE[(query, language)](ORACLE) & ORACLE.live)
        assert matching_external_ids(engine, q) == expected and count == len(expected)


@pytest.mark.parametrize(("query", "echo"), EN, ids=[e[0] for e in EN])
def test_english_my_example(fu_db: Engine, query: str, echo: str) -> None:  # noqa: F811
    _check(fu_db, query, echo, "en", oracle=True)


@pytest.mark.parametrize(("query", "echo"), RU, ids=[e[0] for e in RU])
def test_russian_my_example(ru_db: Engine, query: str, echo: str) -> None:  # noqa: F811
    _check(ru_db, query, echo, "ru", oracle=False)  # no follow-ups in the Russian fixture
