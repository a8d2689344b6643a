"""The synthetic database of the query-language benchmark: managers, products (the spec's
worked-example products first), customers in a few cities with orders over two years, tags,
complaints, a property and two segments; statistics refreshed at the end.

Example::

    build_synthetic(engine, 100_000, 10_000)   # ~200,000 orders, ~1,000,000 order lines
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from storage import schema as s
from storage.db import analyze

__all__ = ["build_synthetic", "TODAY", "CITIES", "FIXED_PRODUCTS"]

TODAY = date(2026, 11, 22)
CITIES = ["Moscow", "Kazan", "Saint Petersburg", "Samara", "Novosibirsk", "Berlin", "Almaty"]
REGIONS = {"Moscow": "Central", "Kazan": "Volga", "Samara": "Volga", "Saint Petersburg": "North-West"}
FIXED_PRODUCTS = [("SD-100", "Super Drill", "power tools", 10000.0),
                  ("SD-200", "Super Drill Pro", "power tools", 25000.0),
                  ("DB-10", "Drill Bits Set", "consumables", 1500.0),
                  ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "home decor", 2.55)]
_WORDS = "Alpha Bravo Delta Nova Terra Vector Prime Flux Orbit Pixel Quartz Rapid Solid Ultra".split()


def _ins(engine: Engine, table: Any, rows: list[dict]) -> None:
    with engine.begin() as conn:
        for i in range(0, len(rows), 20000):
            conn.execute(insert(table), rows[i:i + 20000])


def build_synthetic(engine: Engine, customers: int, products: int, seed: int = 1, per_order: int = 5) -> None:
    """Fill an empty database: ~2 orders of ``per_order`` lines per customer over two years (100,000
    customers: ~200,000 orders, ~1,000,000 lines), tags, complaints."""
    rnd = random.Random(seed)
    _ins(engine, s.managers, [{"id": i, "name": f"M{i} {sn}", "surname": sn} for i, sn in
                              enumerate(["Ivanov", "Petrov", "Sidorova"] + [f"Rep{i}" for i in range(17)], 1)])
    prods = [{"id": i, "sku": k, "name": n, "category": c, "price": p}
             for i, (k, n, c, p) in enumerate(FIXED_PRODUCTS, 1)]
    prods += [{"id": i, "sku": f"P{i:06d}", "name": f"{rnd.choice(_WORDS)} {rnd.choice(_WORDS)} {i}",
               "category": f"category {i % 50}", "price": float(rnd.randint(1, 500) * 10)}
              for i in range(len(prods) + 1, products + 1)]
    _ins(engine, s.products, prods)
    _ins(engine, s.tags, [{"id": 1, "name": "vip"}, {"id": 2, "name": "partner"}])
    _ins(engine, s.property_definitions, [{"id": 1, "name": "employees", "label": "Employees",
                                           "type": "number"}])
    cust, orders, lines, tags, inter = [], [], [], [], []
    for cid in range(1, customers + 1):
        city = rnd.choices(CITIES, [30, 15, 15, 10, 10, 10, 10])[0]
        cust.append({"id": cid, "external_id": f"X{cid}", "name": f"{rnd.choice(_WORDS)} Co {cid}",
                     "city": city, "region": REGIONS.get(city, "Other"), "country": "Russia",
                     "industry": rnd.choice(["manufacturing", "retail", "construction"]),
                     "manager_id": rnd.randint(1, 20), "status": rnd.choice(["active"] * 8 + ["archived"]),
                     "rating": rnd.choice("ABC") if rnd.random() < 0.8 else None,
                     "created_at": TODAY - timedelta(days=rnd.randint(0, 900)), "rating_pinned": False})
        for _ in range(rnd.choice([0, 1, 2, 3, 4])):
            oid = len(orders) + 1
            orders.append({"id": oid, "order_no": f"O{oid}", "customer_id": cid,
                           "date": TODAY - timedelta(days=rnd.randint(0, 730))})
            for no in range(1, per_order + 1):
                pid = rnd.randint(1, 4) if rnd.random() < 0.3 else rnd.randint(1, products)
                qty = float(rnd.randint(1, 6)) * (-1 if rnd.random() < 0.05 else 1)
                lines.append({"id": len(lines) + 1, "order_id": oid, "line_no": no, "product_id": pid,
                              "quantity": qty, "amount": qty * prods[pid - 1]["price"]})
        if rnd.random() < 0.2:
            tags.append({"customer_id": cid, "tag_id": 1})
        if rnd.random() < 0.3:
            inter.append({"id": len(inter) + 1, "customer_id": cid, "kind": rnd.choice(["complaint", "call"]),
                          "date": datetime(2026, 11, 22) - timedelta(hours=rnd.randint(0, 24 * 400)), "note": ""})
    for table, rows in ((s.customers, cust), (s.orders, orders), (s.order_lines, lines),
                        (s.customer_tags, tags), (s.interactions, inter)):
        _ins(engine, table, rows)
    _ins(engine, s.customer_properties, [{"customer_id": c, "property_id": 1, "number_value": float(c % 500)}
                                         for c in range(1, customers + 1, 2)])
    _ins(engine, s.segments, [
        {"id": 1, "name": "bits-offer", "query": "buyers of Drill Bits Set", "kind": "static",
         "created_at": datetime(2026, 9, 1), "language": "en"},
        {"id": 2, "name": "drill-buyers", "query": "buyers of Super Drill", "kind": "dynamic",
         "created_at": datetime(2026, 9, 1), "language": "en"}])
    _ins(engine, s.segment_members, [{"segment_id": 1, "customer_id": c}
                                     for c in rnd.sample(range(1, customers + 1), customers // 20)])
    analyze(engine)
