"""A small, fully known customer base for the chat scenarios (not the demo generator)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine, insert, text

from storage.schema import (
    customer_tags,
    customers,
    interactions,
    mail_templates,
    managers,
    order_lines,
    orders,
    products,
    segment_members,
    segments,
    tags,
)

TODAY = date(2026, 11, 22)
# people: (id, name, surname, role, telegram_id, slack team, slack user, team lead)
PEOPLE = [
    (1, "Ivan Ivanov", "Ivanov", "rep", 1001, "T1", "U1", 3),
    (2, "Olga Petrova", "Petrova", "rep", 1002, "T1", "U2", 3),
    (3, "Sergei Sidorov", "Sidorov", "manager", 1003, "T1", "U3", None),
    (4, "Anna Adminova", "Adminova", "admin", 1004, "T1", "U4", None),
    (5, "Boris Bossov", "Bossov", "manager", 1005, "T1", "U5", None),
]
MOSCOW = 25  # customers 1..25 in Moscow, 26..35 in Kazan


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(managers),
            [
                {
                    "id": i,
                    "name": n,
                    "surname": s,
                    "role": r,
                    "telegram_id": t,
                    "slack_team_id": st,
                    "slack_user_id": su,
                    "team_lead_id": lead,
                }
                for i, n, s, r, t, st, su, lead in sorted(PEOPLE, key=lambda p: p[7] is not None)
            ],
        )
        rows = []
        for i in range(1, 36):
            moscow = i <= MOSCOW
            rows.append(
                {
                    "id": i,
                    "external_id": f"C{i:03d}",
                    "name": f"{'Romashka' if i == 1 else 'Client'} <{i:02d}> & Co_*[]"
                    if i != 1
                    else "Romashka",
                    "city": "Moscow" if moscow else "Kazan",
                    "region": "Central" if moscow else "Volga",
                    "country": "Russia",
                    "industry": "manufacturing" if i % 2 else "retail",
                    "manager_id": 1 if i % 3 == 1 else (2 if i % 3 == 2 else 3),
                    "email": f"c{i}@example.com",
                    "phone": f"+7 900 000 {i:04d}",
                    "phone_e164": f"+7900000{i:04d}",
                    "status": "active",
                    "rating": ["A", "B", "C", None][i % 4],
                    "created_at": date(2024, 1, 1),
                }
            )
        conn.execute(insert(customers), rows)
        conn.execute(
            insert(products),
            [
                {
                    "id": 1,
                    "sku": "SD-1",
                    "name": "Super Drill",
                    "category": "power tools",
                    "price": 12000,
                },
                {
                    "id": 2,
                    "sku": "SD-PRO",
                    "name": "Super Drill Pro",
                    "category": "power tools",
                    "price": 25000,
                },
                {
                    "id": 3,
                    "sku": "BITS",
                    "name": "Drill Bits Set",
                    "category": "consumables",
                    "price": 900,
                },
            ],
        )
        o_rows, l_rows = [], []
        for i in range(1, 36):
            for k, (d, product, qty) in enumerate(
                [(date(2026, 8, 10), 1, i % 5 + 1), (date(2026, 10, 5), 3, 2)]
            ):
                oid = i * 10 + k
                o_rows.append({"id": oid, "order_no": f"O{oid}", "customer_id": i, "date": d})
                price = {1: 12000, 2: 25000, 3: 900}[product]
                l_rows.append(
                    {
                        "order_id": oid,
                        "line_no": 1,
                        "product_id": product,
                        "quantity": qty,
                        "amount": qty * price,
                    }
                )
        conn.execute(insert(orders), o_rows)
        conn.execute(insert(order_lines), l_rows)
        conn.execute(
            insert(interactions),
            [
                {
                    "customer_id": 1,
                    "date": datetime(2026, 10, 3, 10),
                    "kind": "complaint",
                    "manager_id": 1,
                    "note": "late delivery",
                },
                {
                    "customer_id": 1,
                    "date": datetime(2026, 11, 2, 12),
                    "kind": "call",
                    "manager_id": 1,
                    "note": "all good",
                },
            ],
        )
        conn.execute(insert(tags), [{"id": 1, "name": "vip"}])
        conn.execute(
            insert(customer_tags), [{"customer_id": i, "tag_id": 1} for i in (1, 2, 3, 30)]
        )
        conn.execute(
            insert(segments),
            [
                {
                    "id": 1,
                    "name": "bits-offer",
                    "query": "Kazan",
                    "language": "en",
                    "kind": "static",
                    "created_at": datetime(2026, 11, 1),
                    "frozen_as_of": date(2026, 11, 1),
                },
                {
                    "id": 2,
                    "name": "drill-buyers",
                    "query": "buyers of Super Drill",
                    "language": "en",
                    "kind": "dynamic",
                    "created_at": datetime(2026, 11, 1),
                    "frozen_as_of": None,
                },
            ],
        )
        conn.execute(
            insert(segment_members), [{"segment_id": 1, "customer_id": i} for i in (26, 27, 28)]
        )
        conn.execute(
            insert(mail_templates).values(
                name="winback",
                subject="We miss you, {{ name }}",
                created_at=datetime(2026, 11, 1),
                body="Dear {{ name }},\nit has been a while since {{ last_purchase }}. {{ manager }}",
            )
        )
        if engine.dialect.name == "postgresql":  # explicit ids do not advance the sequences
            for table in ("managers", "customers", "products", "orders", "tags", "segments"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
