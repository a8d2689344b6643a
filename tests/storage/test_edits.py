"""One customer edited or created from chat (storage/edits.py, storage/creating.py), found by
email or phone (storage/contacts.py): validation, audit and the exact prior state after undo,
on both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, insert, select

from storage.changes import Actor
from storage.contacts import find_by_contact, normalise_phone
from storage.creating import create_customer, duplicates, find_managers
from storage.edits import EditError, parse_value, resolve_field, set_one
from storage.schema import (
    audit_log,
    batches,
    customer_properties,
    customers,
    managers,
    orders,
    property_definitions,
)
from storage.scope import EVERYONE, CustomerScope
from storage.undo import apply_undo, plan_undo

ALICE = Actor("telegram", "telegram:1", 1, "Petrov (telegram)")


def _seed(conn: Connection) -> None:
    conn.execute(
        insert(managers),
        [
            {"id": 1, "name": "Ivan Petrov", "surname": "Petrov"},
            {"id": 2, "name": "Anna Sidorova", "surname": "Sidorova"},
        ],
    )
    conn.execute(
        insert(customers),
        [
            {"id": 1, "external_id": "c1", "name": "Romashka", "city": "Kazan", "manager_id": 1,
             "email": "Office@Romashka.ru", "phone": "8 912 345-67-89",
             "phone_e164": "+79123456789", "created_at": date(2025, 1, 1)},
            {"id": 2, "external_id": "c2", "name": "Vasilek", "city": None, "manager_id": 2, "phone": None, "phone_e164": None,
             "email": "info@vasilek.ru", "created_at": date(2025, 1, 1)},
        ],
    )  # fmt: skip
    conn.execute(
        insert(property_definitions),
        [
            {"id": 1, "name": "employees", "label": "Employees", "type": "number"},
            {"id": 2, "name": "contract", "label": "Contract", "type": "date"},
        ],
    )
    conn.execute(
        insert(customer_properties).values(customer_id=1, property_id=1, number_value=80.0)
    )
    if conn.dialect.name == "postgresql":  # the ids above were given, not drawn
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('customers', 'id'), 10)")


def _row(conn: Connection, cid: int = 1) -> dict[str, object]:
    c = dict(conn.execute(select(customers).where(customers.c.id == cid)).mappings().one())
    c.pop("updated_at")
    props = conn.execute(
        select(customer_properties).where(customer_properties.c.customer_id == cid)
    ).all()
    return {**c, "props": sorted(tuple(r) for r in props)}


@pytest.mark.parametrize(
    ("field", "text", "error"),
    [
        ("email", "office-at-romashka", "not_email"),
        ("phone", "call me", "not_phone"),
        ("phone", "12", "not_phone"),
        ("employees", "many", "not_number"),
        ("contract", "soon", "not_date"),
        ("city", "x" * 121, "too_long"),
        ("name", "  ", "empty"),
    ],
)
def test_values_are_validated_like_the_import(engine, field: str, text: str, error: str) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _seed(conn)
        f = resolve_field(conn, field)
        with pytest.raises(EditError) as e:
            parse_value(f, text, region="RU")
    assert e.value.kind == error


def test_typed_values(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _seed(conn)
        assert parse_value(resolve_field(conn, "Employees"), "1 200", region="RU") == 1200.0
        assert parse_value(resolve_field(conn, "contract"), "01.03.2027", region="RU") == date(
            2027, 3, 1
        )
        with pytest.raises(EditError) as e:
            resolve_field(conn, "shoe size")
    assert e.value.kind == "unknown_field"


@pytest.mark.parametrize(
    ("field", "text"),
    [("phone", "+7 (912) 000-11-22"), ("email", "sales@romashka.ru"), ("employees", "120"),
     ("contract", "2027-03-01"), ("city", "Samara")],
)  # fmt: skip
def test_edit_is_audited_and_undo_restores_the_exact_prior_state(engine, field, text) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _seed(conn)
        before = _row(conn)
        f = resolve_field(conn, field)
        result = set_one(conn, ALICE, customer_id=1, field=f,
                         value=parse_value(f, text, region="RU"), region="RU")  # fmt: skip
        assert result.batch_id is not None
        audited = conn.execute(
            select(audit_log.c.field, audit_log.c.after).where(
                audit_log.c.batch_id == result.batch_id
            )
        ).all()
        assert f.key in {a for a, _b in audited}
        assert _row(conn) != before
    if field == "phone":
        assert ("phone_e164", "+79120001122") in audited
    with engine.begin() as conn:
        assert plan_undo(conn, result.batch_id).revertible == 1
        apply_undo(conn, result.batch_id, ALICE)
        assert _row(conn) == before


def test_same_value_makes_no_batch(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _seed(conn)
        f = resolve_field(conn, "city")
        assert (
            set_one(conn, ALICE, customer_id=1, field=f, value="Kazan", region="RU").batch_id
            is None
        )
        assert conn.execute(select(batches)).first() is None


def test_create_is_audited_and_undo_deletes_it(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _seed(conn)
        cid, batch = create_customer(
            conn, ALICE, {"name": "Romashka Plus", "city": "Kazan", "phone": "+7 912 111-22-33"},
            manager_id=1, region="RU", today=date(2026, 11, 22),
        )  # fmt: skip
        row = _row(conn, cid)
        assert (row["manager_id"], row["phone_e164"], row["status"]) == (
            1,
            "+79121112233",
            "active",
        )
        apply_undo(conn, batch, ALICE)
        assert conn.execute(select(customers.c.id).where(customers.c.id == cid)).first() is None


def test_a_created_customer_with_orders_is_kept_by_undo(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _seed(conn)
        cid, batch = create_customer(conn, ALICE, {"name": "New Co"}, manager_id=None,
                                     region="RU", today=date(2026, 11, 22))  # fmt: skip
        conn.execute(insert(orders).values(order_no="o1", customer_id=cid, date=date(2026, 11, 22)))
        plan = plan_undo(conn, batch)
        assert (plan.revertible, [n for _i, n in plan.conflicts]) == (0, ["New Co"])


def test_create_validates_and_finds_duplicates(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _seed(conn)
        with pytest.raises(EditError) as e:
            create_customer(conn, ALICE, {"name": "X", "email": "nope"}, manager_id=None,
                            region="RU", today=date(2026, 11, 22))  # fmt: skip
        assert e.value.kind == "not_email"
        assert [d[1] for d in duplicates(conn, name="ROMASHKA", email=None, phone_e164=None)] == [
            "Romashka"
        ]
        e164 = normalise_phone("8-912-345-67-89", "RU")
        assert [d[0] for d in duplicates(conn, name="Other", email=None, phone_e164=e164)] == [1]
        assert [d[0] for d in duplicates(conn, name="Other", email="INFO@vasilek.ru",
                                         phone_e164=None)] == [2]  # fmt: skip


def test_find_by_contact_in_scope(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _seed(conn)
        find = find_by_contact
        assert find(conn, "office@romashka.ru", EVERYONE, region="RU") == [(1, "Romashka", "Kazan")]
        assert [r[0] for r in find(conn, "+7 (912) 345 67 89", EVERYONE, region="RU") or []] == [1]
        assert [r[0] for r in find(conn, "89123456789", EVERYONE, region="RU") or []] == [1]
        assert find(conn, "office@romashka.ru", CustomerScope(2), region="RU") == []
        assert find(conn, "info@vasilek.ru", CustomerScope(1), region="RU") == []
        assert find(conn, "Romashka", EVERYONE, region="RU") is None


def test_find_managers_by_surname_and_russian_case(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _seed(conn)
        conn.execute(insert(managers).values(id=3, name="Пётр Петров", surname="Петров"))
        assert find_managers(conn, "petrov") == [(1, "Ivan Petrov")]
        assert find_managers(conn, "Петрову") == [(3, "Пётр Петров")]
        assert find_managers(conn, "Sidorovoy") == []
        assert find_managers(conn, "nobody") == []


def test_the_import_stores_phones_in_e164_by_the_region(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from storage.imports import import_file
    from tests.storage._import_helpers import write

    f = write(tmp_path / "c.csv", """
