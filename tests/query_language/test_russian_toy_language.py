"""A language is data: a toy third language, registered from a dict built here, answers queries.

Nothing in query_language changes for it: the phrases map onto the grammar's terminals, the
echo words and error wording come from the same dict, and ``LANGUAGES`` follows the registry.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.query_language.test_russian_fixture import RU_ORACLE, ids_of, interpret_ru
from tests.query_language.test_russian_fixture import ru_db as ru_db  # noqa: F401 - module fixture

# "Toki": every keyword is one made-up word; a trailing "-a" is its plural (the lemmatiser hook).
TOKI = {
    "PHRASES": {
        "kupa": ("BOUGHT", None),
        "grado": ("FIELD", "city"),
        "mana": ("FIELD", "manager"),
        "pli": ("GT", None),
        "mini": ("LT", None),
        "ne": ("NOT", None),
        "kaj": ("AND", None),
        "au": ("OR", None),
        "el": ("FROM", None),
        "lasta": ("LAST", None),
        "ci": ("THIS", None),
        "kvarto": ("UNIT", "quarter"),
        "jaro": ("UNIT", "year"),
        "monato": ("UNIT", "month"),
        "mil": ("MULT", 1000),
        "kiom": ("COUNT", None),
        "supro": ("TOP", None),
        "po": ("BY", None),
        "elspezo": ("SPEND", None),
        "plendo": ("INTERACTION", "complaint"),
    },
    "FILLERS": ["klientoj", "kiuj"],
    "FIELD_WORDS": {"city": "grado", "manager": "mana"},
    "normalise_word": lambda w: w.casefold().removesuffix("j") if w.isascii() else w.casefold(),
    "DESCRIBE": {"customers": "klientoj", "bought": "aĉetis", "for": "por", "in": "en"},
    "MESSAGES": [(r"^I don't know '(?P<w>.*)'$", "mi ne konas «{w}»")],
}


@pytest.fixture
def toki() -> Iterator[str]:
    from query_language.lexicon import register_lexicon, unregister_lexicon

    register_lexicon("toki", TOKI)
    try:
        yield "toki"
    finally:
        unregister_lexicon("toki")


@pytest.mark.parametrize(
    "toki_query, expr",
    [
        (
            "klientoj el Москва kupa Супер дрель lasta kvarto",
            lambda o: o.city("Москва") & o.bought(o.period("last quarter"), "Супер дрель"),
        ),
        (
            "kupaj Супер дрель pli 40 mil lasta kvarto, mana Иванов",
            lambda o: (
                o.manager("Иванов")
                & o.bought(o.period("last quarter"), "Супер дрель")
                & (o.spend(o.period("last quarter"), "Супер дрель") > 40000)
            ),
        ),
        ("grado Казань au grado Самара", lambda o: o.city("Казань") | o.city("Самара")),
        (
            "ne Москва kaj plendo lasta monato",
            lambda o: ~o.city("Москва") & o.interacted(o.period("last month"), "complaint"),
        ),
    ],
)
def test_a_toy_language_answers_queries(ru_db: Engine, toki: str, toki_query: str, expr) -> None:  # noqa: F811, ANN001
    from query_language import LANGUAGES

    assert toki in LANGUAGES
    got = ids_of(ru_db, interpret_ru(ru_db, toki_query, toki))
    assert got == RU_ORACLE.ids(expr(RU_ORACLE) & RU_ORACLE.live) and got


def test_the_toy_language_echoes_and_errs_in_its_own_words(ru_db: Engine, toki: str) -> None:  # noqa: F811
    from query_language import QueryError, describe

    q = interpret_ru(ru_db, "kupa Супер дрель pli 40 mil ci jaro", toki)
    assert describe(q) == "klientoj · aĉetis Супер дрель por over 40 000 en 2026-01-01..2026-11-22"
    with pytest.raises(QueryError) as info:
        interpret_ru(ru_db, "grado Моськва", toki)
    assert info.value.message == "mi ne konas «Моськва»" and "Москва" in info.value.suggestions


def test_an_unregistered_language_is_refused(ru_db: Engine) -> None:  # noqa: F811
    from query_language import LANGUAGES, QueryError

    assert "toki" not in LANGUAGES and {"en", "ru"} <= set(LANGUAGES)
    with pytest.raises(QueryError):
        interpret_ru(ru_db, "kupa Супер дрель", "toki")
