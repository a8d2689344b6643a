"""Customers (custom properties, tags, managers), products, managers, interactions, XLSX, --map."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from storage.imports import ImportFailed, import_file
from storage.schema import (
    customer_properties,
    customer_tags,
    customers,
    interactions,
    managers,
    products,
    property_definitions,
    tags,
)
from tests.storage._import_helpers import count, snapshot, write

TODAY = date(2026, 11, 22)
CUSTOMERS = """
External_ID,Name,City,Employees,Founded,VIP,Notes,Manager,Tags,Status,Rating,created_at
1001.0,Acme Tools,Moscow,120,01.02.2001,yes,likes drills,Ivan Petrov,VIP; wholesale,active,a,2026-01-15
1002,Globex,Kazan,"1 500",2010-05-06,no,,Petrov,wholesale,check,,
1003,Initech,,7,,,late payer,Anna Sidorova,,,C,15.03.2025
"""


def _props(engine: Engine) -> dict[tuple[str, str], object]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(customers.c.external_id, property_definitions.c.name, property_definitions.c.type,
                   customer_properties.c.number_value, customer_properties.c.date_value,
                   customer_properties.c.bool_value, customer_properties.c.text_value)
            .join(customer_properties, customer_properties.c.customer_id == customers.c.id)
            .join(property_definitions, property_definitions.c.id == customer_properties.c.property_id)
        ).all()  # fmt: skip
    column = {"number": 3, "date": 4, "yesno": 5, "text": 6}
    return {(r[0], r[1]): r[column[r[2]]] for r in rows}


def test_customers_with_properties_tags_and_managers(engine: Engine, tmp_path: Path) -> None:
    report = import_file(
        engine, "customers", write(tmp_path / "customers.csv", CUSTOMERS), today=TODAY
    )
    assert report.tables["customers"].created == 3
    with engine.connect() as conn:
        types = dict(
            conn.execute(select(property_definitions.c.name, property_definitions.c.type)).all()
        )
        labels = set(conn.execute(select(property_definitions.c.label)).scalars())
        people = conn.execute(
            select(managers.c.name, managers.c.surname).order_by(managers.c.name)
        ).all()
        rows = {
            r.external_id: r
            for r in conn.execute(
                select(customers, managers.c.surname).join(
                    managers, managers.c.id == customers.c.manager_id
                )
            )
        }
        tagged = conn.execute(
            select(customers.c.external_id, tags.c.name).join(customer_tags, customer_tags.c.customer_id == customers.c.id).join(tags, tags.c.id == customer_tags.c.tag_id).order_by(customers.c.external_id, tags.c.name)
        ).all()  # fmt: skip
    assert types == {"employees": "number", "founded": "date", "vip": "yesno", "notes": "text"}
    assert labels == {"Employees", "Founded", "VIP", "Notes"}
    assert [tuple(p) for p in people] == [("Anna Sidorova", "Sidorova"), ("Ivan Petrov", "Petrov")]
    assert (
        rows["1001"].surname == rows["1002"].surname == "Petrov"
    )  # a surname names a known manager
    assert (rows["1001"].rating, rows["1001"].created_at) == ("A", date(2026, 1, 15))
    assert (rows["1002"].status, rows["1002"].created_at) == ("check", TODAY)
    assert (rows["1003"].status, rows["1003"].city, rows["1003"].created_at) == (
        "active",
        None,
        date(2025, 3, 15),
    )
    assert [tuple(t) for t in tagged] == [
        ("1001", "vip"),
        ("1001", "wholesale"),
        ("1002", "wholesale"),
    ]
    props = _props(engine)
    assert props[("1001", "employees")] == 120 and props[("1002", "employees")] == 1500
    assert props[("1001", "founded")] == date(2001, 2, 1)
    assert props[("1001", "vip")] is True and props[("1002", "vip")] is False
    assert props[("1003", "notes")] == "late payer" and ("1002", "notes") not in props


def test_customers_reimport_changes_nothing_and_updates_what_changed(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path / "customers.csv", CUSTOMERS)
    import_file(engine, "customers", path, today=TODAY)
    before = snapshot(engine)
    again = import_file(engine, "customers", path, today=date(2027, 1, 1))
    assert not again.changed and snapshot(engine) == before
    edited = write(
        tmp_path / "c2.csv",
        "external_id,name,city,employees\n1001,Acme Tools,Tver,130\n1002,Globex,,\n",
    )
    report = import_file(engine, "customers", edited, today=TODAY)
    assert (report.tables["customers"].updated, report.tables["customers"].unchanged) == (1, 1)
    assert report.tables["customer_properties"].updated == 1
    with engine.connect() as conn:
        cities = dict(conn.execute(select(customers.c.external_id, customers.c.city)).all())
    assert cities == {
        "1001": "Tver",
        "1002": "Kazan",
        "1003": None,
    }  # empty cells keep what is stored
    assert _props(engine)[("1001", "employees")] == 130


def test_bad_customer_rows_change_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        """
external_id,name,status,rating,created_at
1,Acme,active,A,2026-01-01
2,,active,B,2026-01-01
3,Initech,sleeping,A,2026-01-01
4,Hooli,active,Z,yesterday
1,Acme again,active,A,2026-01-01
""",
    )
    with pytest.raises(ImportFailed) as err:
        import_file(engine, "customers", path)
    assert [(e.line, e.column) for e in err.value.errors] == [
        (3, "name"), (4, "status"), (5, "created_at"), (5, "rating"), (6, "external_id"),
    ]  # fmt: skip
    assert count(engine, "customers") == 0 and count(engine, "property_definitions") == 0


def test_xlsx_customers(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "customers.xlsx"
    pd.DataFrame({
        "External ID": [17850.0, 17851.0], "Name": ["Acme", "Globex"], "Employees": [12, 7.5],
        "Since": [pd.Timestamp("2024-02-03"), pd.Timestamp("2023-01-01")], "Tags": ["vip", None],
    }).to_excel(path, index=False)  # fmt: skip
    import_file(engine, "customers", path)
    with engine.connect() as conn:
        assert set(conn.execute(select(customers.c.external_id)).scalars()) == {"17850", "17851"}
        types = dict(
            conn.execute(select(property_definitions.c.name, property_definitions.c.type)).all()
        )
    assert types == {"employees": "number", "since": "date"}
    props = _props(engine)
    assert props[("17851", "employees")] == 7.5 and props[("17850", "since")] == date(2024, 2, 3)
    assert not import_file(engine, "customers", path).changed


def test_mapping_renames_columns_case_insensitively(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "Artikel;Bezeichnung;Preis\nD1;Drill;1 234,50\n")
    import_file(
        engine,
        "products",
        path,
        mapping={"artikel": "SKU", "BEZEICHNUNG": "name", "Preis": "price"},
    )
    with engine.connect() as conn:
        assert conn.execute(select(products.c.sku, products.c.name, products.c.price)).one() == (
            "D1",
            "Drill",
            1234.5,
        )
    with pytest.raises(ImportFailed, match="no column 'Nummer'"):
        import_file(engine, "products", path, mapping={"Nummer": "sku"})
    with pytest.raises(ImportFailed, match="Rename with --map"):
        import_file(engine, "products", path)


def test_products_upsert_and_duplicates(engine: Engine, tmp_path: Path) -> None:
    import_file(
        engine,
        "products",
        write(tmp_path / "p.csv", "sku,name,category,price\nD1,Drill,Tools,10\nS1,Saw,Tools,5\n"),
    )
    report = import_file(
        engine, "products", write(tmp_path / "p.csv", "sku,name,price\nD1,Drill Pro,12\nS1,Saw,5\n")
    )
    assert (report.tables["products"].updated, report.tables["products"].unchanged) == (1, 1)
    with engine.connect() as conn:
        assert conn.execute(
            select(products.c.name, products.c.category).where(products.c.sku == "D1")
        ).one() == ("Drill Pro", "Tools")
    with pytest.raises(ImportFailed) as err:
        import_file(engine, "products", write(tmp_path / "p.csv", "sku,name\nX,A\nX,B\n"))
    assert [(e.line, e.column) for e in err.value.errors] == [(3, "sku")]


def test_managers_file(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path / "m.csv",
        """
