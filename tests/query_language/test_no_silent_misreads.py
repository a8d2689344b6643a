"""No silent misreads (issue #18, items 3, 5 and 6), over the whole vocabulary.

- every word of a query is part of a token, a known filler, or an error with a caret;
- every keyword phrase of each lexicon, put next to a value, either changes what the query
  means (its echo or its answer form) or is an error — except the phrases that only restate the
  value's own kind (``city Moscow``, ``in Moscow``, ``count Moscow``);
- every standard field, status, interaction kind and class name has words in each lexicon;
- broken input gets an error in the user's words and language: no grammar terminal names,
  a caret inside the text, and a did-you-mean for a mistyped keyword.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import fresh_database
from tests.query_language.fixture import TODAY, build_rows, load_rows

GRAMMAR = Path(__file__).resolve().parents[2] / "query_language" / "grammar.lark"
TERMINALS = sorted(
    {
        t
        for line in GRAMMAR.read_text().splitlines()
        if line.startswith("%declare")
        for t in line.split()[1:]
    }  # fmt: skip
)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The acceptance fixture's catalog (SQLite; only words are checked here)."""
    from query_language import CatalogCache

    with fresh_database("sqlite", tmp_path_factory.mktemp("vocab")) as engine:
        load_rows(engine, build_rows())
        yield CatalogCache(engine).get()


def _interpret(text: str, catalog: Any, language: str) -> Any:
    from query_language import interpret

    return interpret(text, catalog, today=TODAY, language=language)


# --- 6: every word is understood, a filler, or an error ------------------------------------
def _uncovered(text: str, catalog: Any, language: str) -> list[str]:
    """Words of ``text`` that no token covers and that are not fillers."""
    from query_language.lexer import split_pieces, tokenize
    from query_language.lexicon import load_lexicon

    lex = load_lexicon(language)
    toks = tokenize(text, lex, catalog.index(language))
    soft = {w for w, (_t, payload) in lex.phrases.items() if payload == "soft"}
    prepositions = {w for w, (t, _p) in lex.phrases.items() if t in ("SINCE", "IN")}
    out = []
    for p in split_pieces(text, lex):
        if p.kind != "word" or any(t.start <= p.start and p.end <= t.end for t in toks):
            continue
        if p.norm in lex.fillers or (p.norm,) in soft:
            continue
        if language == "ru" and (p.norm,) in prepositions:  # "с"/"за" that start no period
            continue
        out.append(p.text)
    return out


def _phrases(language: str) -> list[str]:
    from query_language.lexicon import load_lexicon

    return sorted({w for ws in load_lexicon(language).spelled.values() for w in ws})


VALUES = ["Moscow", "Super Drill", "vip", "Ivanov", "power tools", "Volga", "manufacturing"]


@pytest.mark.parametrize("language", ["en", "ru"])
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_word_is_a_token_or_a_filler(catalog: Any, language: str, data: Any) -> None:
    """Soups of keywords, values and numbers: whatever parses, no word was dropped unread."""
    from query_language import QueryError

    words = data.draw(
        st.lists(
            st.sampled_from(_phrases(language) + VALUES + ["40k", "2026-03-01", ","]),
            min_size=1,
            max_size=7,
        )
    )
    text = " ".join(words)
    try:
        _interpret(text, catalog, language)
    except QueryError as e:
        assert 0 <= e.span[0] <= e.span[1] <= len(text), text
        return
    assert not _uncovered(text, catalog, language), (
        f"{text!r}: {_uncovered(text, catalog, language)}"
    )


# Phrases that only restate the host value's kind (a city) or the default answer (a count).
_SAME_MEANING = {"FIELD=city", "IN", "FROM", "COUNT", "BOUGHT=soft", "SINCE"}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_keyword_changes_the_meaning_or_is_an_error(catalog: Any, language: str) -> None:
    from query_language import QueryError, describe
    from query_language.lexicon import load_lexicon

    lex = load_lexicon(language)
    base = describe(_interpret("Moscow", catalog, language))
    silent = []
    for words, variants in lex.spelled.items():
        term, payload = lex.phrases[words]
        if f"{term}={payload}" in _SAME_MEANING or term in _SAME_MEANING:
            continue
        for phrase in variants:
            for text in (f"Moscow {phrase}", f"{phrase} Moscow"):
                try:
                    q = _interpret(text, catalog, language)
                except QueryError:
                    continue
                if describe(q) == base and type(q.output).__name__ == "Count":
                    silent.append(text)
    assert not silent, f"read as plain 'Moscow': {silent}"


# --- 3: every standard name has words in each language ---------------------------------------
def _standard_names() -> list[tuple[str, str, Any]]:
    """(what, terminal, payload) for every standard field, status, kind and class name."""
    from analytics.classify import SEGMENTS
    from storage.demo_catalog import INTERACTION_KINDS
    from storage.importing.customers import CUSTOMER_COLUMNS
    from storage.schema import STATUSES

    fields = {"city", "region", "country", "industry", "manager", "status", "rating"}
    out: list[tuple[str, str, Any]] = []
    for col in CUSTOMER_COLUMNS:
        if col in fields:
            out.append((col, "FIELD", col))
        elif col == "tags":
            out.append((col, "FIELD", "tag"))
        elif col == "created_at":
            out.append((col, "CREATED", None))
    out += [("product", "FIELD", "product"), ("category", "FIELD", "category")]
    out += [(f"status {s}", "FIXED", ("status", s)) for s in STATUSES]
    out += [(f"kind {k}", "INTERACTION", k) for k in INTERACTION_KINDS]
    out += [(f"class {k}", "FIELD", k) for k in ("abc", "xyz", "class", "rfm")]
    out += [(f"rfm {name}", "FIXED", ("rfm", name)) for name, *_ in SEGMENTS if name != "new"]
    out += [("rfm new", "CREATED", None)]  # "new" alone is the RFM segment
    return out


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_standard_name_has_words(language: str) -> None:
    from query_language.lexicon import load_lexicon

    lex = load_lexicon(language)
    have = {(t, p if not isinstance(p, list) else tuple(p)) for t, p in lex.phrases.values()}
    missing = [what for what, t, p in _standard_names() if (t, p) not in have]
    assert not missing, f"{language}: no words for {missing}"
    assert "employees" in lex.property_names, "the standard 'employees' property"


