"""Russian output forms (top, groups, card), the Russian echo and errors, English twins,
language detection. Both backends, over the Russian fixture."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine

from tests.query_language.fixture import TODAY
from tests.query_language.fixture import ambiguous_db as ambiguous_db  # noqa: F401 - module fixture
from tests.query_language.oracle import Oracle, period
from tests.query_language.test_russian_cases import RU_PERIODS
from tests.query_language.test_russian_fixture import MANAGER, RU_ORACLE, ids_of, interpret_ru
from tests.query_language.test_russian_fixture import ru_db as ru_db  # noqa: F401 - module fixture

TOPS: list[tuple[str, int, str, str | None, Callable[[Oracle], pd.Series]]] = [
    (
        "топ 10 клиентов из Казани по выручке в этом году",
        10,
        "spend",
        "this year",
        lambda o: o.city("Казань"),
    ),
    ("топ 5 клиентов по заказам", 5, "orders", None, lambda o: o.all),
    (
        "топ 3 клиентов из Москвы по выручке в прошлом квартале",
        3,
        "spend",
        "last quarter",
        lambda o: o.city("Москва"),
    ),
    ("топ 10 vip по выручке", 10, "spend", None, lambda o: o.tag("vip")),
    ("топ 5 по последней покупке", 5, "last", None, lambda o: o.all),
]


@pytest.mark.parametrize("query, n, by, per, expr", TOPS, ids=[t[0] for t in TOPS])
def test_top(
    ru_db: Engine,
    query: str,
    n: int,
    by: str,
    per: str | None,  # noqa: F811
    expr: Callable[[Oracle], pd.Series],
) -> None:
    from query_language import run_query

    o = RU_ORACLE
    mask = expr(o) & o.live
    span = o.period(per) if per else None
    with ru_db.connect() as conn:
        result = run_query(conn, interpret_ru(ru_db, query), offset=0, limit=None)
    got = [r["external_id"] for r in result.rows]
    ext_to_id = {e: i for i, e in o.c["external_id"].items()}
    assert set(got) <= o.ids(mask), query
    measure = o.measure(by, span)
    assert [float(measure[ext_to_id[e]]) for e in got] == o.top_values(mask, n, by, span), query


GROUPS: list[tuple[str, str, Callable[[Oracle], pd.Series]]] = [
    ("выручка по городам", "city", lambda o: o.all),
    ("количество по менеджерам", "manager", lambda o: o.all),
    ("по рейтингу", "rating", lambda o: o.all),
    ("выручка по городам vip", "city", lambda o: o.tag("vip")),
    ("количество по менеджерам из Москвы", "manager", lambda o: o.city("Москва")),
    ("выручка по регионам рейтинг A", "region", lambda o: o.rating("A")),
]


def _key(k: Any) -> Any:
    if k in (None, "", "unrated", "—", "-", "none"):
        return None
    k = str(k).lower()
    return {name.lower(): surname.lower() for name, surname in MANAGER.values()}.get(k, k)


@pytest.mark.parametrize("query, by, expr", GROUPS, ids=[g[0] for g in GROUPS])
def test_groups(ru_db: Engine, query: str, by: str, expr: Callable[[Oracle], pd.Series]) -> None:  # noqa: F811
    from query_language import run_query

    o = RU_ORACLE
    want = {
        _key(k): (c, round(sp, 2)) for k, (c, sp) in o.groups(expr(o) & o.live, by, None).items()
    }
    with ru_db.connect() as conn:
        result = run_query(conn, interpret_ru(ru_db, query), offset=0, limit=None)
    got = {
        _key(g["key"]): (int(g["count"]), round(float(g["spend"] or 0), 2)) for g in result.groups
    }
    assert got == want, query


@pytest.mark.parametrize(
    "query", ["карточка Ромашка", "карточка Ромашки", "Ромашка", "карточку ромашки"]
)
def test_card(ru_db: Engine, query: str) -> None:  # noqa: F811
    from query_language import run_query

    with ru_db.connect() as conn:
        result = run_query(conn, interpret_ru(ru_db, query), offset=0, limit=None)
    assert [r["external_id"] for r in result.rows] == ["C0001"]


# --- errors in Russian ----------------------------------------------------------------------
ERRORS = [  # (query, the offending word, a suggestion that must be offered or None)
    ("Моськва", "Моськва", "Москва"),
    ("клиенты из Моськвы", "Моськвы", "Москва"),
    ("vip Моськва", "Моськва", "Москва"),
    ("купившие Супер дрелл", "дрелл", "Супер дрель"),
    ("менеджер Иваноф", "Иваноф", "Иванов"),
    ("город Казнь", "Казнь", "Казань"),
    ("регион Павольжье", "Павольжье", "Поволжье"),
    ("Москва потратили более", None, None),
    ("купившие Супер дрель более", None, None),
    ("купившие Супер дрель Моськва", "Моськва", "Москва"),
    ("рейтинг Q", "Q", None),
    ("(Москва или Казань", None, None),
]


@pytest.mark.parametrize("query, word, suggestion", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_in_russian_point_at_the_word(
    ru_db: Engine,
    query: str,
    word: str | None,  # noqa: F811
    suggestion: str | None,
) -> None:
    from query_language import QueryError

    with pytest.raises(QueryError) as info:
        interpret_ru(ru_db, query)
    err = info.value
    start, end = err.span
    assert 0 <= start <= end <= len(query), (query, err.span)
    assert any("а" <= ch <= "я" for ch in err.message.lower()), f"not Russian: {err.message!r}"
    assert not [x for x in err.expected if x.isascii() and " " in x], f"English: {err.expected}"
    if word:
        at = query.index(word)
        assert start <= at and end >= at + len(word), (query, err.span, err.message)
    if suggestion:
        assert suggestion in err.suggestions, err.suggestions
    assert "вы имели в виду" in str(err) or not suggestion
    assert err.render().count("^") >= 1


def test_the_misspelt_city_error_reads_in_russian(ru_db: Engine) -> None:  # noqa: F811
    from query_language import QueryError

    with pytest.raises(QueryError) as info:
        interpret_ru(ru_db, "клиенты из Моськвы")
    assert info.value.message == "не знаю «Моськвы»"
    assert info.value.suggestions[0] == "Москва"
    assert info.value.span == (11, 18)


# --- the echo in Russian ----------------------------------------------------------------------
def test_echo_of_the_worked_examples(ru_db: Engine) -> None:  # noqa: F811
    from query_language import describe

    first = describe(
        interpret_ru(
            ru_db,
            "клиенты из Москвы, купившие Супер дрель более чем на 40 тыс. "
            "за прошлый квартал, менеджер Иванов",
        )
    )
    assert first == (
        "клиенты · город = Москва · купили Супер дрель на сумму более 40 000 "
        "с 01.07.2026 по 30.09.2026 · менеджер = Иванов"
    )
    second = describe(
        interpret_ru(
            ru_db, "кто купил «Супер дрель», производство, с претензиями за последний месяц"
        )
    )
    assert second == (
        "клиенты · купили Супер дрель · отрасль = производство · "
        "претензии с 01.10.2026 по 31.10.2026"
    )
    third = describe(interpret_ru(ru_db, "топ 10 клиентов из Казани по выручке в этом году"))
    assert (
        third
        == "клиенты · город = Казань · купили что угодно с 01.01.2026 по 22.11.2026 · топ 10 по выручке"
    )


@pytest.mark.parametrize("typed, per", RU_PERIODS, ids=[p[0] for p in RU_PERIODS])
def test_echo_names_concrete_dates(ru_db: Engine, typed: str, per: str) -> None:  # noqa: F811
    from query_language import describe

    lo, hi = period(per, TODAY)
    text = describe(interpret_ru(ru_db, f"купившие Супер дрель {typed}"))
    parts = [d.strftime("%d.%m.%Y") for d in (lo, hi) if d is not None]
    assert all(p in text for p in parts) and "Супер дрель" in text, text


@pytest.mark.parametrize(
    "query, echo",
    [
        (
            "vip без покупок за последние 90 дней",
            "клиенты · тег = vip · покупали до 25.08.2026, но не покупали с 25.08.2026 по 22.11.2026",
        ),
        ("рейтинг В и ниже", "клиенты · рейтинг = B или C"),
        ("без тега vip", "клиенты · без тега vip"),
        ("последняя покупка до 01.01.2026", "клиенты · последняя покупка до 01.01.2026"),
        ("без контактов 60 дней", "клиенты · без контактов с 24.09.2026 по 22.11.2026"),
        ("на проверке", "клиенты · статус = на проверке"),
        ("в зоне риска", "клиенты · rfm = в зоне риска"),
        ("выручка по городам", "клиенты · выручка по городам"),
        ("количество по менеджерам", "клиенты · количество по менеджерам"),
        ("список vip", "клиенты · тег = vip · список"),
        (
            "не менее 3 заказов в этом году",
            "клиенты · не менее 3 заказов с 01.01.2026 по 22.11.2026",
        ),
        ("карточка Ромашки", "карточка Ромашка"),
        ("не покупали", "клиенты · ничего не покупали"),
        (
            "не покупали Супер дрель в этом году",
            "клиенты · не купили Супер дрель с 01.01.2026 по 22.11.2026",
        ),
        (
            "клиенты, купившие Супер дрель не менее 2 раз",
            "клиенты · купили Супер дрель — не менее 2 заказов",
        ),
    ],
)
def test_echo(ru_db: Engine, query: str, echo: str) -> None:  # noqa: F811
    from query_language import describe

    assert describe(interpret_ru(ru_db, query)) == echo


# --- English twins: the same question in either language gives the same customers ----------
TWINS = [
    ("city Москва", "город Москва"),
    ("Москва", "из Москвы"),
    ("region Поволжье", "регион Поволжье"),
    ("country Казахстан", "страна Казахстан"),
    ("industry строительство", "отрасль строительство"),
    ("manager Иванов", "менеджер Иванов"),
    ("buyers of Супер дрель", "купившие Супер дрель"),
    ("buyers of Супер дрель last quarter", "купившие Супер дрель в прошлом квартале"),
    (
        "buyers of Супер дрель over 40k last quarter",
        "купившие Супер дрель более 40 тыс. за прошлый квартал",
    ),
    ("buyers of электроинструмент", "купившие электроинструмент"),
    ("buyers of Супер дрель in Q3 2026", "купившие Супер дрель в III квартале 2026"),
    ("buyers of Супер дрель in March 2026", "купившие Супер дрель в марте 2026"),
    (
        "buyers of Супер дрель between 2026-01-01 and 2026-03-31",
        "купившие Супер дрель с 01.01.2026 по 31.03.2026",
    ),
    ("spent over 1.5m", "потратили более 1,5 млн"),
    ("spent between 10k and 50k this year", "потратили от 10 тыс. до 50 тыс. в этом году"),
    ("spent under 5k this year", "потратили менее 5 тыс. в этом году"),
    ("at least 3 orders", "не менее 3 заказов"),
    ("more than 5 purchases", "более 5 покупок"),
    ("no purchases in last 90 days", "без покупок за последние 90 дней"),
    ("inactive for 6 months", "не покупали 6 месяцев"),
    ("last purchase before 2026-01-01", "последняя покупка до 01.01.2026"),
    ("new this year", "новые в этом году"),
    ("created last month", "созданные в прошлом месяце"),
    ("rating B or better", "рейтинг B и выше"),
    ("unrated", "без рейтинга"),
    ("3 stars", "3 звезды"),
    ("not vip", "не vip"),
    ("without tag vip", "без тега vip"),
    ("archived", "архивные"),
    ("сотрудники over 100", "сотрудников более 100"),
    ("with complaints last month", "с претензиями в прошлом месяце"),
    ("contacted in last 2 weeks", "контактировали за последние 2 недели"),
    ("not contacted in 60 days", "без контактов 60 дней"),
    ("class AX", "класс AX"),
    ("rfm champions", "rfm чемпионы"),
    ("at risk", "в зоне риска"),
    ("not in segment акция-свёрла", "не в сегменте акция-свёрла"),
    ("Москва or Казань", "Москва или Казань"),
    (
        "Москва buyers of Супер дрель over 40k last quarter, manager Иванов",
        "клиенты из Москвы, купившие Супер дрель более чем на 40 тыс. за прошлый квартал, менеджер Иванов",
    ),
    (
        "manufacturing buyers of Супер дрель with complaints last month",
        "кто купил «Супер дрель», производство, с претензиями за последний месяц",
    ),
]


@pytest.mark.parametrize("english, russian", TWINS, ids=[t[1] for t in TWINS])
def test_english_and_russian_twins_agree(ru_db: Engine, english: str, russian: str) -> None:  # noqa: F811
    english = english.replace("manufacturing", "производство")
    en_ids = ids_of(ru_db, interpret_ru(ru_db, english, "en"))
    ru_ids = ids_of(ru_db, interpret_ru(ru_db, russian, "ru"))
    assert en_ids == ru_ids, f"{english!r} vs {russian!r}: {sorted(en_ids ^ ru_ids)}"


def test_the_twins_are_not_trivial(ru_db: Engine) -> None:  # noqa: F811
    sizes = [len(ids_of(ru_db, interpret_ru(ru_db, ru))) for _en, ru in TWINS]
    assert sum(1 for n in sizes if n) >= len(TWINS) - 3 and len(set(sizes)) > 10


def test_top_twins_rank_the_same(ru_db: Engine) -> None:  # noqa: F811
    from query_language import run_query

    with ru_db.connect() as conn:
        en = run_query(
            conn,
            interpret_ru(ru_db, "top 10 Казань customers by spend this year", "en"),
            limit=None,
        )
        ru = run_query(
            conn,
            interpret_ru(ru_db, "топ 10 клиентов из Казани по выручке в этом году"),
            limit=None,
        )
    assert [r["spend"] for r in en.rows] == [r["spend"] for r in ru.rows] and len(ru.rows) == 10


# --- which language a message is in -----------------------------------------------------------
@pytest.mark.parametrize(
    "text, lang",
    [
        ("купившие Super Drill в прошлом квартале", "ru"),
        ("клиенты из Москвы", "ru"),
        ("Москва", "ru"),
        ("«Супер дрель»", "ru"),
        ('"Super Drill"', "en"),
        ("buyers of Супер дрель last quarter", "en"),
        ("vip", "en"),
        ("top 10 Казань customers by spend", "en"),
        ('кто купил "Super Drill"', "ru"),
        ("Moscow buyers of Super Drill", "en"),
        ("карточка Ромашка", "ru"),
        ("SD-100 купили", "ru"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    from query_language import detect_language

    assert detect_language(text) == lang


def test_detected_language_reads_the_query(ru_db: Engine) -> None:  # noqa: F811
    from query_language import detect_language

    for text in ("купившие Супер дрель в прошлом квартале", "buyers of Супер дрель last quarter"):
        q = interpret_ru(ru_db, text, detect_language(text))
        assert ids_of(ru_db, q) == RU_ORACLE.ids(
            RU_ORACLE.bought(RU_ORACLE.period("last quarter"), "Супер дрель") & RU_ORACLE.live
        )


def test_an_ambiguous_value_asks_in_russian(ambiguous_db: Engine) -> None:  # noqa: F811
    from query_language import CatalogCache, QueryError, interpret

    catalog = CatalogCache(ambiguous_db, languages=("ru",)).get()
    assert "ru" in catalog._indexes  # built at load, not by the first question
    with pytest.raises(QueryError) as info:
        interpret("клиенты Moscow", catalog, today=TODAY, language="ru")
    err = info.value
    assert err.message == "«Moscow» может означать: город Moscow или регион Moscow; что именно?"
    got = {
        label: ids_of(ambiguous_db, interpret(q, catalog, today=TODAY, language="ru"))
        for label, q in err.choices
    }
    assert got == {"город Moscow": {"A1", "A3"}, "регион Moscow": {"A2", "A3"}}


def test_random_russian_input_raises_only_query_errors(ru_db: Engine) -> None:  # noqa: F811
    """Shuffled Russian keywords, values, numbers and punctuation: an answer or a QueryError."""
    import random

    from query_language import QueryError
    from query_language.lexicon import ru

    pool = list(ru.PHRASES) + [
        "Москвы",
        "Супер дрелью",
        "Иванова",
        "vip",
        "40 тыс.",
        "1,5 млн",
        "3",
        "2026",
        "01.03.2026",
        ",",
        "(",
        ")",
        "«",
        "»",
        "Моськва",
        "ё",
        "-",
    ]
    rnd = random.Random(11)
    answered = 0
    for _ in range(400):
        text = " ".join(rnd.choice(pool) for _ in range(rnd.randint(1, 7)))
        try:
            interpret_ru(ru_db, text)
            answered += 1
        except QueryError as e:
            assert e.message and 0 <= e.span[0] <= e.span[1] <= len(text), text
    assert answered > 20
