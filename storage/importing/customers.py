"""Customers: the canonical columns, tags (``;``-separated), managers by name (unknown ones are
created), and every other column as a typed custom property.

A new property's type is inferred from all its values in the file (number, date, yes/no, text;
a first pass reads only those columns); a known property keeps its stored type. Empty cells keep
what is stored.

Example::

    import_customers(run, open_table(Path("customers.csv")), chunk=50_000)
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Boolean, Column, Date, Float, Integer, String, literal, select
from sqlalchemy import Table as SqlTable

from storage.bulk import MergeCounts, insert_rows, merge_select, temp_table
from storage.contacts import normalise_phone
from storage.importing.audit import audit_customer_changes, touch_audited
from storage.importing.common import ManagerNames, Run, TagNames, require_columns
from storage.importing.reading import Table
from storage.importing.values import (
    combine_types,
    infer_type,
    normalise_ids,
    parse_dates,
    parse_numbers,
    parse_yesno,
)
from storage.schema import (
    RATINGS,
    STATUSES,
    customer_properties,
    customer_tags,
    customers,
    property_definitions,
)

__all__ = ["import_customers", "CUSTOMER_COLUMNS"]

CUSTOMER_COLUMNS = ("external_id", "name", "city", "region", "country", "industry", "manager",
                    "email", "phone", "status", "rating", "tags", "created_at")  # fmt: skip
_TEXT = ("name", "city", "region", "country", "industry", "email", "phone")
_VALUE = {"number": ("number_value", parse_numbers, "a number"), "date": ("date_value", parse_dates, "a date"),
          "yesno": ("bool_value", parse_yesno, "yes or no"), "text": ("text_value", None, "text")}  # fmt: skip


def _property_types(
    run: Run, table: Table, extra: list[str], chunk: int
) -> dict[str, tuple[int, str]]:
    """Property name → (id, type), defining the new ones from their values."""
    known = {n: (i, t) for i, n, t in run.conn.execute(
        select(property_definitions.c.id, property_definitions.c.name, property_definitions.c.type))}  # fmt: skip
    new = [c for c in extra if c not in known]
    if new:
        types: dict[str, str | None] = dict.fromkeys(new)
        for df in table.chunks(chunk):
            for c in new:
                types[c] = combine_types(types[c], infer_type(df[c]))
        rows = [(c, table.labels[c], types[c] or "text") for c in new]
        insert_rows(run.conn, property_definitions, ["name", "label", "type"], rows)
        run.count("property_definitions", MergeCounts(created=len(rows)))
        known.update({n: (i, t) for i, n, t in run.conn.execute(
            select(property_definitions.c.id, property_definitions.c.name, property_definitions.c.type)
            .where(property_definitions.c.name.in_(new)))})  # fmt: skip
    return {c: known[c] for c in extra}


def import_customers(run: Run, table: Table, *, chunk: int) -> None:
    require_columns(table, ["external_id", "name"], "customers")
    present = [c for c in CUSTOMER_COLUMNS if c in table.columns]
    extra = [c for c in table.columns if c not in CUSTOMER_COLUMNS]
    props = _property_types(run, table, extra, chunk)
    fields = (
        [c for c in present if c not in ("manager", "tags")]
        + (["manager_id"] if "manager" in present else [])
        + (["phone_e164"] if "phone" in present else [])
    )
    stage = temp_table(run.conn, [
        Column("line", Integer, primary_key=True), *(Column(c, String(320)) for c in _TEXT),
        Column("external_id", String(64)), Column("status", String(10)), Column("rating", String(1)),
        Column("created_at", Date), Column("manager_id", Integer), Column("phone_e164", String(16)),
    ], index=[["external_id"]])  # fmt: skip
    pstage = temp_table(run.conn, [
        Column("external_id", String(64)), Column("property_id", Integer), Column("number_value", Float),
        Column("date_value", Date), Column("bool_value", Boolean), Column("text_value", String(500)),
    ])  # fmt: skip
    tstage = temp_table(run.conn, [Column("external_id", String(64)), Column("tag_id", Integer)])
    managers = ManagerNames(run) if "manager" in present else None
    tag_names = TagNames(run) if "tags" in present else None
    for df in table.chunks(chunk):
        bad = run.required(df, "external_id") | run.required(df, "name")
        ids = normalise_ids(run.text(df, "external_id", 64).fillna(""))
        frame = {"line": df.index.to_series(), "external_id": ids}
        frame.update(
            {
                c: run.text(df, c, cast(String, customers.c[c].type).length)
                for c in _TEXT
                if c in present
            }
        )
        if "status" in present:
            frame["status"] = run.choice(df, "status", STATUSES)
        if "rating" in present:
            frame["rating"] = run.choice(df, "rating", RATINGS, upper=True)
        if "created_at" in present:
            frame["created_at"] = run.convert(
                df, "created_at", parse_dates, "a date (2026-03-01 or 01.03.2026)"
            )
        if managers is not None:
            frame["manager_id"] = managers.ids(df["manager"])
        if "phone" in frame:  # normalised beside the phone as written (storage/contacts.py)
            frame["phone_e164"] = frame["phone"].map(lambda p: normalise_phone(p, run.phone_region))
        run.stage(stage, frame, ~bad)
        for name, (pid, kind) in props.items():
            column, parse, what = _VALUE[kind]
            values = (
                run.text(df, name, 500) if parse is None else run.convert(df, name, parse, what)
            )
            keep = ~bad & values.notna()
            run.stage(
                pstage, {"external_id": ids, "property_id": [pid] * len(df), column: values}, keep
            )
        if tag_names is not None:
            pairs = [(e, t.strip().lower()) for e, cell in zip(ids[~bad], df["tags"][~bad], strict=True)
                     for t in cell.split(";") if t.strip()]  # fmt: skip
            known = tag_names.resolve(t for _, t in pairs)
            insert_rows(
                run.conn, tstage, ["external_id", "tag_id"], [(e, known[t]) for e, t in pairs]
            )
        run.advance(df)
    _check_duplicates(run, stage)
    run.check("Nothing was written")
    batch = audit_customer_changes(run, stage, tstage, present)  # before the merge: "before"
    source = select(
        *(stage.c[c] for c in ["external_id", *[f for f in fields if f != "external_id"]])
    )
    run.count("customers", merge_select(run.conn, customers, source, key=["external_id"], insert_defaults={
        "status": lambda s: literal("active"), "created_at": lambda s: literal(run.today, Date)}))  # fmt: skip
    _merge_children(run, pstage, tstage)
    touch_audited(run, batch)
    for t in (stage, pstage, tstage):
        t.drop(run.conn)


def _check_duplicates(run: Run, stage: SqlTable) -> None:
    other = stage.alias("other")
    dup = select(stage.c.line, stage.c.external_id).where(
        select(other.c.line)
        .where(other.c.external_id == stage.c.external_id, other.c.line < stage.c.line)
        .exists()
    )
    run.reference_errors(dup, "external_id", lambda v: f"{v!r} appears on an earlier line too")


def _merge_children(run: Run, pstage: SqlTable, tstage: SqlTable) -> None:
    values = ("number_value", "date_value", "bool_value", "text_value")
    source = select(customers.c.id.label("customer_id"), pstage.c.property_id, *(pstage.c[v] for v in values)).join(
        customers, customers.c.external_id == pstage.c.external_id)  # fmt: skip
    run.count("customer_properties", merge_select(
        run.conn, customer_properties, source, key=["customer_id", "property_id"]))  # fmt: skip
    source = select(customers.c.id.label("customer_id"), tstage.c.tag_id).distinct().join(
        customers, customers.c.external_id == tstage.c.external_id)  # fmt: skip
    run.count(
        "customer_tags",
        merge_select(run.conn, customer_tags, source, key=["customer_id", "tag_id"], update=[]),
    )
