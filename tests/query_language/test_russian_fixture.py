"""The Russian acceptance fixture: the English fixture's rows with every catalog value in Russian.

``build_ru_rows()`` translates ``fixture.build_rows()`` value by value (Moscow → Москва, Super Drill
→ Супер дрель, Ivanov → Иванов, Petrov → Ольга Петрова …), so every date boundary and story of
the English fixture is here too, and English and Russian queries can be compared on one
database. ``RU_ORACLE`` is the pandas oracle of ``oracle.py`` over these rows.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, insert, select

from storage import schema as s
from tests.conftest import BACKENDS, fresh_database, require_backend
from tests.query_language.fixture import TODAY, build_rows
from tests.query_language.oracle import Oracle

__all__ = ["build_ru_rows", "RU_ORACLE", "ru_db", "interpret_ru", "ids_of", "check_ru", "RuCase"]

CITY = {
    "Moscow": "Москва",
    "Kazan": "Казань",
    "Saint Petersburg": "Санкт-Петербург",
    "Samara": "Самара",
    "Berlin": "Берлин",
    "Almaty": "Алматы",
}
REGION = {
    "Central": "Центральный",
    "Volga": "Поволжье",
    "North-West": "Северо-Запад",
    "Brandenburg": "Бранденбург",
    "South": "Юг",
}
COUNTRY = {"Russia": "Россия", "Germany": "Германия", "Kazakhstan": "Казахстан"}
INDUSTRY = {
    "manufacturing": "производство",
    "retail": "розничная торговля",
    "construction": "строительство",
    "logistics": "логистика",
}
MANAGER = {
    "Ivanov": ("Иван Иванов", "Иванов"),
    "Petrov": ("Ольга Петрова", "Петрова"),
    "Sidorova": ("Анна Сидорова", "Сидорова"),
    "Smirnov": ("Олег Смирнов", "Смирнов"),
}
PRODUCT = {
    "Super Drill": "Супер дрель",
    "Super Drill Pro": "Супер дрель Про",
    "Drill Bits Set": "Свёрла по металлу",
    "Angle Grinder": "Угловая шлифмашина",
    "Safety Gloves": "Защитные перчатки",
}  # the T-light holder keeps its Latin name
CATEGORY = {"power tools": "электроинструмент", "consumables": "расходники", "home decor": "декор"}
TAG = {"vip": "vip", "partner": "партнёр", "wholesale": "опт", "newsletter": "рассылка"}
PROPERTY = {
    "employees": "Сотрудники",
    "renewal": "Продление",
    "reseller": "Реселлер",
    "channel": "Канал",
}
CHANNEL = {"referral": "рекомендация", "web": "сайт", "trade show": "выставка"}
SEGMENT = {"bits-offer": "акция-свёрла", "drill-buyers": "покупатели-дрелей"}


def build_ru_rows() -> dict[str, list[dict[str, Any]]]:
    """``build_rows()`` with every catalog value translated (ids, dates, amounts unchanged)."""
    rows = copy.deepcopy(build_rows())
    for c in rows["customers"]:
        c["city"], c["region"] = CITY[c["city"]], REGION[c["region"]]
        c["country"] = COUNTRY[c["country"]]
        c["industry"] = INDUSTRY.get(c["industry"]) if c["industry"] else None
        if c["name"] == "Romashka":
            c["name"] = "Ромашка"
    for m in rows["managers"]:
        m["name"], m["surname"] = MANAGER[m["surname"]]
    for p in rows["products"]:
        p["name"], p["category"] = PRODUCT.get(p["name"], p["name"]), CATEGORY[p["category"]]
    for t in rows["tags"]:
        t["name"] = TAG[t["name"]]
    for d in rows["property_definitions"]:
        d["label"] = PROPERTY[d["name"]]
        d["name"] = PROPERTY[d["name"]].lower()
    for v in rows["customer_properties"]:
        if v.get("text_value"):
            v["text_value"] = CHANNEL[v["text_value"]]
    for g in rows["segments"]:
        g["name"] = SEGMENT[g["name"]]
        if g["kind"] == "dynamic":
            g["query"], g["language"] = "купившие Супер дрель", "ru"
    return rows


class RuOracle(Oracle):
    """The spec's oracle over the Russian rows (its one dynamic segment is 'купившие Супер дрель')."""

    def segment(self, name: str) -> pd.Series:
        seg = self.segments.loc[name]
        if seg["kind"] == "static":
            return super().segment(name)
        assert seg["query"] == "купившие Супер дрель"
        return self.bought(product="Супер дрель") & self.live


