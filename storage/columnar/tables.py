"""What the copy holds: each table with the columns the query language reads, typed for DuckDB.

Example: ``COPIED["orders"]`` → ``[("id", "INTEGER"), ("order_no", "VARCHAR"), …]``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Float, Integer

from storage import schema as s

__all__ = ["COPIED", "INCREMENTAL", "duck_type", "create_sql", "select_sql"]

# Columns left out: long texts and JSON no condition reads.
_SKIP = {("interactions", "note"), ("class_runs", "parameters")}
_ORDER = (
    "managers",
    "customers",
    "products",
    "orders",
    "order_lines",
    "customer_tags",
    "customer_properties",
    "segment_members",
    "interactions",
    "class_runs",
    "customer_classes",
)
# Refreshed by new ids and the dirty-order list; every other table is reloaded when it changed.
INCREMENTAL = ("orders", "order_lines")


def duck_type(col_type: object) -> str:
    if isinstance(col_type, Boolean):
        return "BOOLEAN"
    if isinstance(col_type, BigInteger):
        return "BIGINT"
    if isinstance(col_type, Integer):
        return "INTEGER"
    if isinstance(col_type, Float):
        return "DOUBLE"
    if isinstance(col_type, DateTime):
        return "TIMESTAMP"
    if isinstance(col_type, Date):
        return "DATE"
    return "VARCHAR"


COPIED: dict[str, list[tuple[str, str]]] = {
    name: [
        (c.name, duck_type(c.type))
        for c in s.metadata.tables[name].columns
        if (name, c.name) not in _SKIP
    ]
    for name in _ORDER
}


def create_sql(name: str) -> str:
    cols = ", ".join(f'"{c}" {t}' for c, t in COPIED[name])
    return f'CREATE OR REPLACE TABLE "{name}" ({cols})'


def select_sql(name: str, source: str) -> str:
    """``SELECT`` of the table's columns from ``source`` (a relation name), cast to the copy's
    types (SQLite stores dates as text and booleans as integers)."""
    cols = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in COPIED[name])
    return f"SELECT {cols} FROM {source}"
