"""The catalog that scales: customer names looked up in SQL, a signature blind to ratings.

Runs on SQLite and PostgreSQL: the mini database plus customers whose names contain keywords,
catalog values, Russian words and a crowded prefix.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, update

from query_language import CatalogCache, QueryError, interpret
from query_language.catalog import load_catalog, read_values
from query_language.customer_names import PER_PREFIX, CustomerNames, name_variants
from query_language.lexicon import load_lexicon
from storage import schema as s
from tests.conftest import BACKENDS, fresh_database
from tests.query_language.conftest import TODAY, load_mini

NAMES = [
    "Romashka LLC",
    "Top Tools",
    "Moscow Trading",
    "Ромашка",
    "ООО Ромашка Плюс",
    "Super Drill Shop",
    "McDonald Farms",
    "Moscow",
]
CROWD = 2 * PER_PREFIX + 20  # "ООО Лютик 1" … more names than one prefix reads


@pytest.fixture(scope="module", params=BACKENDS)
def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    tmp: Path = tmp_path_factory.mktemp("catalog")
    with fresh_database(request.param, tmp) as engine:
        load_mini(engine)
        rows = [
            {"id": 100 + i, "external_id": f"N{i}", "name": n, "city": "Kazan", "created_at": TODAY}
            for i, n in enumerate(NAMES)
        ]
        rows += [
            {
                "id": 1000 + i,
                "external_id": f"L{i}",
                "name": f"ООО Лютик {i}",
                "city": None,
                "created_at": TODAY,
            }
            for i in range(CROWD)
        ]
        with engine.begin() as conn:
            conn.execute(insert(s.customers), rows)
        yield engine


def _id(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(s.customers.c.id).where(s.customers.c.name == name)).scalar_one()
        )


def _card(text: str, catalog, language: str = "en") -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    q = interpret(text, catalog, today=TODAY, language=language)
    assert type(q.output).__name__ == "Card", (text, q.output)
    return q.output.ids  # type: ignore[no-any-return, union-attr]


@pytest.mark.parametrize(
    ("text", "language", "name"),
    [
        ("card Romashka LLC", "en", "Romashka LLC"),
        ("Romashka LLC", "en", "Romashka LLC"),
        ("romashka llc", "en", "Romashka LLC"),
        ("card ROMASHKA LLC", "en", "Romashka LLC"),
        ("card Top Tools", "en", "Top Tools"),
        ("Top Tools", "en", "Top Tools"),
        ("card Moscow Trading", "en", "Moscow Trading"),
        ("Super Drill Shop", "en", "Super Drill Shop"),
        ("card McDonald farms", "en", "McDonald Farms"),
        ('card "Romashka LLC"', "en", "Romashka LLC"),
        ("карточка Ромашка", "ru", "Ромашка"),
        ("карточка Ромашки", "ru", "Ромашка"),
        ("Ромашка", "ru", "Ромашка"),
        ("карточка ООО Ромашки Плюс", "ru", "ООО Ромашка Плюс"),
        ("ооо ромашка плюс", "ru", "ООО Ромашка Плюс"),
        (f"карточка ООО Лютик {CROWD - 1}", "ru", f"ООО Лютик {CROWD - 1}"),
        ("card Romashka", "en", "Romashka"),
    ],
)
def test_names_resolve_from_sql(db: Engine, text: str, language: str, name: str) -> None:
    catalog = CatalogCache(db).get()
    assert _card(text, catalog, language) == (_id(db, name),)


def test_names_are_not_in_memory(db: Engine) -> None:
    catalog = load_catalog(db)
    assert "customer" not in catalog.values
    for language in ("en", "ru"):
        assert all(e.kind != "customer" for _k, e in catalog.index(language).choices)


def test_customer_condition_reads_a_name(db: Engine) -> None:
    where = interpret("customer Romashka LLC", CatalogCache(db).get(), today=TODAY).where
    assert type(where).__name__ == "CustomerIs" and where.ids == (_id(db, "Romashka LLC"),)  # type: ignore[attr-defined]


def test_misspelt_name_suggests_names(db: Engine) -> None:
    catalog = CatalogCache(db).get()
    with pytest.raises(QueryError) as e:
        interpret("card Romashkka LLC", catalog, today=TODAY)
    assert "Romashka LLC" in e.value.suggestions
    with pytest.raises(QueryError) as e:
        interpret("карточка Ромашко Плюс", catalog, today=TODAY, language="ru")
    assert "ООО Ромашка Плюс" in e.value.suggestions or "Ромашка" in e.value.suggestions


def test_a_name_that_is_also_a_city_is_asked_about(db: Engine) -> None:
    catalog = CatalogCache(db).get()
    with pytest.raises(QueryError) as e:
        interpret("Moscow", catalog, today=TODAY)
    assert len(e.value.choices) == 2
    assert _card("card Moscow", catalog) == (_id(db, "Moscow"),)
    where = interpret("Moscow buyers of Super Drill", catalog, today=TODAY).where
    assert "city" in repr(where) and "CustomerIs" not in repr(where)


def test_crowded_prefix_reads_a_bounded_number_of_names(db: Engine) -> None:
    names = CustomerNames(db)
    lex = load_lexicon("ru")
    assert len(names._fetch(set(), {"ООО Лютик"})) == PER_PREFIX
    assert [e.label for e in names.named(f"ооо лютик {CROWD - 3}", lex)] == [
        f"ООО Лютик {CROWD - 3}"
    ]


def test_name_variants() -> None:
    assert {"romashka llc", "Romashka llc", "Romashka Llc", "ROMASHKA LLC"} <= name_variants(
        " romashka  llc "
    )
    assert name_variants("") == set()


def test_distinct_values_match_a_full_scan(db: Engine) -> None:
    with db.connect() as conn:
        got = dict(read_values(conn))
        for col in ("city", "region", "country", "industry"):
            c = s.customers.c[col]
            want = set(conn.execute(select(c).where(c.is_not(None)).distinct()).scalars())
            assert set(got[col]) == want and len(got[col]) == len(want)


def test_signature_ignores_ratings_status_tags_and_updated_at(db: Engine) -> None:
    cache = CatalogCache(db, check_every=0.0)
    first = cache.get()
    c = s.customers.c
    with db.begin() as conn:
        conn.execute(
            update(s.customers)
            .where(c.id.in_([1, 2]))
            .values(rating="C", status="check", updated_at=datetime(2026, 11, 22, 12))
        )
        conn.execute(insert(s.customer_tags), [{"customer_id": 3, "tag_id": 1}])
    assert cache.get() is first


def test_value_changes_rebuild_the_catalog(db: Engine) -> None:
    cache = CatalogCache(db, check_every=0.0)
    first = cache.get()
    with db.begin() as conn:  # as another process would: straight to the database
        conn.execute(
            insert(s.customers),
            [
                {
                    "id": 90000,
                    "external_id": "Z1",
                    "name": "Zeta Works",
                    "city": "Kazan",
                    "created_at": date(2026, 1, 1),
                }
            ],
        )
    assert cache.get() is first  # a new customer's name needs no rebuild …
    # … but a new city does, at the next check (here immediately)
    with db.begin() as conn:
        conn.execute(
            update(s.customers).where(s.customers.c.id == 90000).values(city="Yaroslavl-2")
        )
    second = cache.get()
    assert second is not first
    q = interpret("city Yaroslavl-2", second, today=TODAY)
    assert "Yaroslavl-2" in repr(q.where)
    assert _card("card Zeta Works", second) == (90000,)
    with db.begin() as conn:
        conn.execute(update(s.managers).where(s.managers.c.id == 2).values(surname="Sidorov"))
    third = cache.get()
    assert (
        third is not second and interpret("manager Sidorov", third, today=TODAY).where is not None
    )
    with db.begin() as conn:
        conn.execute(s.customers.delete().where(s.customers.c.id == 90000))
        conn.execute(update(s.managers).where(s.managers.c.id == 2).values(surname="Petrov"))
