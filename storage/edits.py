"""One customer's field edited from chat: validated like an import, one audited batch, undoable.

The editable fields are the customer's own text columns (name, city, region, country,
industry, email, phone) and every custom property (``property_definitions``), each read by its
type with the import's own parsers (``storage.importing.values``). A phone is stored as written
and normalised to E.164 beside it (``phone_e164``); both are audited, so undo restores both.
A property's audit field is ``prop:<name>`` and its value the database's own text of it.

Example::

    with engine.begin() as conn:
        field = resolve_field(conn, "employees")            # Field("prop:employees", …, "number")
        value = parse_value(field, "120", region="RU")      # 120.0, or EditError
        result = set_one(conn, actor, customer_id=7, field=field, value=value, region="RU")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)

from storage.bulk import upsert_rows
from storage.changes import Actor, finish_batch, set_field, start_batch, utcnow
from storage.contacts import looks_like_email, normalise_phone
from storage.importing.values import parse_dates, parse_numbers, parse_yesno
from storage.schema import audit_log, customer_properties, customers, property_definitions

__all__ = [
    "EditError",
    "Field",
    "EditResult",
    "TEXT_FIELDS",
    "resolve_field",
    "parse_value",
    "set_one",
    "property_text",
    "revert_property",
]

# the customer's own editable columns and their longest value (the schema's lengths)
TEXT_FIELDS = {
    "name": 300,
    "city": 120,
    "region": 120,
    "country": 120,
    "industry": 120,
    "email": 320,
    "phone": 64,
}
_PARSERS = {"number": parse_numbers, "date": parse_dates, "yesno": parse_yesno}
_VALUE_COLUMN = {
    "number": "number_value",
    "date": "date_value",
    "yesno": "bool_value",
    "text": "text_value",
}


class EditError(Exception):
    """A value or field the edit refuses; ``kind`` names the message the chat shows."""

    def __init__(self, kind: str, **params: Any) -> None:
        super().__init__(kind)
        self.kind = kind  # unknown_field, empty, too_long, not_email, not_phone, not_number, …
        self.params = params


@dataclass(frozen=True)
class Field:
    key: str  # the audit field: a column name, or prop:<name>
    label: str  # as shown: the column's name or the property's label
    kind: str  # text, email, phone, number, date, yesno
    property_id: int | None = None


@dataclass(frozen=True)
class EditResult:
    batch_id: int | None  # None: the value was already so, nothing changed
    before: str | None
    after: str | None


def resolve_field(conn: Connection, word: str) -> Field:
    """The field a user names: a column (``phone``) or a property by name or label."""
    low = word.strip().lower()
    if low in TEXT_FIELDS:
        kind = low if low in ("email", "phone") else "text"
        return Field(low, low, kind)
    row = conn.execute(
        select(property_definitions.c.id, property_definitions.c.name, property_definitions.c.label,
               property_definitions.c.type)
        .where((property_definitions.c.name == low) | (func.lower(property_definitions.c.label) == low))
    ).first()  # fmt: skip
    if row is None:
        raise EditError("unknown_field", field=word)
    return Field(f"prop:{row.name}", row.label, row.type, row.id)


def parse_value(field: Field, text: str, *, region: str | None) -> Any:
    """``text`` read as ``field``'s type, as an import reads a cell; EditError if it is not."""
    value = " ".join(text.split())
    if not value:
        raise EditError("empty", field=field.label)
    if field.kind in _PARSERS:
        parsed, bad = _PARSERS[field.kind](pd.Series([value], dtype=object))
        if bool(bad.iloc[0]) or parsed.iloc[0] is None:
            raise EditError(f"not_{field.kind}", field=field.label, value=value)
        return parsed.iloc[0]
    limit = TEXT_FIELDS.get(field.key, 500)
    if len(value) > limit:
        raise EditError("too_long", field=field.label, limit=limit)
    if field.kind == "email" and not looks_like_email(value):
        raise EditError("not_email", value=value)
    if field.kind == "phone" and normalise_phone(value, region) is None:
        raise EditError("not_phone", value=value)
    return value


def property_text(property_id: Any) -> ColumnElement[Any]:
    """The text of a customer's property value (correlated to ``customers``), as the audit log
    keeps it: the database's own text of a number or date, yes/no, or the text; NULL if unset."""
    p = customer_properties
    text = func.coalesce(
        cast(p.c.number_value, String(40)),
        cast(p.c.date_value, String(40)),
        case(
            (p.c.bool_value.is_(True), literal("yes")), (p.c.bool_value.is_(False), literal("no"))
        ),
        p.c.text_value,
    )
    return (
        select(text)
        .where(p.c.customer_id == customers.c.id, p.c.property_id == property_id)
        .scalar_subquery()
    )


