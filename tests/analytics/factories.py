"""Tiny data builders for analytics tests: customers with dated order lines."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, func, insert, select

from storage.schema import customers, order_lines, orders, products

__all__ = ["add_customer", "add_sale"]


def add_customer(
    conn: Connection,
    external_id: str,
    *,
    name: str | None = None,
    rating: str | None = None,
    pinned: bool = False,
    status: str = "active",
    city: str | None = None,
) -> int:
    return conn.execute(
        insert(customers)
        .values(
            external_id=external_id,
            name=name or f"Customer {external_id}",
            rating=rating,
            rating_pinned=pinned,
            status=status,
            city=city,
            created_at=date(2020, 1, 1),
        )
        .returning(customers.c.id)
    ).scalar_one()


def add_sale(
    conn: Connection, customer_id: int, day: date, amount: float, quantity: float = 1.0
) -> int:
    product = conn.execute(select(products.c.id).where(products.c.sku == "P1")).scalar()
    if product is None:
        product = conn.execute(
            insert(products).values(sku="P1", name="Widget").returning(products.c.id)
        ).scalar_one()
    n = conn.execute(select(func.count()).select_from(orders)).scalar_one()
    order = conn.execute(
        insert(orders)
        .values(order_no=f"o{n + 1}", customer_id=customer_id, date=day)
        .returning(orders.c.id)
    ).scalar_one()
    conn.execute(
        insert(order_lines).values(
            order_id=order, line_no=1, product_id=product, quantity=quantity, amount=amount
        )
    )
    return order
