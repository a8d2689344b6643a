"""A customer created from chat: validated like an import, checked for duplicates, audited
(field ``created``, ``yes``) and undoable (undo deletes it while nothing else refers to it).

Example::

    with engine.begin() as conn:
        dups = duplicates(conn, name="Romashka Plus", email=None, phone_e164=None)
        if not dups:
            cid, batch = create_customer(conn, actor, {"name": "Romashka Plus", "city": "Kazan"},
                                         manager_id=3, region="RU")
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)

from storage.changes import Actor, finish_batch, start_batch, utcnow
from storage.contacts import normalise_phone
from storage.edits import TEXT_FIELDS, EditError, Field, parse_value
from storage.folding import fold, folded
from storage.schema import (
    audit_log,
    customer_classes,
    customer_properties,
    customer_tags,
    customers,
    interactions,
    mail_outbox,
    managers,
    orders,
    segment_members,
)

__all__ = [
    "find_managers",
    "duplicates",
    "create_customer",
    "created_still_alone",
    "remove_created",
]

_ENDINGS = ("ому", "ой", "ым", "ов", "у", "а", "е", "ю", "ым")


def find_managers(conn: Connection, text: str) -> list[tuple[int, str]]:
    """Managers a user names by surname or full name, any case, Russian case endings too
    (``Петрову``, ``Петровой`` → Петров, Петрова); never creates one."""
    typed = fold(" ".join(text.split()))
    if not typed:
        return []
    rows = conn.execute(select(managers.c.id, managers.c.name, managers.c.surname)).all()
    for exact in (True, False):
        found = []
        for mid, name, surname in rows:
            keys = {fold(name), fold(surname)}
            if exact:
                ok = typed in keys
            else:
                ok = any(
                    typed.endswith(e) and typed[: -len(e)] + tail in keys
                    for e in _ENDINGS
                    for tail in ("", "а", "ов")
                )
            if ok:
                found.append((mid, name))
        if found:
            return found
    return []


def duplicates(
    conn: Connection, *, name: str, email: str | None, phone_e164: str | None
) -> list[tuple[int, str, str | None, Any]]:
    """Existing customers with the same name (any case), email (any case) or phone:
    (id, name, city, manager_id), whoever's they are."""
    same: list[ColumnElement[bool]] = [folded(customers.c.name) == fold(" ".join(name.split()))]
    if email:
        same.append(func.lower(customers.c.email) == email.lower())
    if phone_e164:
        same.append(customers.c.phone_e164 == phone_e164)
    rows = conn.execute(
        select(customers.c.id, customers.c.name, customers.c.city, customers.c.manager_id)
        .where(or_(*same))
        .order_by(customers.c.name)
        .limit(10)
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def create_customer(
    conn: Connection,
    actor: Actor,
    fields: dict[str, str],
    *,
    manager_id: int | None,
    region: str | None,
    today: date,
) -> tuple[int, int]:
    """Insert one customer from typed ``fields`` (name, city, region, country, industry, email,
    phone), each validated like the import; returns (customer id, batch id)."""
    values: dict[str, Any] = {}
    for key, text in fields.items():
        if key not in TEXT_FIELDS:
            raise EditError("unknown_field", field=key)
        kind = key if key in ("email", "phone") else "text"
        values[key] = parse_value(Field(key, key, kind), text, region=region)
    if "name" not in values:
        raise EditError("empty", field="name")
    if "phone" in values:
        values["phone_e164"] = normalise_phone(values["phone"], region)
    now = utcnow()
    cid: int = conn.execute(
        insert(customers)
        .values(external_id=f"chat-{uuid.uuid4().hex[:12]}", manager_id=manager_id,
                status="active", created_at=today, updated_at=now, **values)
        .returning(customers.c.id)
    ).scalar_one()  # fmt: skip
    batch = start_batch(conn, actor, action="create", description=f"new customer: {values['name']}")
    conn.execute(
        insert(audit_log).values(batch_id=batch, at=now, customer_id=cid, field="created",
                                 before=None, after="yes", source=actor.label[:200])
    )  # fmt: skip
    finish_batch(conn, batch, 1)
    return cid, batch


def created_still_alone() -> ColumnElement[bool]:
    """For undo (correlated to ``customers``): a created customer may still be deleted — no
    orders, interactions or mail refer to it."""
    cid = customers.c.id
    return and_(
        ~exists().where(orders.c.customer_id == cid),
        ~exists().where(interactions.c.customer_id == cid),
        ~exists().where(mail_outbox.c.customer_id == cid),
    )


def remove_created(conn: Connection, undo_id: int, ids: Select[Any], source: str) -> None:
    """Undo of a creation: audit ``created`` yes → no and delete the customers in ``ids`` with
    their tags, properties and static segment memberships."""
    targets = conn.execute(ids).scalars().all()
    if not targets:
        return
    now = utcnow()
    conn.execute(
        insert(audit_log).from_select(
            ["batch_id", "at", "customer_id", "field", "before", "after", "source"],
            select(literal(undo_id), literal(now), customers.c.id, literal("created"),
                   literal("yes"), literal("no"), literal(source[:200]))
            .where(customers.c.id.in_(targets)),
        )
    )  # fmt: skip
    for child in (customer_properties, customer_tags, segment_members, customer_classes):
        conn.execute(delete(child).where(child.c.customer_id.in_(targets)))
    conn.execute(delete(customers).where(customers.c.id.in_(targets)))