name,email,role,telegram_id,slack_id
Ivan Petrov,ivan@example.com,manager,123456789,T0123:U0456
Anna  Sidorova,anna@example.com,,987654321.0,U0999
""",
    )
    import_file(engine, "managers", path)
    with engine.connect() as conn:
        rows = conn.execute(
            select(managers.c.name, managers.c.surname, managers.c.role, managers.c.telegram_id,
                   managers.c.slack_team_id, managers.c.slack_user_id).order_by(managers.c.name)
        ).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        ("Anna Sidorova", "Sidorova", "rep", 987654321, None, "U0999"),
        ("Ivan Petrov", "Petrov", "manager", 123456789, "T0123", "U0456"),
    ]
    assert not import_file(engine, "managers", path).changed
    with pytest.raises(ImportFailed) as err:
        import_file(
            engine,
            "managers",
            write(tmp_path / "bad.csv", "name,role,telegram_id\nBob Smith,boss,12ab\n"),
        )
    assert {(e.line, e.column) for e in err.value.errors} == {(2, "role"), (2, "telegram_id")}


def test_interactions_file(engine: Engine, tmp_path: Path) -> None:
    import_file(
        engine,
        "customers",
        write(tmp_path / "c.csv", "external_id,name,manager\n1,Acme,Ivan Petrov\n"),
    )
    path = write(
        tmp_path / "i.csv",
        """
