"""Load the public datasets in tests/data into a database with Core bulk inserts (tests only)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, insert

from storage.db import analyze
from storage.schema import customers, order_lines, orders, products

__all__ = ["read_retail", "read_cdnow", "load_orders"]


def read_retail(datasets: Path) -> pd.DataFrame:
    """online_retail_invoices.csv as customer, order_no, date, amount (one line per invoice)."""
    raw = pd.read_csv(
        datasets / "online_retail_invoices.csv", dtype={"InvoiceNo": str, "CustomerID": str}
    )
    return pd.DataFrame(
        {
            "customer": raw["CustomerID"],
            "order_no": raw["InvoiceNo"],
            "date": pd.to_datetime(raw["InvoiceDate"]).dt.date,
            "quantity": 1.0,
            "amount": raw["TotalPrice"].astype(float),
        }
    )


def read_cdnow(datasets: Path) -> pd.DataFrame:
    """CDNOW_master.txt as customer, order_no (the row), date, quantity (CDs), amount (dollars)."""
    raw = pd.read_csv(
        datasets / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str, "date": str}
    )
    return pd.DataFrame(
        {
            "customer": raw["customer_id"],
            "order_no": [f"cd{i}" for i in range(len(raw))],
            "date": pd.to_datetime(raw["date"], format="%Y%m%d").dt.date,
            "quantity": raw["number_of_cds"].astype(float),
            "amount": raw["dollar_value"].astype(float),
        }
    )


def load_orders(engine: Engine, sales: pd.DataFrame) -> dict[str, int]:
    """One customer per distinct ``customer``, one order and one line per row; returns ids."""
    names = sorted(sales["customer"].unique())
    ids = {name: i for i, name in enumerate(names, start=1)}
    with engine.begin() as conn:
        conn.execute(insert(products), [{"id": 1, "sku": "ALL", "name": "Everything"}])
        conn.execute(
            insert(customers),
            [
                {
                    "id": i,
                    "external_id": name,
                    "name": f"Customer {name}",
                    "created_at": date(2000, 1, 1),
                }
                for name, i in ids.items()
            ],
        )
        order_rows = [
            {"id": n, "order_no": o, "customer_id": ids[c], "date": d}
            for n, (o, c, d) in enumerate(
                zip(sales["order_no"], sales["customer"], sales["date"], strict=True), 1
            )
        ]
        conn.execute(insert(orders), order_rows)
        conn.execute(
            insert(order_lines),
            [
                {"order_id": n, "line_no": 1, "product_id": 1, "quantity": q, "amount": a}
                for n, (q, a) in enumerate(zip(sales["quantity"], sales["amount"], strict=True), 1)
            ],
        )
    analyze(engine)
    return ids