def _write_property(conn: Connection, customer_id: int, field: Field, value: Any) -> None:
    if value is None:
        conn.execute(
            delete(customer_properties).where(
                customer_properties.c.customer_id == customer_id,
                customer_properties.c.property_id == field.property_id,
            )
        )
        return
    row = {c: None for c in _VALUE_COLUMN.values()}
    row[_VALUE_COLUMN[field.kind]] = value
    upsert_rows(
        conn,
        customer_properties,
        [{"customer_id": customer_id, "property_id": field.property_id, **row}],
        key=["customer_id", "property_id"],
    )


def _property_now(conn: Connection, customer_id: int, property_id: int) -> str | None:
    found: str | None = conn.execute(
        select(property_text(property_id)).where(customers.c.id == customer_id)
    ).scalar()
    return found


def _set_property(
    conn: Connection, batch: int, customer_id: int, field: Field, value: Any, source: str
) -> tuple[str | None, str | None]:
    assert field.property_id is not None
    before = _property_now(conn, customer_id, field.property_id)
    _write_property(conn, customer_id, field, value)
    after = _property_now(conn, customer_id, field.property_id)
    if before == after:
        return before, after
    now = utcnow()
    conn.execute(
        insert(audit_log).values(batch_id=batch, at=now, customer_id=customer_id, field=field.key,
                                 before=before, after=after, source=source[:200])
    )  # fmt: skip
    conn.execute(update(customers).where(customers.c.id == customer_id).values(updated_at=now))
    return before, after


def set_one(
    conn: Connection,
    actor: Actor,
    *,
    customer_id: int,
    field: Field,
    value: Any,
    region: str | None,
) -> EditResult:
    """Set one field of one customer as a batch of its own (none when the value is already so)."""
    name = conn.execute(select(customers.c.name).where(customers.c.id == customer_id)).scalar_one()
    current = _current(conn, customer_id, field)
    if current == value:  # no batch at all: not even an id drawn from a sequence
        return EditResult(None, _str(current), _str(value))
    batch = start_batch(
        conn, actor, action="edit", description=f"set {field.label} = {_str(value)}: {name}"[:500]
    )
    source = actor.label
    if field.key.startswith("prop:"):
        before, after = (
            _tidy(field.kind, t)
            for t in _set_property(conn, batch, customer_id, field, value, source)
        )
    else:
        column = customers.c[field.key]
        before = conn.execute(select(column).where(customers.c.id == customer_id)).scalar()
        one = select(customers.c.id).where(customers.c.id == customer_id)
        set_field(conn, batch, field.key, value, one, source=source)
        if field.key == "phone":
            set_field(conn, batch, "phone_e164", normalise_phone(value, region), one, source=source)
        after = value
    changed = conn.execute(
        select(func.count(audit_log.c.customer_id.distinct())).where(audit_log.c.batch_id == batch)
    ).scalar_one()
    if not changed:
        from storage.schema import batches

        conn.execute(delete(batches).where(batches.c.id == batch))
        return EditResult(None, _str(before), _str(after))
    finish_batch(conn, batch, changed)
    return EditResult(batch, _str(before), _str(after))


def _current(conn: Connection, customer_id: int, field: Field) -> Any:
    """The customer's value of ``field`` now, typed like a parsed value (None: unset)."""
    if field.property_id is None:
        column = customers.c[field.key]
        return conn.execute(select(column).where(customers.c.id == customer_id)).scalar()
    p = customer_properties
    return conn.execute(
        select(p.c[_VALUE_COLUMN[field.kind]]).where(
            p.c.customer_id == customer_id, p.c.property_id == field.property_id
        )
    ).scalar()


def _tidy(kind: str, text: str | None) -> str | None:
    """A property's stored text for people: a whole number without SQLite's ``.0``."""
    if kind == "number" and text is not None:
        number = float(text)
        return str(int(number)) if number.is_integer() else str(number)
    return text


def _str(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def revert_property(
    conn: Connection, undo_id: int, field: str, before: str | None, ids: Select[Any], source: str
) -> None:
    """Undo: set property ``prop:<name>`` of the customers in ``ids`` back to ``before``."""
    row = conn.execute(
        select(property_definitions.c.id, property_definitions.c.label, property_definitions.c.type)
        .where(property_definitions.c.name == field[5:])
    ).one()  # fmt: skip
    f = Field(field, row.label, row.type, row.id)
    value: Any = before
    if before is not None and row.type in _PARSERS:
        value = (
            before == "yes"
            if row.type == "yesno"
            else _PARSERS[row.type](pd.Series([before]))[0][0]
        )
    for (cid,) in conn.execute(ids).all():
        _set_property(conn, undo_id, cid, f, value, source)