customer_id,date,kind,manager,note
1,2026-03-01 08:26,Complaint,Petrov,late delivery
1,02.03.2026,call,,
1,2026-03-01 08:26,complaint,Petrov,late delivery
""",
    )
    report = import_file(engine, "interactions", path)
    assert report.tables["interactions"].created == 2  # the same interaction twice is one
    with engine.connect() as conn:
        rows = conn.execute(select(interactions.c.kind, interactions.c.date, interactions.c.note, interactions.c.manager_id)
                            .order_by(interactions.c.date)).all()  # fmt: skip
    assert [(r.kind, r.date.isoformat(" ", "minutes"), r.note) for r in rows] == [
        ("complaint", "2026-03-01 08:26", "late delivery"), ("call", "2026-03-02 00:00", "")]  # fmt: skip
    assert rows[0].manager_id is not None and count(engine, "managers") == 1
    assert not import_file(engine, "interactions", path).changed
    with pytest.raises(ImportFailed) as err:
        import_file(
            engine,
            "interactions",
            write(tmp_path / "j.csv", "customer_id,date,kind\n77,2026-03-01,call\n"),
        )
    assert [(e.line, e.column) for e in err.value.errors] == [(2, "customer_id")]


def test_imported_interactions_at_midnight_fall_in_their_own_period(
    engine: Engine, tmp_path: Path
) -> None:
    """A date-only interaction is at midnight: on the period's first day it is in, on the day
    after its last it is out (SQLite compares timestamps as text, so the stored form must be
    the one bound parameters use)."""
    from query_language import CatalogCache, interpret, run_query

    import_file(
        engine,
        "customers",
        write(tmp_path / "c.csv", "external_id,name\nA,Alpha\nB,Bravo\nC,Charlie\n"),
    )
    import_file(
        engine,
        "interactions",
        write(
            tmp_path / "i.csv",
            """
customer_id,date,kind
A,2026-10-01,complaint
B,2026-11-01,complaint
C,2026-09-30 23:59,complaint
""",
        ),
    )
    query = interpret(
        "with complaints last month", CatalogCache(engine).get(), today=TODAY, language="en"
    )
    with engine.connect() as conn:
        names = [r["name"] for r in run_query(conn, query, limit=None).rows]
    assert names == ["Alpha"]
