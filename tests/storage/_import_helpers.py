"""Shared helpers for the import tests: write files, snapshot tables, the online-retail mapping."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from storage import schema

RETAIL_MAP = {
    "InvoiceNo": "order_id", "CustomerID": "customer_id", "InvoiceDate": "date", "StockCode": "sku",
    "Description": "product_name", "Quantity": "quantity", "Country": "country",
}  # fmt: skip
TABLES = ("managers", "customers", "property_definitions", "customer_properties", "tags", "customer_tags",
          "products", "orders", "order_lines", "interactions")  # fmt: skip


def write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + text.lstrip("\n"), encoding="utf-8")
    return path


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table an import touches, in key order."""
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(select(schema.metadata.tables[t]).order_by(*schema.metadata.tables[t].primary_key))]
            for t in TABLES
        }  # fmt: skip


def count(engine: Engine, table: str) -> int:
    return len(snapshot(engine)[table])