RU_ROWS = build_ru_rows()
RU_ORACLE = RuOracle(RU_ROWS, TODAY)
RuCase = tuple[str, Callable[[Oracle], pd.Series]]


def load_ru_rows(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert ``rows`` and analyse only this schema's tables (a database-wide ANALYZE on a
    shared PostgreSQL waits for every other test's and benchmark's locks)."""
    names = []
    with engine.begin() as conn:
        for table in s.metadata.sorted_tables:
            if batch := rows.get(table.name):
                keys = {k for row in batch for k in row}
                conn.execute(insert(table), [{k: row.get(k) for k in keys} for row in batch])
                names.append(table.name)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE " + ", ".join(f'"{n}"' for n in names))
        else:
            conn.exec_driver_sql("ANALYZE")


@pytest.fixture(scope="module", params=BACKENDS)
def ru_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The Russian fixture loaded once per module, on SQLite and on PostgreSQL."""
    require_backend(request.param)
    with fresh_database(request.param, tmp_path_factory.mktemp("qlru")) as engine:
        load_ru_rows(engine, build_ru_rows())
        yield engine


_CATALOG: list[Any] = [None, None]


def interpret_ru(engine: Engine, text: str, language: str = "ru") -> Any:
    """``interpret(text)`` against the engine's catalog (cached per engine) for ``TODAY``."""
    from query_language import CatalogCache, interpret

    if _CATALOG[0] is not engine:
        _CATALOG[:] = [engine, CatalogCache(engine).get()]
    return interpret(text, _CATALOG[1], today=TODAY, language=language)


def ids_of(engine: Engine, query: Any) -> set[str]:
    """The external ids the query selects (``matching_ids``)."""
    from query_language import matching_ids

    sub = matching_ids(query).subquery()
    stmt = select(s.customers.c.external_id).where(s.customers.c.id.in_(select(sub.c[0])))
    with engine.connect() as conn:
        return set(conn.execute(stmt).scalars())


def expected_ru(expr: Callable[[Oracle], pd.Series], archived: bool = False) -> set[str]:
    mask = expr(RU_ORACLE)
    return RU_ORACLE.ids(mask if archived else mask & RU_ORACLE.live)


def check_ru(
    engine: Engine, query: str, expr: Callable[[Oracle], pd.Series], language: str = "ru"
) -> None:
    """Assert the query selects exactly the oracle's customers (archived ones only when asked)."""
    from query_language import run_query

    archived = any(w in query.lower() for w in ("архив", "archived"))
    expected = expected_ru(expr, archived)
    q = interpret_ru(engine, query, language)
    got = ids_of(engine, q)
    assert got == expected, (
        f"{query!r}: missing {sorted(expected - got)}, unexpected {sorted(got - expected)}"
    )
    with engine.connect() as conn:
        assert run_query(conn, q, offset=0, limit=None).count == len(expected), query


def test_the_russian_rows_are_a_translation() -> None:
    """Same customers, orders and amounts as the English fixture; only the words differ."""
    en, ru = build_rows(), RU_ROWS
    assert [o["amount"] for o in en["order_lines"]] == [o["amount"] for o in ru["order_lines"]]
    assert {c["city"] for c in ru["customers"]} == set(CITY.values())
    assert RU_ORACLE.ids(RU_ORACLE.city("Москва")) and RU_ORACLE.ids(RU_ORACLE.manager("Петрова"))
    assert RU_ORACLE.ids(RU_ORACLE.bought(product="Свёрла по металлу"))
