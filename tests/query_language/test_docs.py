"""Every example in docs/query-language.md parses, resolves and runs against the fixture.

Examples are the lines of fenced ``query`` blocks (``query → text`` means the echo contains
*text*), the lines of ``query-error`` blocks (``query → suggestion``), and the backticked forms in
the tables of the Conditions, Periods and "What you get back" sections. A doc query that is also
an acceptance case is checked against the oracle too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.query_language.fixture import interpret_on
from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - the module fixture
from tests.query_language.test_cases import CONDITIONS, LOYALTY, check_query
from tests.query_language.test_cases_forms import FORMS
from tests.query_language.test_cases_periods import ALL, PERIODS

DOC = Path(__file__).resolve().parents[2] / "docs" / "query-language.md"
_ORACLE_CASES = dict(CONDITIONS + ALL + FORMS + LOYALTY)


def _blocks(kind: str) -> list[tuple[str, str | None]]:
    """``(query, expected echo fragment or None)`` for each line of ```kind blocks."""
    out = []
    for block in re.findall(rf"^```{kind}\n(.*?)^```", DOC.read_text(), flags=re.M | re.S):
        for line in block.splitlines():
            if line.strip():
                query, _, want = line.partition(" → ")
                out.append((query.strip(), want.strip() or None))
    return out


def _table_forms() -> list[tuple[str, str | None]]:
    """Backticked forms in the tables of the sections that list query forms."""
    out: list[tuple[str, str | None]] = []
    section = ""
    for line in DOC.read_text().splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        if not line.startswith("|") or section not in (
            "Conditions",
            "Periods",
            "What you get back",
        ):
            continue
        cells = line.split("|")
        for form in re.findall(r"`([^`]+)`", cells[1] if section == "Periods" else line):
            if "…" in form:
                continue
            if section == "Periods":
                dates = cells[2].strip()
                is_date = re.fullmatch(r"\d{4}-\d\d-\d\d(\.\.\d{4}-\d\d-\d\d)?", dates)
                out.append((f"customers {form}", dates if is_date else None))
            else:
                out.append((form, None))
    return out


EXAMPLES = _blocks("query") + _table_forms()
ERRORS = _blocks("query-error")


def test_the_doc_has_examples_of_every_kind() -> None:
    assert len(_blocks("query")) >= 60 and len(_table_forms()) >= 60 and len(ERRORS) >= 3
    text = DOC.read_text()
    for typed, _ in PERIODS:
        assert f"`{typed}`" in text, f"the periods table lacks {typed!r}"


@pytest.mark.parametrize("query, echo", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_doc_example_runs(ql_db: Engine, query: str, echo: str | None) -> None:  # noqa: F811
    from query_language import describe, run_query

    q = interpret_on(ql_db, query)
    with ql_db.connect() as conn:
        result = run_query(conn, q, offset=0, limit=10)
    assert result.count >= 0
    if echo:
        assert echo in describe(q), f"{query!r}: {describe(q)!r} lacks {echo!r}"
    if query in _ORACLE_CASES:
        check_query(ql_db, query, _ORACLE_CASES[query])


@pytest.mark.parametrize("query, suggestion", ERRORS, ids=[e[0] for e in ERRORS])
def test_doc_error_example(ql_db: Engine, query: str, suggestion: str | None) -> None:  # noqa: F811
    from query_language import QueryError

    with pytest.raises(QueryError) as info:
        interpret_on(ql_db, query)
    if suggestion:
        assert suggestion.lower() in [str(s).lower() for s in info.value.suggestions]
