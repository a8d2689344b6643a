"""The small canonical files: products, managers and interactions.

Example::

    import_products(run, open_table(Path("products.csv")), chunk=50_000)
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    func,
    literal,
    select,
)
from sqlalchemy import Table as SqlTable
from sqlalchemy import exists as sql_exists

from storage.bulk import merge_select, temp_table
from storage.importing.common import ManagerNames, Run, require_columns, surname_of
from storage.importing.reading import Table
from storage.importing.values import normalise_ids, parse_datetimes, parse_numbers
from storage.schema import ROLES, customers, interactions, managers, products

__all__ = ["import_products", "import_managers", "import_interactions"]


def _duplicates(run: Run, stage: SqlTable, key: str, column: str) -> None:
    other = stage.alias("other")
    dup = select(stage.c.line, stage.c[key]).where(
        select(other.c.line)
        .where(other.c[key] == stage.c[key], other.c.line < stage.c.line)
        .exists()
    )
    run.reference_errors(dup, column, lambda v: f"{v!r} appears on an earlier line too")


def import_products(run: Run, table: Table, *, chunk: int) -> None:
    require_columns(table, ["sku", "name"], "products")
    stage = temp_table(run.conn, [Column("line", Integer, primary_key=True), Column("sku", String(64)),
                                  Column("name", String(300)), Column("category", String(120)),
                                  Column("price", Float)], index=[["sku"]])  # fmt: skip
    for df in table.chunks(chunk):
        bad = run.required(df, "sku") | run.required(df, "name")
        frame = {"line": df.index.to_series(), "sku": normalise_ids(run.text(df, "sku", 64).fillna("")),
                 "name": run.text(df, "name", 300)}  # fmt: skip
        if "category" in table.columns:
            frame["category"] = run.text(df, "category", 120)
        if "price" in table.columns:
            frame["price"] = run.convert(df, "price", parse_numbers, "a number")
        run.stage(stage, frame, ~bad)
        run.advance(df)
    _duplicates(run, stage, "sku", "sku")
    run.check("Nothing was written")
    cols = ["sku", "name"] + [c for c in ("category", "price") if c in table.columns]
    run.count(
        "products",
        merge_select(run.conn, products, select(*(stage.c[c] for c in cols)), key=["sku"]),
    )
    stage.drop(run.conn)


def _telegram_ids(run: Run, df: pd.DataFrame) -> pd.Series:
    cells = normalise_ids(df["telegram_id"])
    ok = cells.str.fullmatch(r"-?\d{1,18}")
    for line, cell in cells[(cells != "") & ~ok].items():
        run.errors.add(int(line), "telegram_id", f"{cell!r} is not a Telegram user id (a number)")
    ids = [int(c) if good else None for c, good in zip(cells, ok, strict=True)]
    return pd.Series(ids, index=cells.index, dtype=object)


def import_managers(run: Run, table: Table, *, chunk: int) -> None:
    require_columns(table, ["name"], "managers")
    stage = temp_table(run.conn, [
        Column("line", Integer, primary_key=True), Column("name", String(200)), Column("surname", String(100)),
        Column("email", String(320)), Column("role", String(10)), Column("telegram_id", BigInteger),
        Column("slack_team_id", String(32)), Column("slack_user_id", String(32)),
    ], index=[["name"]])  # fmt: skip
    has = set(table.columns)
    for df in table.chunks(chunk):
        bad = run.required(df, "name")
        names = run.text(df, "name", 200).map(lambda n: " ".join(n.split()) if n else None)
        frame = {
            "line": df.index.to_series(),
            "name": names,
            "surname": names.map(lambda n: surname_of(n) if n else None),
        }
        if "email" in has:
            frame["email"] = run.text(df, "email", 320)
        if "role" in has:
            frame["role"] = run.choice(df, "role", ROLES)
        if "telegram_id" in has:
            frame["telegram_id"] = _telegram_ids(run, df)
        if "slack_id" in has:
            parts = run.text(df, "slack_id", 65).fillna("").str.rpartition(":")
            frame["slack_team_id"] = parts[0].where(parts[0] != "", None)
            frame["slack_user_id"] = parts[2].where(parts[2] != "", None)
        run.stage(stage, frame, ~bad)
        run.advance(df)
    _duplicates(run, stage, "name", "name")
    run.check("Nothing was written")
    cols = ["name", "surname"] + [c for c in ("email", "role") if c in has]
    cols += (["telegram_id"] if "telegram_id" in has else []) + (
        ["slack_team_id", "slack_user_id"] if "slack_id" in has else []
    )
    run.count("managers", merge_select(run.conn, managers, select(*(stage.c[c] for c in cols)), key=["name"],
                                       insert_defaults={"role": lambda s: literal("rep")}))  # fmt: skip
    stage.drop(run.conn)


def import_interactions(run: Run, table: Table, *, chunk: int) -> None:
    require_columns(table, ["customer_id", "date", "kind"], "interactions")
    stage = temp_table(run.conn, [
        Column("line", Integer, primary_key=True), Column("external_id", String(64)), Column("date", DateTime),
        Column("kind", String(40)), Column("manager_id", Integer), Column("note", Text),
    ])  # fmt: skip
    names = ManagerNames(run) if "manager" in table.columns else None
    for df in table.chunks(chunk):
        bad = run.required(df, "customer_id") | run.required(df, "date") | run.required(df, "kind")
        dates = run.convert(
            df, "date", parse_datetimes, "a date (2026-03-01, 2026-03-01 08:26 or 01.03.2026)"
        )
        frame = {"line": df.index.to_series(), "external_id": normalise_ids(df["customer_id"]), "date": dates,
                 "kind": run.text(df, "kind", 40).str.lower(),
                 "note": df["note"] if "note" in table.columns else [""] * len(df)}  # fmt: skip
        if names is not None:
            frame["manager_id"] = names.ids(df["manager"])
        run.stage(stage, frame, ~bad & dates.notna())
        run.advance(df)
    unknown = select(stage.c.line, stage.c.external_id).where(
        ~sql_exists().where(customers.c.external_id == stage.c.external_id))  # fmt: skip
    run.reference_errors(
        unknown,
        "customer_id",
        lambda v: f"no customer with external_id {v!r} (import customers first)",
    )
    run.check("Nothing was written")
    key = [customers.c.id.label("customer_id"), stage.c.date, stage.c.kind, stage.c.note]
    source = (select(*key, func.max(stage.c.manager_id).label("manager_id"))
              .join(customers, customers.c.external_id == stage.c.external_id)
              .group_by(customers.c.id, stage.c.date, stage.c.kind, stage.c.note))  # fmt: skip
    run.count(
        "interactions",
        merge_select(run.conn, interactions, source, key=["customer_id", "date", "kind", "note"]),
    )
    stage.drop(run.conn)
