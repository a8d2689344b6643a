"""Russian acceptance cases: every row of query-language-ru.md against the pandas oracle.

Each case is ``(query, oracle expression)`` over the Russian fixture; the oracle knows nothing
of the compiler (periods are the English phrases of ``oracle.period``). Both backends.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine

from tests.query_language.oracle import Oracle
from tests.query_language.test_russian_fixture import RuCase, check_ru
from tests.query_language.test_russian_fixture import ru_db as ru_db  # noqa: F401 - module fixture

__all__ = ["RU_CASES", "RU_PERIODS"]

SD, PRO, BITS = "Супер дрель", "Супер дрель Про", "Свёрла по металлу"


def _sp(
    per: str | None = None, product: str | None = None, category: str | None = None
) -> Callable[[Oracle], pd.Series]:
    return lambda o: o.spend(o.period(per) if per else None, product, category)


def _bought_over(
    per: str | None, product: str, op: Callable[[pd.Series], pd.Series]
) -> Callable[[Oracle], pd.Series]:
    return lambda o: o.bought(o.period(per) if per else None, product) & op(_sp(per, product)(o))


def _last_before(o: Oracle, day: str) -> pd.Series:
    return o.last_order().map(lambda d: isinstance(d, date) and d.isoformat() < day)


PLACES: list[RuCase] = [
    ("из Москвы", lambda o: o.city("Москва")),
    ("в Москве", lambda o: o.city("Москва")),
    ("город Москва", lambda o: o.city("Москва")),
    ("клиенты из Москвы", lambda o: o.city("Москва")),
    ("Москва", lambda o: o.city("Москва")),
    ("москвы", lambda o: o.city("Москва")),
    ("КЛИЕНТЫ МОСКВЫ", lambda o: o.city("Москва")),
    ("Санкт-Петербург", lambda o: o.city("Санкт-Петербург")),
    ("из Санкт-Петербурга", lambda o: o.city("Санкт-Петербург")),
    ("в Казани", lambda o: o.city("Казань")),
    ("регион Поволжье", lambda o: o.region("Поволжье")),
    ("из Поволжья", lambda o: o.region("Поволжье")),
    ("в регионе Центральный", lambda o: o.region("Центральный")),
    ("страна Казахстан", lambda o: o.country("Казахстан")),
    ("покупатели из Казахстана", lambda o: o.country("Казахстан")),
    ("компании из России", lambda o: o.country("Россия")),
    ("отрасль производство", lambda o: o.industry("производство")),
    ("производство", lambda o: o.industry("производство")),
    ("отрасль строительство", lambda o: o.industry("строительство")),
    ("из отрасли логистика", lambda o: o.industry("логистика")),
    ("розничная торговля", lambda o: o.industry("розничная торговля")),
    ("менеджер Иванов", lambda o: o.manager("Иванов")),
    ("у которых менеджер Иванов", lambda o: o.manager("Иванов")),
    ("менеджером является Иванов", lambda o: o.manager("Иванов")),
    ("клиенты Иванова", lambda o: o.manager("Иванов")),
    ("менеджер Ольга Петрова", lambda o: o.manager("Петрова")),
    ("клиенты Петровой", lambda o: o.manager("Петрова")),
    ("клиенты Смирнова", lambda o: o.manager("Смирнов")),
]

PURCHASES: list[RuCase] = [
    ("купившие Супер дрель", lambda o: o.bought(product=SD)),
    ("купили Супер дрель", lambda o: o.bought(product=SD)),
    ("покупатели Супер дрели", lambda o: o.bought(product=SD)),
    ("кто купил Супер дрель", lambda o: o.bought(product=SD)),
    ("покупали Супер дрель", lambda o: o.bought(product=SD)),
    ("товар Супер дрель", lambda o: o.bought(product=SD)),
    ("купившие «Супер дрель»", lambda o: o.bought(product=SD)),
    ('купили "Супер дрель"', lambda o: o.bought(product=SD)),
    ("купившие Супер дрелью", lambda o: o.bought(product=SD)),
    ("купившие Супер дрель Про", lambda o: o.bought(product=PRO)),
    ("купившие Свёрла по металлу", lambda o: o.bought(product=BITS)),
    ("купившие сверла по металлу", lambda o: o.bought(product=BITS)),
    ("купили SD-200", lambda o: o.bought(product="SD-200")),
    (
        "купившие WHITE HANGING HEART T-LIGHT HOLDER",
        lambda o: o.bought(product="WHITE HANGING HEART T-LIGHT HOLDER"),
    ),
    ("купившие электроинструмент", lambda o: o.bought(category="электроинструмент")),
    ("покупатели расходников", lambda o: o.bought(category="расходники")),
    ("купившие Супер дрель в прошлом месяце", lambda o: o.bought(o.period("last month"), SD)),
    ("купившие Супер дрель в этом году", lambda o: o.bought(o.period("this year"), SD)),
    ("купившие Супер дрель в 3 квартале 2026", lambda o: o.bought(o.period("q3 2026"), SD)),
    ("купившие Супер дрель в 3-м квартале 2026", lambda o: o.bought(o.period("q3 2026"), SD)),
    (
        "купившие Угловая шлифмашина с 01.03.2026",
        lambda o: o.bought(o.period("since 2026-03-01"), "Угловая шлифмашина"),
    ),
    ("купившие Супер дрель более 40 тыс.", _bought_over(None, SD, lambda s: s > 40000)),
    (
        "купившие Супер дрель более чем на 40 тыс. за прошлый квартал",
        _bought_over("last quarter", SD, lambda s: s > 40000),
    ),
    (
        "купившие Супер дрель не менее 40000 в прошлом квартале",
        _bought_over("last quarter", SD, lambda s: s >= 40000),
    ),
    ("купившие Супер дрель менее 20 тыс.", _bought_over(None, SD, lambda s: s < 20000)),
    ("купившие Супер дрель до 20 тыс.", _bought_over(None, SD, lambda s: s <= 20000)),
    ("купившие Супер дрель больше 40000 рублей", _bought_over(None, SD, lambda s: s > 40000)),
    (
        "купившие Супер дрель Про от 100 тыс. до 1 млн",
        _bought_over(None, PRO, lambda s: s.between(100000, 1000000)),
    ),
    (
        "купившие электроинструмент свыше 100к в этом году",
        lambda o: (
            o.bought(o.period("this year"), category="электроинструмент")
            & (_sp("this year", category="электроинструмент")(o) > 100000)
        ),
    ),
]

SPEND: list[RuCase] = [
    ("потратили более 40 тыс.", lambda o: _sp()(o) > 40000),
    ("потратившие больше 40 000 руб.", lambda o: _sp()(o) > 40000),
    ("выручка более 40000 ₽", lambda o: _sp()(o) > 40000),
    ("с выручкой свыше 40к", lambda o: _sp()(o) > 40000),
    ("потратили более 40 тысяч рублей", lambda o: _sp()(o) > 40000),
    ("потратили более 1,5 млн", lambda o: _sp()(o) > 1500000),
    ("потратили более 1.5 миллиона", lambda o: _sp()(o) > 1500000),
    (
        "потратили не менее 1 млн за последние 12 месяцев",
        lambda o: _sp("last 12 months")(o) >= 1000000,
    ),
    ("потратили менее 5 тыс. в этом году", lambda o: _sp("this year")(o) < 5000),
    ("потратили меньше 5000 в этом году", lambda o: _sp("this year")(o) < 5000),
    ("потратили не более 20 тыс. в этом году", lambda o: _sp("this year")(o) <= 20000),
    (
        "потратили от 10 тыс. до 50 тыс. в этом году",
        lambda o: _sp("this year")(o).between(10000, 50000),
    ),
    ("выручка более 40 тысяч в прошлом году", lambda o: _sp("last year")(o) > 40000),
    ("потратили более 40 тыс. в 2025 году", lambda o: _sp("2025")(o) > 40000),
    ("потратили от 40000", lambda o: _sp()(o) >= 40000),
    ("не менее 3 заказов", lambda o: o.orders_count() >= 3),
    ("более 5 покупок", lambda o: o.orders_count() > 5),
    ("не менее 2 заказов в этом году", lambda o: o.orders_count(o.period("this year")) >= 2),
    ("не более 1 заказа в этом году", lambda o: o.orders_count(o.period("this year")) <= 1),
    ("менее 2 заказов в этом году", lambda o: o.orders_count(o.period("this year")) < 2),
    ("без покупок за последние 90 дней", lambda o: o.lapsed(o.period("last 90 days"))),
    ("не покупали 6 месяцев", lambda o: o.lapsed(o.period("last 6 months"))),
    ("без покупок за последние 30 дней", lambda o: o.lapsed(o.period("last 30 days"))),
    ("последняя покупка до 01.01.2026", lambda o: _last_before(o, "2026-01-01")),
    ("последняя покупка до 01.07.2026", lambda o: _last_before(o, "2026-07-01")),
    ("новые в этом году", lambda o: o.created(o.period("this year"))),
    ("созданные в прошлом месяце", lambda o: o.created(o.period("last month"))),
    ("созданные в 2025 году", lambda o: o.created(o.period("2025"))),
    ("новые с 01.03.2026", lambda o: o.created(o.period("since 2026-03-01"))),
]

ATTRIBUTES: list[RuCase] = [
    ("рейтинг A", lambda o: o.rating("A")),
    ("рейтинг А", lambda o: o.rating("A")),  # Cyrillic А
    ("с рейтингом B", lambda o: o.rating("B")),
    ("с рейтингом В", lambda o: o.rating("B")),  # Cyrillic В
    ("рейтинг С", lambda o: o.rating("C")),  # Cyrillic С
    ("рейтинг B и выше", lambda o: o.rating("A", "B")),
    ("рейтинг В и ниже", lambda o: o.rating("B", "C")),
    ("без рейтинга", lambda o: o.rating(None)),
    ("3 звезды", lambda o: o.rating("A")),
    ("vip", lambda o: o.tag("vip")),
    ("с тегом vip", lambda o: o.tag("vip")),
    ("не vip", lambda o: ~o.tag("vip")),
    ("без тега vip", lambda o: ~o.tag("vip")),
    ("тег партнёр", lambda o: o.tag("партнёр")),
    ("с тегом партнер", lambda o: o.tag("партнёр")),
    ("активные", lambda o: o.status("active")),
    ("на проверке", lambda o: o.status("check")),
    ("архивные", lambda o: o.status("archived")),
    ("сотрудников более 100", lambda o: o.prop("сотрудники") > 100),
    ("сотрудники не менее 100", lambda o: o.prop("сотрудники") >= 100),
    ("с претензиями в прошлом месяце", lambda o: o.interacted(o.period("last month"), "complaint")),
    (
        "обращались с претензиями за последний месяц",
        lambda o: o.interacted(o.period("last month"), "complaint"),
    ),
    ("контактировали за последние 2 недели", lambda o: o.interacted(o.period("last 2 weeks"))),
    ("без контактов 60 дней", lambda o: ~o.interacted(o.period("last 60 days"))),
    ("abc A", lambda o: o.klass("abc", "A")),
    ("xyz Z", lambda o: o.klass("xyz", "Z")),
    ("класс AX", lambda o: o.klass("abc", "A") & o.klass("xyz", "X")),
    ("rfm чемпионы", lambda o: o.klass("rfm_segment", "champions")),
    ("в зоне риска", lambda o: o.klass("rfm_segment", "at risk")),
    ("в сегменте акция-свёрла", lambda o: o.segment("акция-свёрла")),
    ("сегмент акция-свёрла", lambda o: o.segment("акция-свёрла")),
    ("не в сегменте акция-свёрла", lambda o: ~o.segment("акция-свёрла")),
    ("в сегменте покупатели-дрелей", lambda o: o.segment("покупатели-дрелей")),
    ("Москва и vip", lambda o: o.city("Москва") & o.tag("vip")),
    ("Москва или Казань", lambda o: o.city("Москва") | o.city("Казань")),
    ("не Москва", lambda o: ~o.city("Москва")),
    ("(Москва или Казань) и vip", lambda o: (o.city("Москва") | o.city("Казань")) & o.tag("vip")),
    ("Москва, vip, не партнёр", lambda o: o.city("Москва") & o.tag("vip") & ~o.tag("партнёр")),
    ("сколько клиентов из Москвы", lambda o: o.city("Москва")),
    ("количество vip", lambda o: o.tag("vip")),
    ("список клиентов из Казани", lambda o: o.city("Казань")),
    ("покажи vip из Москвы", lambda o: o.tag("vip") & o.city("Москва")),
]

# (Russian period, the oracle's English phrase): "купили что-нибудь" in that period.
RU_PERIODS: list[tuple[str, str]] = [
    ("сегодня", "today"),
    ("вчера", "yesterday"),
    ("на этой неделе", "this week"),
    ("на прошлой неделе", "last week"),
    ("в этом месяце", "this month"),
    ("в прошлом месяце", "last month"),
    ("за прошлый месяц", "last month"),
    ("за последний месяц", "last month"),
    ("в этом квартале", "this quarter"),
    ("в прошлом квартале", "last quarter"),
    ("за прошлый квартал", "last quarter"),
    ("в этом году", "this year"),
    ("в прошлом году", "last year"),
    ("с начала года", "ytd"),
    ("за последние 30 дней", "last 30 days"),
    ("за последние 2 недели", "last 2 weeks"),
    ("за последние 6 месяцев", "last 6 months"),
    ("в 2025 году", "2025"),
    ("в марте 2026", "march 2026"),
    ("в 3 квартале 2026", "q3 2026"),
    ("в III квартале 2026", "q3 2026"),
    ("с 01.03.2026", "since 2026-03-01"),
    ("до 01.03.2026", "before 2026-03-01"),
    ("после 01.03.2026", "after 2026-03-01"),
    ("с 01.01.2026 по 31.03.2026", "between 2026-01-01 and 2026-03-31"),
]


def _bought_in(per: str) -> Callable[[Oracle], pd.Series]:
    return lambda o: o.bought(o.period(per))


PERIOD_CASES: list[RuCase] = [(typed, _bought_in(per)) for typed, per in RU_PERIODS]

WORKED: list[RuCase] = [
    (
        "клиенты из Москвы, купившие Супер дрель более чем на 40 тыс. за прошлый квартал, менеджер Иванов",
        lambda o: (
            o.city("Москва")
            & o.manager("Иванов")
            & _bought_over("last quarter", SD, lambda s: s > 40000)(o)
        ),
    ),
    (
        "кто купил «Супер дрель», производство, с претензиями за последний месяц",
        lambda o: (
            o.bought(product=SD)
            & o.industry("производство")
            & o.interacted(o.period("last month"), "complaint")
        ),
    ),
    (
        "топ 10 клиентов из Казани по выручке в этом году",
        lambda o: o.city("Казань") & o.bought(o.period("this year")),
    ),
]

NATURAL: list[RuCase] = [  # the way the 1C Rarus article phrases it, commas and all
    (
        "клиенты из Москвы, которые за прошлый квартал купили товар «Супер дрель» более чем на 40 тыс. "
        "рублей, у которых менеджером является Иванов",
        WORKED[0][1],
    ),
    (
        "клиенты из Москвы, которые за указанный период купили товар «Супер дрель» более чем на 40 тыс. "
        "рублей, у которых менеджером является Иванов",
        lambda o: (
            o.city("Москва") & o.manager("Иванов") & _bought_over(None, SD, lambda s: s > 40000)(o)
        ),
    ),
    (
        "клиенты, купившие Супер дрель не менее 2 раз",
        lambda o: o.bought(product=SD) & (o.orders_count(product=SD) >= 2),
    ),
    ("клиенты, созданные в прошлом месяце", lambda o: o.created(o.period("last month"))),
    (
        "сколько клиентов в Москве купили Супер дрель в прошлом месяце",
        lambda o: o.city("Москва") & o.bought(o.period("last month"), SD),
    ),
    ("покажи клиентов Иванова с рейтингом А", lambda o: o.manager("Иванов") & o.rating("A")),
    (
        "активные клиенты из Санкт-Петербурга с рейтингом В и выше",
        lambda o: o.status("active") & o.city("Санкт-Петербург") & o.rating("A", "B"),
    ),
    (
        "Москва, производство, более 2 заказов в этом году",
        lambda o: (
            o.city("Москва")
            & o.industry("производство")
            & (o.orders_count(o.period("this year")) > 2)
        ),
    ),
    (
        "клиенты с тегом vip, которые не покупали 3 месяца",
        lambda o: o.tag("vip") & o.lapsed(o.period("last 3 months")),
    ),
    ("не покупали Супер дрель в этом году", lambda o: ~o.bought(o.period("this year"), SD)),
    ("не купившие Супер дрель", lambda o: ~o.bought(product=SD)),
    ("не покупали за последние 90 дней", lambda o: o.lapsed(o.period("last 90 days"))),
    ("за последние 90 дней без покупок", lambda o: o.lapsed(o.period("last 90 days"))),
    ("(Москва, или Казань,) и vip", lambda o: (o.city("Москва") | o.city("Казань")) & o.tag("vip")),
]

LOYALTY: list[RuCase] = [
    ("уровень золотой", lambda o: o.tier("gold")),
    ("уровень gold", lambda o: o.tier("gold")),
    ("с уровнем серебряным или золотым", lambda o: o.tier("silver", "gold")),
    ("Москва, уровень золотой", lambda o: o.city("Москва") & o.tier("gold")),
    ("баллов более 500", lambda o: o.points() > 500),
    ("более 500 баллов", lambda o: o.points() > 500),
    ("баллы меньше 10", lambda o: o.points() < 10),
    ("повышены в этом месяце", lambda o: o.moved("promoted", o.period("this month"))),
    ("уровень повышен в этом месяце", lambda o: o.moved("promoted", o.period("this month"))),
    ("понижены в прошлом месяце", lambda o: o.moved("demoted", o.period("last month"))),
]

RU_CASES = PLACES + PURCHASES + SPEND + ATTRIBUTES + PERIOD_CASES + WORKED + NATURAL + LOYALTY


def test_there_are_enough_cases() -> None:
    assert len(RU_CASES) >= 100


@pytest.mark.parametrize("query, expr", RU_CASES, ids=[c[0] for c in RU_CASES])
def test_russian_case(ru_db: Engine, query: str, expr: Callable[[Oracle], pd.Series]) -> None:  # noqa: F811
    check_ru(ru_db, query, expr)


def test_the_worked_examples_are_not_empty() -> None:
    from tests.query_language.test_russian_fixture import expected_ru

    for _query, expr in WORKED[:2]:
        assert expected_ru(expr)
