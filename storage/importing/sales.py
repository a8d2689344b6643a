"""Sales lines → orders, order lines, and (on request) products and customers.

The file is read in chunks into a staging table inside the import's transaction; orders,
order lines, unknown products and (with ``--create-customers``) customers are then merged with a
few set-based statements. An order's lines are numbered in file order, so a re-import of the
same file finds every line again and changes nothing.

Example::

    import_sales(run, open_table(Path("sales.csv")), create_customers=False, amount_from=None)
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, Integer, String, func, select
from sqlalchemy import exists as sql_exists

from storage.bulk import merge_select, temp_table
from storage.importing.common import ManagerNames, Run, require_columns
from storage.importing.errors import ImportFailed, RowError
from storage.importing.reading import Table
from storage.importing.values import normalise_ids, parse_dates, parse_numbers
from storage.schema import customers, order_lines, orders, products

__all__ = ["import_sales", "CUSTOMER_ATTRIBUTES"]

REQUIRED = ("order_id", "customer_id", "date", "sku", "quantity", "amount")
# Customer columns a flat sales export may carry (used with --create-customers).
CUSTOMER_ATTRIBUTES = ("name", "city", "region", "country", "industry", "email", "phone")


def import_sales(
    run: Run, table: Table, *, create_customers: bool, amount_from: str | None, chunk: int
) -> None:
    factor = None
    if amount_from:
        from storage.importing.reading import normalise_name

        factor = normalise_name(amount_from)
        if factor not in table.columns:
            raise ImportFailed(str(table.path), [RowError(1, factor, f"--amount-from {amount_from}: no such column")],
                               hint=f"The columns are {', '.join(table.labels.values())}")  # fmt: skip
    require_columns(table, [c for c in REQUIRED if not (c == "amount" and factor)], "sales")
    attrs = [c for c in CUSTOMER_ATTRIBUTES if create_customers and c in table.columns]
    with_manager = create_customers and "manager" in table.columns
    has_names = "product_name" in table.columns
    stage = temp_table(run.conn, [
        Column("line", Integer, primary_key=True), Column("order_no", String(64)), Column("external_id", String(64)),
        Column("date", Date), Column("sku", String(64)), Column("product_name", String(300)),
        Column("quantity", Float), Column("amount", Float), Column("manager_id", Integer),
        *(Column(a, String(320)) for a in attrs),
    ])  # fmt: skip
    names = ManagerNames(run) if with_manager else None
    for df in table.chunks(chunk):
        bad = (
            run.required(df, "order_id") | run.required(df, "customer_id") | run.required(df, "sku")
        )
        bad |= run.required(df, "date") | run.required(df, "quantity")
        dates = run.convert(df, "date", parse_dates, "a date (2026-03-01 or 01.03.2026)")
        quantity = run.convert(df, "quantity", parse_numbers, "a number")
        if factor:
            price = run.convert(df, factor, parse_numbers, "a number")
            product = (quantity.astype(float) * price.astype(float)).round(6)
            amount = product.astype(object).where(product.notna(), None)
            bad |= run.required(df, factor)
        else:
            bad |= run.required(df, "amount")
            amount = run.convert(df, "amount", parse_numbers, "a number")
        bad |= dates.isna() | quantity.isna() | amount.isna()
        frame = {
            "line": df.index.to_series(), "order_no": normalise_ids(df["order_id"]),
            "external_id": normalise_ids(df["customer_id"]), "date": dates,
            "sku": normalise_ids(df["sku"]), "quantity": quantity, "amount": amount,
        }  # fmt: skip
        if has_names:
            frame["product_name"] = run.text(df, "product_name", 300)
        if names is not None:
            frame["manager_id"] = names.ids(df["manager"])
        for a in attrs:
            frame[a] = run.text(df, a, customers.c[a].type.length)
        run.stage(stage, frame, ~bad)
        run.advance(df)
    _check_references(run, stage, create_customers, has_names)
    run.check("Nothing was written")
    if create_customers:
        _merge_customers(run, stage, attrs + (["manager_id"] if with_manager else []))
    _merge_products(run, stage)
    _merge_orders(run, stage)
    stage.drop(run.conn)


def _check_references(run: Run, stage, create_customers: bool, has_names: bool) -> None:  # type: ignore[no-untyped-def]
    if not create_customers:
        unknown = select(stage.c.line, stage.c.external_id).where(
            ~sql_exists().where(customers.c.external_id == stage.c.external_id)
        )
        run.reference_errors(unknown, "customer_id", lambda v: f"no customer with external_id {v!r} "
                             "(import customers first, or use --create-customers)")  # fmt: skip
    named = select(stage.c.sku).where(stage.c.product_name.is_not(None))
    unknown_sku = select(stage.c.line, stage.c.sku).where(
        ~sql_exists().where(products.c.sku == stage.c.sku), stage.c.sku.not_in(named)
    )
    hint = (
        "import products first, or add a product_name column"
        if not has_names
        else "give its product_name"
    )
    run.reference_errors(unknown_sku, "sku", lambda v: f"no product with sku {v!r} ({hint})")


def _merge_customers(run: Run, stage, attrs: list[str]) -> None:  # type: ignore[no-untyped-def]
    source = select(
        stage.c.external_id, *(func.max(stage.c[a]).label(a) for a in attrs),
        func.min(stage.c.date).label("created_at"),
    ).group_by(stage.c.external_id)  # fmt: skip
    run.count("customers", merge_select(
        run.conn, customers, source, key=["external_id"], update=attrs,
        insert_defaults={"name": lambda s: s.c.external_id},
    ))  # fmt: skip


def _merge_products(run: Run, stage) -> None:  # type: ignore[no-untyped-def]
    named = (
        select(
            stage.c.sku,
            stage.c.product_name,
            func.count().label("n"),
            func.min(stage.c.line).label("first"),
        )
        .where(stage.c.product_name.is_not(None))
        .group_by(stage.c.sku, stage.c.product_name)
        .subquery()
    )
    rank = func.row_number().over(
        partition_by=named.c.sku, order_by=(named.c.n.desc(), named.c.first)
    )
    ranked = select(named.c.sku, named.c.product_name, rank.label("rank")).subquery()
    source = select(ranked.c.sku, ranked.c.product_name.label("name")).where(ranked.c.rank == 1)
    run.count("products", merge_select(run.conn, products, source, key=["sku"], update=[]))


def _merge_orders(run: Run, stage) -> None:  # type: ignore[no-untyped-def]
    first = (
        select(stage.c.order_no, func.min(stage.c.line).label("line"))
        .group_by(stage.c.order_no)
        .subquery()
    )
    source = (
        select(stage.c.order_no, customers.c.id.label("customer_id"), stage.c.date)
        .join(first, first.c.line == stage.c.line)
        .join(customers, customers.c.external_id == stage.c.external_id)
    )
    run.count(
        "orders", merge_select(run.conn, orders, source, key=["order_no"], keep_on_null=False)
    )
    line_no = func.row_number().over(partition_by=stage.c.order_no, order_by=stage.c.line)
    source = (
        select(
            orders.c.id.label("order_id"),
            line_no.label("line_no"),
            products.c.id.label("product_id"),
            stage.c.quantity,
            stage.c.amount,
        )  # fmt: skip
        .join(orders, orders.c.order_no == stage.c.order_no)
        .join(products, products.c.sku == stage.c.sku)
    )
    run.count(
        "order_lines",
        merge_select(
            run.conn, order_lines, source, key=["order_id", "line_no"], keep_on_null=False
        ),
    )
