"""One customer's card: everything a rep wants to know before a call, in one read.

Example::

    card = load_card(conn, customer_id, today=date(2026, 11, 22))
    card.customer["name"], card.spend_12m, card.interactions[:3]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection, and_, case, func, select

from storage.changes import rating_history
from storage.schema import (
    customer_classes,
    customer_properties,
    customer_tags,
    customers,
    interactions,
    managers,
    order_lines,
    orders,
    property_definitions,
    tags,
)
from storage.scope import CustomerScope

__all__ = ["Card", "load_card", "find_customers_by_name"]


@dataclass
class Card:
    customer: dict[str, Any]
    manager: str | None
    tags: list[str]
    properties: list[tuple[str, Any]]
    spend_this_year: float
    spend_12m: float
    orders_12m: int
    orders_total: int
    last_purchase: date | None
    interactions: list[dict[str, Any]] = field(default_factory=list)
    rating_history: list[dict[str, Any]] = field(default_factory=list)
    classes: dict[str, Any] | None = None


def _spend_orders(
    conn: Connection, customer_id: int, start: date | None, end: date
) -> tuple[float, int]:
    in_period = and_(orders.c.date <= end, *([orders.c.date >= start] if start else []))
    row = conn.execute(
        select(
            func.coalesce(func.sum(order_lines.c.amount), 0.0),
            func.count(func.distinct(case((order_lines.c.quantity > 0, orders.c.id)))),
        )
        .select_from(orders.join(order_lines, order_lines.c.order_id == orders.c.id))
        .where(orders.c.customer_id == customer_id, in_period)
    ).one()
    return float(row[0]), int(row[1])


def load_card(conn: Connection, customer_id: int, today: date, *, recent: int = 5) -> Card:
    c = conn.execute(select(customers).where(customers.c.id == customer_id)).mappings().one()
    manager = conn.execute(select(managers.c.name).where(managers.c.id == c["manager_id"])).scalar()
    tag_names = (
        conn.execute(
            select(tags.c.name)
            .join(customer_tags, customer_tags.c.tag_id == tags.c.id)
            .where(customer_tags.c.customer_id == customer_id)
            .order_by(tags.c.name)
        )
        .scalars()
        .all()
    )
    props = []
    for label, typ, num, dt, flag, txt in conn.execute(
        select(
            property_definitions.c.label,
            property_definitions.c.type,
            customer_properties.c.number_value,
            customer_properties.c.date_value,
            customer_properties.c.bool_value,
            customer_properties.c.text_value,
        )
        .join(customer_properties, customer_properties.c.property_id == property_definitions.c.id)
        .where(customer_properties.c.customer_id == customer_id)
        .order_by(property_definitions.c.label)
    ):
        value = {"number": num, "date": dt, "yesno": flag, "text": txt}[typ]
        if typ == "number" and value is not None and float(value).is_integer():
            value = int(value)
        props.append((label, value))
    spend_year, _ = _spend_orders(conn, customer_id, date(today.year, 1, 1), today)
    spend_12m, orders_12m = _spend_orders(
        conn, customer_id, today - relativedelta(months=12) + relativedelta(days=1), today
    )
    _, orders_total = _spend_orders(conn, customer_id, None, today)
    last_purchase = conn.execute(
        select(func.max(orders.c.date))
        .join(order_lines, order_lines.c.order_id == orders.c.id)
        .where(orders.c.customer_id == customer_id, order_lines.c.quantity > 0)
    ).scalar()
    inter = [
        dict(r)
        for r in conn.execute(
            select(
                interactions.c.date,
                interactions.c.kind,
                interactions.c.note,
                managers.c.surname.label("manager"),
            )
            .outerjoin(managers, managers.c.id == interactions.c.manager_id)
            .where(interactions.c.customer_id == customer_id)
            .order_by(interactions.c.date.desc(), interactions.c.id.desc())
            .limit(recent)
        ).mappings()
    ]
    history = [
        dict(r)
        for r in conn.execute(
            select(
                rating_history.c.at,
                rating_history.c.before,
                rating_history.c.after,
                rating_history.c.source,
            )
            .where(rating_history.c.customer_id == customer_id)
            .order_by(rating_history.c.at.desc(), rating_history.c.id.desc())
            .limit(recent)
        ).mappings()
    ]
    cls = (
        conn.execute(
            select(
                customer_classes.c.abc,
                customer_classes.c.xyz,
                customer_classes.c.rfm_segment,
                customer_classes.c.r_score,
                customer_classes.c.f_score,
                customer_classes.c.m_score,
            ).where(customer_classes.c.customer_id == customer_id)
        )
        .mappings()
        .first()
    )
    return Card(
        dict(c),
        manager,
        list(tag_names),
        props,
        spend_year,
        spend_12m,
        orders_12m,
        orders_total,
        last_purchase,
        inter,
        history,
        dict(cls) if cls else None,
    )


def find_customers_by_name(
    conn: Connection, name: str, *, scope: CustomerScope, limit: int = 10
) -> list[tuple[int, str, str | None]]:
    """Customers in ``scope`` whose name equals ``name`` (case-insensitive), else contains it;
    the scope is required so that no caller can forget it (``EVERYONE`` for the whole base)."""
    return scope.find_by_name(conn, name, limit)
