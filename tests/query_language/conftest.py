"""A small hand-made database for the stage tests: five customers whose answers are known.

``mini_db`` is loaded once per module on SQLite and on PostgreSQL; ``mini_catalog`` is the
catalog read from it; ``ids(engine, query)`` runs a query's ``matching_ids``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from storage import schema as s
from tests.conftest import BACKENDS, fresh_database

TODAY = date(2026, 11, 22)
D = date.fromisoformat


def mini_rows() -> dict[str, list[dict]]:
    cust = [
        (
            1,
            "Romashka",
            "Moscow",
            "Central",
            "Russia",
            "manufacturing",
            1,
            "active",
            "A",
            "2026-02-01",
        ),
        (2, "Vasilek", "Moscow", "Central", "Russia", "retail", 2, "active", "B", "2025-05-01"),
        (3, "Lotos", "Kazan", "Volga", "Russia", "retail", 1, "check", None, "2026-11-01"),
        (4, "Oldie", "Moscow", "Central", "Russia", "retail", 1, "archived", "C", "2024-01-01"),
        (
            5,
            "Berlin Haus",
            "Berlin",
            "Brandenburg",
            "Germany",
            "logistics",
            2,
            "active",
            "C",
            "2023-01-01",
        ),
    ]
    orders = [
        (1, 1, "2026-09-30", [(1, 4, 40000)]),
        (2, 1, "2026-07-15", [(1, 1, 10000), (3, 2, 3000)]),
        (3, 2, "2026-08-01", [(2, 2, 50000)]),
        (4, 2, "2026-09-01", [(2, -1, -25000)]),
        (5, 3, "2026-10-15", [(1, 1, 10000)]),
        (6, 4, "2026-08-01", [(1, 6, 60000)]),
        (7, 5, "2025-06-01", [(3, 1, 1500)]),
    ]
    lines = [
        {
            "id": 10 * oid + i,
            "order_id": oid,
            "line_no": i,
            "product_id": p,
            "quantity": q,
            "amount": amt,
        }
        for oid, _c, _d, ls in orders
        for i, (p, q, amt) in enumerate(ls, 1)
    ]
    return {
        "managers": [
            {"id": 1, "name": "Ivan Ivanov", "surname": "Ivanov"},
            {"id": 2, "name": "Petr Petrov", "surname": "Petrov", "team_lead_id": 1},
        ],
        "customers": [
            {
                "id": i,
                "external_id": f"C{i}",
                "name": n,
                "city": c,
                "region": r,
                "country": co,
                "industry": ind,
                "manager_id": m,
                "status": st,
                "rating": rt,
                "created_at": D(cr),
            }
            for i, n, c, r, co, ind, m, st, rt, cr in cust
        ],
        "products": [
            {"id": 1, "sku": "SD-100", "name": "Super Drill", "category": "power tools"},
            {"id": 2, "sku": "SD-200", "name": "Super Drill Pro", "category": "power tools"},
            {"id": 3, "sku": "DB-10", "name": "Drill Bits Set", "category": "consumables"},
        ],
        "orders": [
            {"id": o, "order_no": f"O{o}", "customer_id": c, "date": D(d)} for o, c, d, _l in orders
        ],
        "order_lines": lines,
        "tags": [{"id": 1, "name": "vip"}, {"id": 2, "name": "partner"}],
        "customer_tags": [
            {"customer_id": 1, "tag_id": 1},
            {"customer_id": 5, "tag_id": 1},
            {"customer_id": 2, "tag_id": 2},
        ],
        "interactions": [
            {"customer_id": 1, "date": datetime(2026, 10, 10, 9), "kind": "complaint"},
            {"customer_id": 3, "date": datetime(2026, 11, 20, 17), "kind": "call"},
        ],
        "property_definitions": [
            {"id": 1, "name": "employees", "label": "Employees", "type": "number"},
            {"id": 2, "name": "renewal", "label": "Renewal", "type": "date"},
            {"id": 3, "name": "reseller", "label": "Reseller", "type": "yesno"},
            {"id": 4, "name": "channel", "label": "Channel", "type": "text"},
        ],
        "customer_properties": [
            {"customer_id": 1, "property_id": 1, "number_value": 150.0},
            {"customer_id": 2, "property_id": 1, "number_value": 50.0},
            {"customer_id": 1, "property_id": 2, "date_value": D("2026-12-01")},
            {"customer_id": 2, "property_id": 3, "bool_value": True},
            {"customer_id": 1, "property_id": 4, "text_value": "Online"},
        ],
        "segments": [
            {
                "id": 1,
                "name": "drill-fans",
                "query": "",
                "kind": "static",
                "created_at": datetime(2026, 1, 1),
            },
            {
                "id": 2,
                "name": "moscow-vip",
                "query": "Moscow vip",
                "kind": "dynamic",
                "created_at": datetime(2026, 1, 1),
            },
            {
                "id": 3,
                "name": "loop",
                "query": "segment loop",
                "kind": "dynamic",
                "created_at": datetime(2026, 1, 1),
            },
        ],
        "segment_members": [
            {"segment_id": 1, "customer_id": 1},
            {"segment_id": 1, "customer_id": 3},
        ],
        "class_runs": [
            {
                "id": r,
                "computed_for": TODAY,
                "window_start": D("2025-11-23"),
                "window_end": TODAY,
                "created_at": datetime(2026, 11, 22),
                "parameters": {},
            }
            for r in (1, 2)
        ],
        "customer_classes": [
            {"customer_id": 1, "abc": "A", "xyz": "X", "rfm_segment": "champions"},
            {"customer_id": 2, "abc": "C", "xyz": "Z", "rfm_segment": "at risk"},
        ],
    }


def load_mini(engine: Engine) -> None:
    rows = mini_rows()
    with engine.begin() as conn:
        for table in s.metadata.sorted_tables:
            if rows.get(table.name):
                keys = {k for r in rows[table.name] for k in r}
                conn.execute(insert(table), [{k: r.get(k) for k in keys} for r in rows[table.name]])


@pytest.fixture(scope="module", params=BACKENDS)
def mini_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The five-customer database, once per module and backend."""
    tmp: Path = tmp_path_factory.mktemp("mini")
    with fresh_database(request.param, tmp) as engine:
        load_mini(engine)
        yield engine


@pytest.fixture(scope="module")
def mini_catalog(mini_db: Engine):  # type: ignore[no-untyped-def]
    from query_language import CatalogCache

    return CatalogCache(mini_db).get()


def ids(engine: Engine, query) -> set[int]:  # type: ignore[no-untyped-def]
    from query_language import matching_ids

    with engine.connect() as conn:
        return set(conn.execute(matching_ids(query)).scalars())


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The mini database's catalog (read once from SQLite), for parser/resolver/echo tests."""
    from query_language.catalog import load_catalog

    with fresh_database("sqlite", tmp_path_factory.mktemp("cat")) as engine:
        load_mini(engine)
        return load_catalog(engine)
