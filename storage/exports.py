"""Exports: every matching customer (not a page) as CSV or XLSX, with the columns a rep wants.

Example::

    data = export_customers(conn, rows, "xlsx")   # bytes of a workbook
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select

from storage.schema import (
    customer_properties,
    customer_tags,
    customers,
    property_definitions,
    tags,
)

__all__ = ["export_customers", "export_groups", "export_compare", "EXPORT_COLUMNS", "MIME"]

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


def _properties(conn: Connection, ids: list[int]) -> tuple[list[str], dict[int, dict[str, Any]]]:
    """Every custom property's label (all of them, in label order, so that the columns are the
    same whatever matched) and each customer's values: yes/no for yes-no properties."""
    labels = list(
        conn.execute(select(property_definitions.c.label).order_by(property_definitions.c.label))
        .scalars()
        .all()
    )
    values: dict[int, dict[str, Any]] = {}
    pd_, cp = property_definitions.c, customer_properties.c
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for cid, label, typ, num, day, flag, text in conn.execute(
            select(cp.customer_id, pd_.label, pd_.type, cp.number_value, cp.date_value)
            .add_columns(cp.bool_value, cp.text_value)
            .join(property_definitions, pd_.id == cp.property_id)
            .where(cp.customer_id.in_(chunk))
        ):
            value = {"number": num, "date": day, "text": text}.get(typ)
            if typ == "yesno":
                value = None if flag is None else ("yes" if flag else "no")
            elif typ == "number" and value is not None and float(value).is_integer():
                value = int(value)
            values.setdefault(cid, {})[label] = value
    return labels, values


def _write(frame: pd.DataFrame, fmt: str, sheet: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "csv":
        frame.to_csv(buf, index=False, encoding="utf-8")
    elif fmt == "xlsx":
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name=sheet)
    else:
        raise ValueError(f"unknown export format {fmt!r}; use csv or xlsx")
    return buf.getvalue()


def export_groups(
    groups: Iterable[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]],
    fmt: str,
    sheet: str = "groups",
) -> bytes:
    """A grouped answer as CSV or XLSX, in the answer's order: ``columns`` are (title, key) pairs
    as the answer's table names them in the reader's language (``("city", "key")``,
    ``("customers", "count")``, ``("average order value", "value")`` …), the values unformatted."""
    frame = pd.DataFrame(
        [tuple(g.get(key) for _title, key in columns) for g in groups],
        columns=[title for title, _key in columns],
    )
    return _write(frame, fmt, sheet)


def export_compare(
    groups: Iterable[Mapping[str, Any]], key: str, first: Any, second: Any, fmt: str
) -> bytes:
    """A vs answer as CSV or XLSX: the group, the measure in each period (columns named by
    their dates, ``2026-10-01..2026-11-22``), the change and the change in per cent."""

    def name(p: Any) -> str:
        return f"{p.start.isoformat() if p.start else ''}..{p.end.isoformat() if p.end else ''}"

    columns = [key, name(first), name(second), "change", "change_pct"]
    rows = [(g["key"], g["first"], g["second"], g["change"], g["pct"]) for g in groups]
    return _write(pd.DataFrame(rows, columns=columns), fmt, "compare")


def export_customers(
    conn: Connection,
    rows: Iterable[Mapping[str, Any]],
    fmt: str,
    title: Callable[[str], str] = str,
) -> bytes:
    """``rows`` (as the query language returns them) with contacts, tags and every custom
    property (one column each, after the standard columns), as CSV or XLSX; ``title`` names the
    standard columns in the reader's language (custom properties keep their labels)."""
    frame = pd.DataFrame([dict(r) for r in rows])
    if frame.empty:
        frame = pd.DataFrame(columns=["id", *EXPORT_COLUMNS])
    extra = _contacts(conn, [int(i) for i in frame["id"]])
    for col in ("email", "phone", "tags"):
        frame[col] = [extra.get(int(i), {}).get(col) for i in frame["id"]]
    for col in EXPORT_COLUMNS:
        if col not in frame:
            frame[col] = None
    labels, props = _properties(conn, [int(i) for i in frame["id"]])
    labels = [label for label in labels if label not in EXPORT_COLUMNS]
    for label in labels:
        values = [props.get(int(i), {}).get(label) for i in frame["id"]]
        frame[label] = pd.Series(values, index=frame.index, dtype=object)  # 65 stays 65
    frame = frame[[*EXPORT_COLUMNS, *labels]]
    titled = frame.rename(columns={c: title(c) for c in EXPORT_COLUMNS})
    return _write(titled, fmt, title("customers"))
