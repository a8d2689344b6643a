"""The query-language acceptance fixture: ~130 customers with dates on every period boundary.

``build_rows()`` returns plain rows per table (the single source); ``load_rows`` inserts them with
SQLAlchemy Core, and ``tests.query_language.oracle`` turns the same rows into pandas frames.
The first customers are hand-written stories for the spec's worked examples; the rest are drawn
from a seeded generator whose order dates are biased towards the boundaries of ``TODAY``.

Example::

    rows = build_rows()
    with fresh_database("sqlite", tmp) as engine:
        load_rows(engine, rows)
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from storage import schema as s
from storage.db import analyze
from tests.conftest import BACKENDS, fresh_database, require_backend

__all__ = [
    "TODAY",
    "MANAGERS",
    "PRODUCTS",
    "PLACES",
    "BOUNDARIES",
    "build_rows",
    "load_rows",
    "ql_db",
    "ambiguous_db",
    "interpret_on",
    "matching_external_ids",
]

TODAY = date(2026, 11, 22)  # a Sunday: ISO week 47 is 2026-11-16..2026-11-22
Rows = dict[str, list[dict[str, Any]]]

MANAGERS = [
    (1, "Ivan Ivanov", "Ivanov"),
    (2, "Petr Petrov", "Petrov"),
    (3, "Anna Sidorova", "Sidorova"),
    (4, "Oleg Smirnov", "Smirnov"),
]
# id, sku, name, category, price
PRODUCTS = [
    (1, "SD-100", "Super Drill", "power tools", 10000.0),
    (2, "SD-200", "Super Drill Pro", "power tools", 25000.0),
    (3, "DB-10", "Drill Bits Set", "consumables", 1500.0),
    (4, "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "home decor", 2.55),
    (5, "AG-5", "Angle Grinder", "power tools", 8000.0),
    (6, "SG-1", "Safety Gloves", "consumables", 300.0),
]
# city, region, country
PLACES = [
    ("Moscow", "Central", "Russia"),
    ("Kazan", "Volga", "Russia"),
    ("Saint Petersburg", "North-West", "Russia"),
    ("Samara", "Volga", "Russia"),
    ("Berlin", "Brandenburg", "Germany"),
    ("Almaty", "South", "Kazakhstan"),
]
INDUSTRIES = ["manufacturing", "retail", "construction", "logistics"]
TAGS = [(1, "vip"), (2, "partner"), (3, "wholesale"), (4, "newsletter")]
PROPS = [
    (1, "employees", "Employees", "number"),
    (2, "renewal", "Renewal", "date"),
    (3, "reseller", "Reseller", "yesno"),
    (4, "channel", "Channel", "text"),
]
RFM = ["champions", "loyal", "at risk", "hibernating", "new"]
_D = date.fromisoformat
BOUNDARIES = [
    _D(x)
    for x in (
        "2026-11-22 2026-11-21 2026-11-16 2026-11-15 2026-11-09 2026-11-08 2026-11-01 2026-10-31 "
        "2026-10-24 2026-10-23 2026-10-01 2026-09-30 2026-09-24 2026-09-23 2026-08-25 2026-08-24 "
        "2026-07-01 2026-06-30 2026-05-23 2026-05-22 2026-03-31 2026-03-02 2026-03-01 2026-02-28 "
        "2026-01-01 2025-12-31 2025-11-23 2025-11-22 2025-01-01 2024-12-31 2026-04-01"
    ).split()
]
_NAMES_A = [
    "Nord",
    "Vega",
    "Altai",
    "Baikal",
    "Volna",
    "Sokol",
    "Kedr",
    "Zarya",
    "Lotos",
    "Orion",
    "Raduga",
    "Sever",
    "Amur",
]
_NAMES_B = [
    "Trade",
    "Stroy",
    "Tech",
    "Service",
    "Group",
    "Prom",
    "Invest",
    "Snab",
    "Market",
    "Logistic",
]

# Stories: (city, manager, industry, status, [(date, sku, qty), ...]) — worked examples 1-3.
_Q3 = [
    ("Moscow", 1, "manufacturing", "active", [("2026-09-30", "SD-100", 4)]),  # exactly 40k
    ("Moscow", 1, "retail", "active", [("2026-07-01", "SD-100", 5)]),  # 50k on Q3's 1st day
    ("Moscow", 1, "retail", "active", [("2026-06-30", "SD-100", 5)]),  # day before Q3
    (
        "Moscow",
        1,
        "manufacturing",
        "active",  # 60k bought, 20k returned: net 40k
        [("2026-08-10", "SD-100", 6), ("2026-09-15", "SD-100", -2)],
    ),
    ("Moscow", 1, "retail", "active", [("2026-08-01", "SD-200", 4)]),  # the Pro, not it
    ("Moscow", 2, "retail", "active", [("2026-08-01", "SD-100", 6)]),  # Petrov's
    ("Kazan", 1, "retail", "active", [("2026-08-01", "SD-100", 6)]),  # Kazan
    ("Moscow", 1, "retail", "archived", [("2026-08-01", "SD-100", 6)]),  # archived
    (
        "Moscow",
        1,
        "manufacturing",
        "active",  # 30k in Q3, 30k on 10-01 with complaints
        [("2026-09-30", "SD-100", 3), ("2026-10-01", "SD-100", 3)],
    ),
    (
        "Moscow",
        1,
        "manufacturing",
        "active",  # 50k net in Q3 + Drill Bits Set
        [("2026-07-15", "SD-100", 6), ("2026-07-20", "DB-10", 2), ("2026-09-01", "SD-100", -1)],
    ),
    ("Moscow", 1, "manufacturing", "check", [("2026-10-31", "SD-100", 2)]),  # status check
    ("Kazan", 3, "manufacturing", "active", [("2026-10-15", "SD-200", 40)]),
]  # exactly 1m


def _dt(d: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute)


def build_rows(seed: int = 20261122) -> Rows:
    """Every row of the fixture, per table name (deterministic for a seed)."""
    rnd = random.Random(seed)
    price = {p[1]: p[4] for p in PRODUCTS}
    pid = {p[1]: p[0] for p in PRODUCTS}
    rows: Rows = {
        k: []
        for k in (
            "managers",
            "products",
            "customers",
            "orders",
            "order_lines",
            "interactions",
            "tags",
            "customer_tags",
            "property_definitions",
            "customer_properties",
            "segments",
            "segment_members",
            "class_runs",
            "customer_classes",
        )
    }
    rows["managers"] = [{"id": i, "name": n, "surname": s_} for i, n, s_ in MANAGERS]
    rows["products"] = [
        {"id": i, "sku": k, "name": n, "category": c, "price": p} for i, k, n, c, p in PRODUCTS
    ]
    rows["tags"] = [{"id": i, "name": n} for i, n in TAGS]
    rows["property_definitions"] = [
        {"id": i, "name": n, "label": lb, "type": t} for i, n, lb, t in PROPS
    ]
    names = [f"{a} {b}" for a in _NAMES_A for b in _NAMES_B]
    rnd.shuffle(names)
    n_customers = 130
    order_no = 0

    def add_order(cid: int, d: date, lines: list[tuple[str, float]]) -> None:
        nonlocal order_no
        order_no += 1
        rows["orders"].append(
            {"id": order_no, "order_no": f"O{order_no:05d}", "customer_id": cid, "date": d}
        )
        for no, (sku, qty) in enumerate(lines, 1):
            rows["order_lines"].append(
                {
                    "id": len(rows["order_lines"]) + 1,
                    "order_id": order_no,
                    "line_no": no,
                    "product_id": pid[sku],
                    "quantity": qty,
                    "amount": round(qty * price[sku], 2),
                }
            )

    for cid in range(1, n_customers + 1):
        story = _Q3[cid - 1] if cid <= len(_Q3) else None
        if story:
            city, mgr, industry, status = story[:4]
        else:
            city = rnd.choice(PLACES)[0] if cid % 3 else rnd.choice(["Moscow", "Kazan"])
            mgr, industry = rnd.randint(1, 4), rnd.choice(INDUSTRIES + [None])
            status = rnd.choices(["active", "check", "archived"], [8, 1, 1])[0]
        place = next(p for p in PLACES if p[0] == city)
        name = "Romashka" if cid == 1 else names[cid - 1]
        created = rnd.choice(BOUNDARIES + [_D("2023-05-05"), _D("2024-02-02")])
        rows["customers"].append(
            {
                "id": cid,
                "external_id": f"C{cid:04d}",
                "name": name,
                "city": city,
                "region": place[1],
                "country": place[2],
                "industry": industry,
                "manager_id": mgr,
                "status": status,
                "rating": rnd.choice(["A", "B", "C", None]),
                "created_at": min(created, TODAY),
                "email": f"c{cid}@example.com",
                # Romashka's phone as people write it, and normalised (docs: card +7 912 …)
                "phone": "8 (912) 345-67-89" if cid == 1 else None,
                "phone_e164": "+79123456789" if cid == 1 else None,
            }
        )
        if story:
            for d, sku, qty in story[4]:
                add_order(cid, _D(d), [(sku, qty)])
        else:
            for _ in range(rnd.choice([0, 1, 2, 3, 4, 6])):
                d = (
                    rnd.choice(BOUNDARIES)
                    if rnd.random() < 0.6
                    else TODAY - timedelta(days=rnd.randint(0, 900))
                )
                lines = [
                    (rnd.choice(list(price)), float(rnd.randint(1, 5)))
                    for _ in range(rnd.randint(1, 3))
                ]
                if rnd.random() < 0.15:  # a return of something in the same order
                    lines.append((lines[0][0], -1.0))
                add_order(cid, d, lines)
            if rnd.random() < 0.08:  # a big buyer
                add_order(
                    cid, rnd.choice(BOUNDARIES[:20]), [("SD-200", float(rnd.randint(30, 60)))]
                )
        for tag_id, _tag in TAGS:
            if rnd.random() < (0.3 if tag_id == 1 else 0.2):
                rows["customer_tags"].append({"customer_id": cid, "tag_id": tag_id})
        _properties(rows, rnd, cid)
        for _ in range(rnd.choice([0, 0, 1, 2, 3])):
            d = (
                rnd.choice(BOUNDARIES)
                if rnd.random() < 0.7
                else TODAY - timedelta(rnd.randint(0, 400))
            )
            hour, minute = rnd.choice([(0, 0), (9, 30), (23, 59)])
            rows["interactions"].append(
                {
                    "id": len(rows["interactions"]) + 1,
                    "customer_id": cid,
                    "date": _dt(d, hour, minute),
                    "kind": rnd.choice(["complaint", "call", "email", "meeting"]),
                    "manager_id": mgr,
                    "note": f"n{len(rows['interactions'])}",
                }
            )
    # story 9 complained in October (worked example 3); story 10 complained on 11-01 (not Oct)
    for cid, when in (
        (9, datetime(2026, 10, 31, 23, 59)),
        (10, datetime(2026, 11, 1, 0, 0)),
        (4, datetime(2026, 10, 1, 0, 0)),
    ):
        rows["interactions"].append(
            {
                "id": len(rows["interactions"]) + 1,
                "customer_id": cid,
                "date": when,
                "kind": "complaint",
                "manager_id": 1,
                "note": "story",
            }
        )
    _segments_and_classes(rows, rnd, n_customers)
    from tests.query_language.fixture_loyalty import add_loyalty_rows

    add_loyalty_rows(rows)
    return rows


def _properties(rows: Rows, rnd: random.Random, cid: int) -> None:
    if rnd.random() < 0.85:
        emp = rnd.choice([5, 50, 99, 100, 101, 250, 1000, 20000])
        rows["customer_properties"].append(
            {"customer_id": cid, "property_id": 1, "number_value": emp}
        )
    if rnd.random() < 0.6:
        ren = rnd.choice(BOUNDARIES + [_D("2027-01-01"), _D("2027-06-30")])
        rows["customer_properties"].append(
            {"customer_id": cid, "property_id": 2, "date_value": ren}
        )
    if rnd.random() < 0.7:
        rows["customer_properties"].append(
            {"customer_id": cid, "property_id": 3, "bool_value": rnd.random() < 0.4}
        )
    if rnd.random() < 0.7:
        rows["customer_properties"].append(
            {
                "customer_id": cid,
                "property_id": 4,
                "text_value": rnd.choice(["referral", "web", "trade show"]),
            }
        )


def _segments_and_classes(rows: Rows, rnd: random.Random, n: int) -> None:
    created = datetime(2026, 9, 1, 10, 0)
    rows["segments"] = [
        {
            "id": 1,
            "name": "bits-offer",
            "query": "buyers of Drill Bits Set",
            "language": "en",
            "kind": "static",
            "owner_id": 1,
            "created_at": created,
            "frozen_as_of": _D("2026-09-01"),
        },
        {
            "id": 2,
            "name": "drill-buyers",
            "query": "buyers of Super Drill",
            "language": "en",
            "kind": "dynamic",
            "owner_id": 1,
            "created_at": created,
            "frozen_as_of": None,
        },
    ]
    members = sorted({2, 4, 8, 10, *rnd.sample(range(13, n + 1), 18)})
    rows["segment_members"] = [{"segment_id": 1, "customer_id": c} for c in members]
    for run_id, computed in ((1, _D("2026-10-01")), (2, _D("2026-11-01"))):
        rows["class_runs"].append(
            {
                "id": run_id,
                "computed_for": computed,
                "window_start": computed - timedelta(days=365),
                "window_end": computed,
                "created_at": _dt(computed, 3),
                "parameters": {"run": run_id},
            }
        )
        for cid in range(1, n + 1):
            if run_id == 2 and cid % 11 == 0:
                continue  # not in the latest run: no class now, whatever the old run said
            row = {
                "customer_id": cid,
                "revenue": float(rnd.randint(0, 10**6)),
                "abc": rnd.choice("ABC"),
                "xyz": rnd.choice("XYZ"),
                "rfm_segment": rnd.choice(RFM),
                "last_purchase": computed - timedelta(days=rnd.randint(0, 600)),
                "frequency": rnd.randint(0, 9),
                "monetary": float(rnd.randint(0, 10**6)),
                "r_score": rnd.randint(1, 5),
                "f_score": rnd.randint(1, 5),
                "m_score": rnd.randint(1, 5),
            }
            if run_id == 2:  # the table holds the latest run's classes, one row per customer
                rows["customer_classes"].append(row)


def load_rows(engine: Engine, rows: Rows) -> None:
    """Insert ``rows`` (from ``build_rows``) into a migrated, empty database."""
    with engine.begin() as conn:
        for table in s.metadata.sorted_tables:
            if batch := rows.get(table.name):
                keys = {k for row in batch for k in row}  # executemany wants one shape
                conn.execute(insert(table), [{k: row.get(k) for k in keys} for row in batch])
    analyze(engine)  # our own tables only: never wait on other schemas' locks


def ambiguity_rows() -> Rows:
    """A tiny catalog where a city and a region are both called Moscow (and a tag 'retail')."""
    return {
        "managers": [{"id": 1, "name": "Ivan Ivanov", "surname": "Ivanov"}],
        "products": [
            {
                "id": 1,
                "sku": "SD-100",
                "name": "Super Drill",
                "category": "power tools",
                "price": 10000.0,
            }
        ],
        "customers": [
            {
                "id": i,
                "external_id": f"A{i}",
                "name": f"Amb {i}",
                "city": city,
                "region": region,
                "country": "Russia",
                "industry": "retail",
                "manager_id": 1,
                "status": "active",
                "created_at": _D("2025-01-01"),
            }
            for i, (city, region) in enumerate(
                [
                    ("Moscow", "Central"),
                    ("Zelenograd", "Moscow"),
                    ("Moscow", "Moscow"),
                    ("Tver", "Central"),
                ],
                1,
            )
        ],
        "tags": [{"id": 1, "name": "retail"}],
        "customer_tags": [{"customer_id": 1, "tag_id": 1}],
    }


@pytest.fixture(scope="module", params=BACKENDS)
def ql_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The acceptance fixture loaded once per module, on SQLite and on PostgreSQL."""
    require_backend(request.param)
    with fresh_database(request.param, tmp_path_factory.mktemp("ql")) as engine:
        load_rows(engine, build_rows())
        yield engine


@pytest.fixture(scope="module", params=BACKENDS)
def ambiguous_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The tiny ambiguity catalog, on SQLite and on PostgreSQL."""
    require_backend(request.param)
    with fresh_database(request.param, tmp_path_factory.mktemp("qlamb")) as engine:
        load_rows(engine, ambiguity_rows())
        yield engine


_CATALOG: list[Any] = [None, None]  # [engine, catalog]; holding the engine keeps ids unique


def interpret_on(engine: Engine, text: str) -> Any:
    """``interpret(text)`` against the engine's catalog (cached per engine) for ``TODAY``."""
    from query_language import CatalogCache, interpret

    if _CATALOG[0] is not engine:
        _CATALOG[:] = [engine, CatalogCache(engine).get()]
    return interpret(text, _CATALOG[1], today=TODAY, language="en")


def matching_external_ids(engine: Engine, query: Any) -> set[str]:
    """The external ids selected by ``matching_ids(query)``."""
    from sqlalchemy import select

    from query_language import matching_ids

    ids = matching_ids(query).subquery()
    stmt = select(s.customers.c.external_id).where(s.customers.c.id.in_(select(ids.c[0])))
    with engine.connect() as conn:
        return set(conn.execute(stmt).scalars())