external_id,name,phone
k1,Kazakh Co,8 701 234 5678
k2,Moscow Co,+7 (912) 345-67-89
k3,No Phone,
k4,Bad Phone,call us
""")  # fmt: skip
    import_file(engine, "customers", f, phone_region="KZ", today=date(2026, 11, 22))
    with engine.connect() as conn:
        got = dict(conn.execute(select(customers.c.external_id, customers.c.phone_e164)).all())
    assert got == {"k1": "+77012345678", "k2": "+79123456789", "k3": None, "k4": None}


def test_reassign_is_audited_and_undo_restores_each_previous_manager(engine) -> None:  # type: ignore[no-untyped-def]
    from storage.changes import finish_batch, set_field, start_batch

    with engine.begin() as conn:
        _seed(conn)
        before = {c: _row(conn, c)["manager_id"] for c in (1, 2)}
        batch = start_batch(conn, ALICE, action="assign", description="assign to Petrov: all")
        n = set_field(conn, batch, "manager_id", 1, select(customers.c.id), source="x")
        finish_batch(conn, batch, n)
        assert n == 1  # Romashka was Petrov's already
        assert conn.execute(
            select(audit_log.c.customer_id, audit_log.c.before, audit_log.c.after).where(
                audit_log.c.batch_id == batch
            )
        ).all() == [(2, "2", "1")]
        apply_undo(conn, batch, ALICE)
        assert {c: _row(conn, c)["manager_id"] for c in (1, 2)} == before == {1: 1, 2: 2}
