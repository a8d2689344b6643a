"""Exports: every matching customer (not a page) as CSV or XLSX, with the columns a rep wants.

Example::

    data = export_customers(conn, rows, "xlsx")   # bytes of a workbook
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select

from storage.schema import customer_tags, customers, tags

__all__ = ["export_customers", "EXPORT_COLUMNS", "MIME"]

EXPORT_COLUMNS = [
    "external_id",
    "name",
    "city",
    "region",
    "country",
    "industry",
    "manager",
    "email",
    "phone",
    "status",
    "rating",
    "tags",
    "spend",
    "orders",
    "last_purchase",
    "abc",
    "xyz",
    "rfm_segment",
]
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _contacts(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for cid, email, phone in conn.execute(
            select(customers.c.id, customers.c.email, customers.c.phone).where(
                customers.c.id.in_(chunk)
            )
        ):
            out[cid] = {"email": email, "phone": phone, "tags": ""}
        tag_expr = (
            func.group_concat(tags.c.name, "; ")
            if conn.dialect.name == "sqlite"
            else func.string_agg(tags.c.name, "; ")
        )
        for cid, names in conn.execute(
            select(customer_tags.c.customer_id, tag_expr)
            .join(tags, tags.c.id == customer_tags.c.tag_id)
            .where(customer_tags.c.customer_id.in_(chunk))
            .group_by(customer_tags.c.customer_id)
        ):
            out[cid]["tags"] = names
    return out


def export_customers(conn: Connection, rows: Iterable[Mapping[str, Any]], fmt: str) -> bytes:
    """``rows`` (as the query language returns them) with contacts and tags, as CSV or XLSX."""
    frame = pd.DataFrame([dict(r) for r in rows])
    if frame.empty:
        frame = pd.DataFrame(columns=["id", *EXPORT_COLUMNS])
    extra = _contacts(conn, [int(i) for i in frame["id"]])
    for col in ("email", "phone", "tags"):
        frame[col] = [extra.get(int(i), {}).get(col) for i in frame["id"]]
    for col in EXPORT_COLUMNS:
        if col not in frame:
            frame[col] = None
    frame = frame[EXPORT_COLUMNS]
    buf = io.BytesIO()
    if fmt == "csv":
        frame.to_csv(buf, index=False, encoding="utf-8")
    elif fmt == "xlsx":
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name="customers")
    else:
        raise ValueError(f"unknown export format {fmt!r}; use csv or xlsx")
    return buf.getvalue()