@pytest.mark.parametrize(
    "text, language",
    [("employees over 100", "en"), ("сотрудников более 100", "ru"), ("численность от 100", "ru")],
)
def test_the_standard_property_is_named_in_each_language(
    catalog: Any, text: str, language: str
) -> None:
    from query_language.ast import PropertyCmp

    q = _interpret(text, catalog, language)
    assert isinstance(q.where, PropertyCmp) and q.where.name == "employees"


# --- 5: errors in the user's words ----------------------------------------------------------
VALID = {
    "en": [
        "Moscow buyers of Super Drill over 40k last quarter, manager Ivanov",
        "top 10 Kazan customers by spend this year",
        "rating B or worse spent over 1m last 12 months",
        "vip no purchases in last 90 days",
        "(Moscow or Kazan) vip not archived",
        "spent between 10k and 50k in Q3 2026",
        "employees over 100 contacted in last 2 weeks",
        "buyers of Super Drill, Angle Grinder or Safety Gloves since 2026-03-01",
        "count by manager Moscow",
        "not (buyers of power tools last month) and rating A",
    ],
    "ru": [
        "клиенты из Moscow, купившие Super Drill более чем на 40 тыс. за прошлый квартал",
        "топ 10 клиентов Kazan по выручке в этом году",
        "рейтинг B и ниже потратили более 1 млн за последние 12 месяцев",
        "vip без покупок за последние 90 дней",
        "(Moscow или Kazan) и vip",
        "не менее 3 заказов с 01.03.2026 по 31.03.2026",
        "сотрудников более 100, контактировали за последние 2 недели",
        "количество по менеджерам Moscow",
    ],
}


def _broken(language: str) -> list[str]:
    """Prefixes, gaps, doubled words and keyword typos of valid queries."""
    rnd = random.Random(18)
    out: set[str] = set()
    for q in VALID[language]:
        words = q.split()
        for i in range(1, len(words)):
            out.add(" ".join(words[:i]))  # cut short
            out.add(" ".join(words[:i] + words[i + 1 :]))  # a word left out
            out.add(" ".join(words[:i] + [words[i - 1]] + words[i:]))  # a word doubled
        for _ in range(6):  # a letter dropped from a keyword
            i = rnd.randrange(len(words))
            w = words[i]
            if len(w) > 3 and w.isalpha():
                j = rnd.randrange(1, len(w) - 1)
                out.add(" ".join(words[:i] + [w[:j] + w[j + 1 :]] + words[i + 1 :]))
        out.add(q + " )")
        out.add("( " + q)
    return sorted(out)


def _user_text(err: Any) -> str:
    """What the user reads, without the quoted parts of their own query."""
    shown = "\n".join([err.render(), str(err)])
    return re.sub(r"'[^']*'|«[^»]*»|^  .*$", "", shown, flags=re.M)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_broken_inputs_get_errors_in_the_users_words(catalog: Any, language: str) -> None:
    from query_language import QueryError
    from query_language.lexicon import load_lexicon

    lex = load_lexicon(language)
    user_words = {
        w.casefold()
        for text in [*lex.expected_words.values(), *(" ".join(k) for k in lex.phrases)]
        for w in re.findall(r"\w+", text)
    }
    inner = [t for t in TERMINALS if t.lower() not in user_words]  # rpar, dayref, vor, …
    errors = 0
    for text in _broken(language):
        try:
            _interpret(text, catalog, language)
        except QueryError as e:
            errors += 1
            shown = _user_text(e)
            assert 0 <= e.span[0] <= e.span[1] <= len(text) and "^" in e.render(), text
            for t in TERMINALS:
                assert not re.search(rf"\b{t}\b", shown), f"{text!r}: {t} in {shown!r}"
            for t in inner:
                assert not re.search(rf"\b{t.lower()}\b", shown), f"{text!r}: {t} in {shown!r}"
            if language == "ru":
                for line in [e.message, *e.expected]:
                    bare = re.sub(r"«[^»]*»|'[^']*'", "", line)
                    assert re.search("[а-я]", bare) or not re.search("[a-z]{3,}", bare), (
                        f"{text!r}: {line!r} is not Russian"
                    )
    assert errors >= 30, f"only {errors} of the broken inputs were errors"


@pytest.mark.parametrize(
    "text, language, word, suggestion",
    [
        ("spent ovr 1m", "en", "ovr", "over"),
        ("more then 5 orders", "en", "more then", "more than"),
        ("buyers of Super Drill this quater", "en", "quater", "quarter"),
        ("vip lst month", "en", "lst", "last"),
        ("Moscow custmers", "en", "custmers", "customers"),
        ("потратили бльше 1 млн", "ru", "бльше", "больше"),
        ("купившие Super Drill в прошлм квартале", "ru", "прошлм", "прошлом"),
    ],
)
def test_a_mistyped_keyword_gets_a_did_you_mean(
    catalog: Any, text: str, language: str, word: str, suggestion: str
) -> None:
    from query_language import QueryError

    with pytest.raises(QueryError) as info:
        _interpret(text, catalog, language)
    s, e = info.value.span
    assert text[s:e] == word
    assert info.value.suggestions[0] == suggestion
