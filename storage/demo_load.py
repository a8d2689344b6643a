"""How the demo generator writes: reference data, bulk rows, segments and statistics.

The generator modules only build tuples; this module puts them into the database. Example::

    with engine.begin() as conn:
        ids = load_reference_data(conn, "en")
        insert_many(conn, schema.orders, ORDER_COLUMNS, rows)
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select

from storage import schema as t
from storage.bulk import insert_rows
from storage.db import analyze, is_postgres
from storage.demo_catalog import MANAGERS, TAGS
from storage.demo_population import rng_for
from storage.demo_products import CATEGORY_NAMES, DRILL_BIT_SKUS, PRODUCTS
from storage.demo_sales import SalesIds
from storage.demo_words import TEXT

__all__ = [
    "insert_many",
    "analyze_loaded",
    "advance_id_sequences",
    "load_reference_data",
    "load_tags_and_properties",
    "create_segments",
    "create_templates",
    "CUSTOMER_COLUMNS",
    "PROPERTY_COLUMNS",
    "ORDER_COLUMNS",
    "LINE_COLUMNS",
    "CONTACT_COLUMNS",
]

BITS_OFFER_SIZE = 150


def insert_many(
    conn: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert many rows with the bulk loader (COPY on PostgreSQL, executemany on SQLite)."""
    if rows:
        insert_rows(conn, table, columns, rows)


def advance_id_sequences(conn: Connection) -> None:
    """Rows were loaded with explicit ids: move PostgreSQL's id sequences past them."""
    if not is_postgres(conn):
        return
    for tb in (t.customers, t.orders, t.order_lines):
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{tb.name}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {tb.name}), false)"
        )


def analyze_loaded(engine: Engine) -> None:
    """Planner statistics for the loaded tables (on PostgreSQL only these: a bare ANALYZE would
    visit every schema of the database and wait on other sessions' locks)."""
    if not is_postgres(engine):
        analyze(engine)
        return
    loaded = (
        t.customers,
        t.customer_tags,
        t.customer_properties,
        t.orders,
        t.order_lines,
        t.interactions,
        t.products,
        t.managers,
        t.tags,
        t.property_definitions,
        t.segments,
        t.segment_members,
    )
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE " + ", ".join(tb.name for tb in loaded))


CUSTOMER_COLUMNS = (
    "id",
    "external_id",
    "name",
    "city",
    "region",
    "country",
    "industry",
    "manager_id",
    "email",
    "phone",
    "status",
    "rating",
    "rating_pinned",
    "created_at",
    "opted_out_at",
    "phone_e164",
)
PROPERTY_COLUMNS = ("customer_id", "property_id", "number_value", "date_value", "bool_value")
ORDER_COLUMNS = ("id", "order_no", "customer_id", "date")
LINE_COLUMNS = ("id", "order_id", "line_no", "product_id", "quantity", "amount")
CONTACT_COLUMNS = ("customer_id", "date", "kind", "manager_id", "note")


def _get_or_create(conn: Connection, table: Table, key: str, values: dict[str, Any]) -> int:
    found = conn.scalar(select(table.c.id).where(table.c[key] == values[key]))
    if found is not None:
        return int(found)
    return int(conn.execute(insert(table).values(values).returning(table.c.id)).scalar_one())


def load_reference_data(conn: Connection, lang: str) -> SalesIds:
    """Managers (with their team leads) and products; existing ones (same name or SKU) are reused."""
    names = TEXT[lang]["manager"]
    manager_ids = []
    for m in MANAGERS:
        full = names[m.key]
        email = f"{TEXT['en']['manager'][m.key].lower().replace(' ', '.')}@demo-tools.example"
        manager_ids.append(
            _get_or_create(
                conn,
                t.managers,
                "name",
                {"name": full, "surname": full.split()[-1], "email": email, "role": m.role},
            )
        )
    for m, mid in zip(MANAGERS, manager_ids, strict=True):
        if m.team_lead:
            lead = manager_ids[[x.key for x in MANAGERS].index(m.team_lead)]
            conn.execute(
                t.managers.update().where(t.managers.c.id == mid).values(team_lead_id=lead)
            )
    product_ids = [
        _get_or_create(
            conn,
            t.products,
            "sku",
            {
                "sku": p.sku,
                "name": p.names[lang],
                "category": CATEGORY_NAMES[lang][p.category],
                "price": p.price,
            },
        )
        for p in PRODUCTS
    ]
    customer_base, order_base, line_base = (
        int(conn.scalar(select(func.coalesce(func.max(tb.c.id), 0))) or 0)
        for tb in (t.customers, t.orders, t.order_lines)
    )
    return SalesIds(
        customer_base, order_base, line_base, product_ids=product_ids, manager_ids=manager_ids
    )


def load_tags_and_properties(conn: Connection, lang: str) -> tuple[dict[str, int], dict[str, int]]:
    tag_ids = {
        k: _get_or_create(conn, t.tags, "name", {"name": TEXT[lang]["tag"][k]}) for k in TAGS
    }
    types = {"employees": "number", "contract_date": "date", "dealer": "yesno"}
    prop_ids = {}
    for key, (name, label) in TEXT[lang]["property"].items():
        prop_ids[key] = _get_or_create(
            conn, t.property_definitions, "name", {"name": name, "label": label, "type": types[key]}
        )
    return tag_ids, prop_ids


def create_segments(conn: Connection, lang: str, today: date, seed: int, ids: SalesIds) -> None:
    """`drill-buyers` (dynamic) and `bits-offer` (static: some buyers of drill bits)."""
    owner = ids.manager_ids[[m.role for m in MANAGERS].index("admin")]
    at = datetime.combine(today, time(9, 0))
    queries = TEXT[lang]["segments"]
    for name, kind in (("drill-buyers", "dynamic"), ("bits-offer", "static")):
        if conn.scalar(select(t.segments.c.id).where(t.segments.c.name == name)) is not None:
            continue
        sid = conn.execute(
            insert(t.segments)
            .values(
                name=name,
                query=queries[name],
                language=lang,
                kind=kind,
                owner_id=owner,
                created_at=at,
                frozen_as_of=today if kind == "static" else None,
            )
            .returning(t.segments.c.id)
        ).scalar_one()
        if kind == "static":
            bits = [
                pid
                for p, pid in zip(PRODUCTS, ids.product_ids, strict=True)
                if p.sku in DRILL_BIT_SKUS
            ]
            buyers = conn.scalars(
                select(t.orders.c.customer_id)
                .distinct()
                .join(t.order_lines, t.order_lines.c.order_id == t.orders.c.id)
                .where(t.order_lines.c.product_id.in_(bits), t.order_lines.c.quantity > 0)
                .order_by(t.orders.c.customer_id)
            ).all()
            pick = rng_for(seed, 8).choice(
                len(buyers), min(BITS_OFFER_SIZE, len(buyers)), replace=False
            )
            insert_many(
                conn,
                t.segment_members,
                ("segment_id", "customer_id"),
                [(sid, buyers[i]) for i in sorted(pick.tolist())],
            )


def create_templates(conn: Connection, lang: str, today: date) -> None:
    """The mail templates help's examples name (``winback``), in the demo's language."""
    at = datetime.combine(today, time(9, 0))
    for name, (subject, body) in TEXT[lang]["templates"].items():
        if conn.scalar(select(t.mail_templates.c.id).where(t.mail_templates.c.name == name)):
            continue
        conn.execute(
            insert(t.mail_templates).values(name=name, subject=subject, body=body, created_at=at)
        )
