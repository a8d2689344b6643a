"""Per-customer facts that templates and call lists show, computed set-based for many customers.

Example::

    facts = customer_facts(conn, [1, 2, 3], today=date(2026, 11, 22))
    facts[1]["spend_12m"], facts[1]["stars"]
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, func, select

from storage.schema import customers, interactions, managers, order_lines, orders

__all__ = ["FIELDS", "SAMPLE", "customer_facts", "stars", "months_before", "chunks"]

# name -> what it is; the names a template may use (also listed in errors and docs).
FIELDS: dict[str, str] = {
    "name": "the customer's name",
    "external_id": "the customer's id in the imported data",
    "city": "city",
    "region": "region",
    "country": "country",
    "industry": "industry",
    "email": "the customer's e-mail address",
    "phone": "phone number",
    "status": "active, check or archived",
    "manager": "the account manager's full name",
    "manager_email": "the account manager's e-mail address",
    "rating": "A, B, C or empty",
    "stars": "the rating as stars (A = ★★★, B = ★★, C = ★)",
    "last_purchase": "date of the last order (empty when none)",
    "spend_12m": "total spend over the last 12 months (a number)",
    "last_interaction": "date of the last interaction (empty when none)",
    "today": "today's date",
}

SAMPLE: dict[str, Any] = {
    "name": "Acme Ltd",
    "external_id": "C-1",
    "city": "Berlin",
    "region": "Berlin",
    "country": "Germany",
    "industry": "Retail",
    "email": "buyer@example.com",
    "phone": "+49 30 123456",
    "status": "active",
    "manager": "Anna Ivanova",
    "manager_email": "ivanova@example.com",
    "rating": "A",
    "stars": "★★★",
    "last_purchase": date(2026, 10, 1),
    "spend_12m": 12345.5,
    "last_interaction": date(2026, 11, 1),
    "today": date(2026, 11, 22),
}

_STARS = {"A": "★★★", "B": "★★", "C": "★"}
_CHUNK = 500


def stars(rating: str | None) -> str:
    """The rating drawn as stars: ``stars("B") == "★★"``; empty for no rating."""
    return _STARS.get(rating or "", "")


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (clamped to the month's end): 2026-03-31 -> 2025-03-31."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(y, m + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def chunks(ids: list[int], size: int = _CHUNK) -> Iterable[list[int]]:
    """Slices of ``ids`` small enough for an IN list on every backend."""
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def customer_facts(conn: Connection, ids: Select | Iterable[int], today: date) -> dict[int, dict]:
    """Facts for each customer in ``ids`` (a Select of customer ids, or ids), keyed by id.

    Example: ``customer_facts(conn, select(customers.c.id), date(2026, 11, 22))[7]["manager"]``
    """
    id_list = list(conn.scalars(ids)) if isinstance(ids, Select) else list(ids)
    out: dict[int, dict] = {}
    for part in chunks(sorted(set(id_list))):
        for row in conn.execute(_facts_query(part, today)).mappings():
            out[row["id"]] = _fact_row(row, today)
    return out


def _facts_query(ids: list[int], today: date) -> Select:
    start = months_before(today, 12)
    spend = (
        select(orders.c.customer_id, func.sum(order_lines.c.amount).label("spend"))
        .join(order_lines, order_lines.c.order_id == orders.c.id)
        .where(orders.c.customer_id.in_(ids), orders.c.date > start, orders.c.date <= today)
        .group_by(orders.c.customer_id)
        .subquery()
    )
    last = (
        select(orders.c.customer_id, func.max(orders.c.date).label("last_purchase"))
        .where(orders.c.customer_id.in_(ids), orders.c.date <= today)
        .group_by(orders.c.customer_id)
        .subquery()
    )
    touch = (
        select(interactions.c.customer_id, func.max(interactions.c.date).label("last_interaction"))
        .where(
            interactions.c.customer_id.in_(ids),
            interactions.c.date < datetime.combine(today + timedelta(days=1), datetime.min.time()),
        )
        .group_by(interactions.c.customer_id)
        .subquery()
    )
    c = customers.c
    return (
        select(
            c.id,
            c.name,
            c.external_id,
            c.city,
            c.region,
            c.country,
            c.industry,
            c.email,
            c.phone,
            c.status,
            c.rating,
            c.opted_out_at,
            c.manager_id,
            managers.c.name.label("manager"),
            managers.c.email.label("manager_email"),
            spend.c.spend,
            last.c.last_purchase,
            touch.c.last_interaction,
        )
        .select_from(
            customers.outerjoin(managers, managers.c.id == c.manager_id)
            .outerjoin(spend, spend.c.customer_id == c.id)
            .outerjoin(last, last.c.customer_id == c.id)
            .outerjoin(touch, touch.c.customer_id == c.id)
        )
        .where(c.id.in_(ids))
    )


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):  # SQLite may hand back text for an aggregate
        return date.fromisoformat(value[:10])
    return value


def _fact_row(row: Any, today: date) -> dict:
    facts = {name: row[name] if name in row else None for name in FIELDS}
    for name in (
        "name",
        "external_id",
        "city",
        "region",
        "country",
        "industry",
        "email",
        "phone",
        "status",
        "manager",
        "manager_email",
        "rating",
    ):
        facts[name] = facts[name] or ""
    facts["stars"] = stars(row["rating"])
    facts["spend_12m"] = round(float(row["spend"] or 0), 2)
    facts["last_purchase"] = _as_date(row["last_purchase"]) or ""
    facts["last_interaction"] = _as_date(row["last_interaction"]) or ""
    facts["today"] = today
    facts["id"] = row["id"]
    facts["opted_out_at"] = row["opted_out_at"]
    facts["manager_id"] = row["manager_id"]
    return facts
