"""Sales lines → orders, order lines, and (on request) products and customers.

The file is read in chunks; each chunk is checked, its customers, products and orders are looked
up by their distinct keys, and its lines go straight into ``order_lines`` (see ``orders.py`` for
how an order already stored is replaced by the file's lines, and ``references.py`` for customers
and products). Everything happens in the import's one transaction, so a bad row anywhere changes
nothing; memory holds one chunk at a time.

Example::

    import_sales(run, open_table(Path("sales.csv")), create_customers=False, amount_from=None,
                 chunk=50_000)
"""

from __future__ import annotations

from typing import cast

import pandas as pd
from sqlalchemy import String

from storage.importing.common import ManagerNames, Run, require_columns
from storage.importing.errors import ImportFailed, RowError
from storage.importing.orders import OrderBook
from storage.importing.reading import Table, normalise_name
from storage.importing.references import CustomerRefs, ProductRefs
from storage.importing.values import normalise_ids, parse_days, parse_floats
from storage.schema import customers

__all__ = ["import_sales", "CUSTOMER_ATTRIBUTES"]

REQUIRED = ("order_id", "customer_id", "date", "sku", "quantity", "amount")
# Customer columns a flat sales export may carry (used with --create-customers).
CUSTOMER_ATTRIBUTES = ("name", "city", "region", "country", "industry", "email", "phone")
_DATE = "a date (2026-03-01 or 01.03.2026)"


def import_sales(
    run: Run, table: Table, *, create_customers: bool, amount_from: str | None, chunk: int
) -> None:
    factor = normalise_name(amount_from) if amount_from else None
    if factor and factor not in table.columns:
        raise ImportFailed(str(table.path), [RowError(1, factor, f"--amount-from {amount_from}: no such column")],
                           hint=f"The columns are {', '.join(table.labels.values())}")  # fmt: skip
    require_columns(table, [c for c in REQUIRED if not (c == "amount" and factor)], "sales")
    attrs = [c for c in CUSTOMER_ATTRIBUTES if create_customers and c in table.columns]
    managers = ManagerNames(run) if create_customers and "manager" in table.columns else None
    has_names = "product_name" in table.columns
    people = CustomerRefs(
        run, create=create_customers, attrs=attrs + (["manager_id"] if managers else [])
    )
    goods = ProductRefs(run, has_names=has_names)
    book = OrderBook(run)
    for df in table.chunks(chunk):
        frame = _checked(run, df, factor, attrs, has_names)
        if managers is not None:
            frame["manager_id"] = managers.ids(df["manager"][frame.index])
        frame["customer_id"] = people.ids(frame)
        frame["product_id"] = goods.ids(frame)
        if not run.errors:  # after the first bad row only checking goes on; nothing is kept
            book.write(frame[(frame["customer_id"] >= 0) & (frame["product_id"] >= 0)])
        run.advance(df)
    people.finish()
    goods.finish()
    run.check("Nothing was written")
    book.finish()


def _checked(
    run: Run, df: pd.DataFrame, factor: str | None, attrs: list[str], has_names: bool
) -> pd.DataFrame:
    """The chunk's readable lines, typed; every unreadable cell is recorded as a row error."""
    bad = run.required(df, "order_id") | run.required(df, "customer_id") | run.required(df, "sku")
    bad |= run.required(df, "date") | run.required(df, "quantity")
    days = run.convert(df, "date", parse_days, _DATE)
    quantity = run.convert(df, "quantity", parse_floats, "a number")
    if factor:
        bad |= run.required(df, factor)
        amount = (quantity * run.convert(df, factor, parse_floats, "a number")).round(6)
    else:
        bad |= run.required(df, "amount")
        amount = run.convert(df, "amount", parse_floats, "a number")
    frame = {"order_no": normalise_ids(df["order_id"]), "external_id": normalise_ids(df["customer_id"]),
             "date": days, "sku": normalise_ids(df["sku"]), "quantity": quantity, "amount": amount}  # fmt: skip
    if has_names:
        frame["product_name"] = run.text(df, "product_name", 300)
    for a in attrs:
        frame[a] = run.text(df, a, cast(String, customers.c[a].type).length)
    keep = ~(bad | days.isna() | quantity.isna() | amount.isna()).to_numpy(dtype=bool)
    return pd.DataFrame(frame, index=df.index)[keep] if not keep.all() else pd.DataFrame(frame)
