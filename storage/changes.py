"""Audited, set-based changes to customers: ratings, pins, statuses and tags, in batches.

Every change belongs to a batch (who, when, what) and writes one audit row per customer with
the value before and after, so that a batch can be shown and undone. Statements are
``INSERT … SELECT`` and ``UPDATE … WHERE id IN (subquery)``: never a query per customer.

Example::

    with engine.begin() as conn:
        batch = start_batch(conn, actor, action="rate", description="rate A: Moscow")
        n = set_field(conn, batch, "rating", "A", select(customers.c.id).where(...), source="Ivanov")
        finish_batch(conn, batch, n)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Exists,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from storage.bulk import temp_table
from storage.schema import audit_log, batches, customer_tags, customers, tags

__all__ = [
    "Actor",
    "FIELDS",
    "start_batch",
    "finish_batch",
    "set_field",
    "add_tag",
    "remove_tag",
    "members",
    "fixed_targets",
    "utcnow",
    "rating_history",
]

# field name -> its column (how a value is written in the audit log: ``_as_text``)
FIELDS = {
    "rating": customers.c.rating,
    "status": customers.c.status,
    "rating_pinned": customers.c.rating_pinned,
    "opted_out_at": customers.c.opted_out_at,  # an opt-out from mailings (NULL: none)
    # one customer's fields edited from chat, and reassignment (storage/edits.py)
    "manager_id": customers.c.manager_id,
    "name": customers.c.name,
    "city": customers.c.city,
    "region": customers.c.region,
    "country": customers.c.country,
    "industry": customers.c.industry,
    "email": customers.c.email,
    "phone": customers.c.phone,
    "phone_e164": customers.c.phone_e164,
    "tier": customers.c.tier,  # the loyalty tier (analytics/loyalty.py)
}


# The rating history is the audit log's rating rows: when, who or which rule, from what, to what.
rating_history = (
    select(
        audit_log.c.id,
        audit_log.c.customer_id,
        audit_log.c.at,
        audit_log.c.before,
        audit_log.c.after,
        audit_log.c.source,
        audit_log.c.batch_id,
    )
    .where(audit_log.c.field == "rating")
    .subquery("rating_history")
)


def utcnow() -> datetime:
    """Naive UTC now: every timestamp in the database is naive UTC."""
    return datetime.utcnow().replace(microsecond=0)  # noqa: DTZ003 - naive UTC by convention


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a person on a platform, or a rule."""

    platform: str  # telegram | slack | terminal | cli | rule | mail (one-click unsubscribe)
    user_id: str
    manager_id: int | None
    label: str  # shown in histories, e.g. "Ivanov (telegram)"


def start_batch(
    conn: Connection,
    actor: Actor,
    *,
    action: str,
    description: str,
    query: str | None = None,
    undoes: int | None = None,
) -> int:
    """Open a batch and return its id."""
    batch_id: int = conn.execute(
        insert(batches)
        .values(
            created_at=utcnow(),
            actor_platform=actor.platform,
            actor_id=actor.user_id,
            manager_id=actor.manager_id,
            action=action,
            description=description,
            query=query,
            undoes_batch_id=undoes,
        )
        .returning(batches.c.id)
    ).scalar_one()
    return batch_id


def finish_batch(conn: Connection, batch_id: int, count: int) -> None:
    conn.execute(update(batches).where(batches.c.id == batch_id).values(count=count))


def _as_text(field: str, expr: ColumnElement[Any]) -> ColumnElement[Any]:
    if field == "rating_pinned":
        return case((expr.is_(True), literal("yes")), else_=literal("no"))
    if field in ("opted_out_at", "manager_id"):  # the database's own text, on both sides
        return cast(expr, String(40))
    return expr


def _to_value(field: str, text: str | None) -> str | bool | datetime | int | None:
    if field == "rating_pinned":
        return text == "yes"
    if field == "opted_out_at":
        return datetime.fromisoformat(text) if text else None
    if field == "manager_id":
        return int(text) if text else None
    return text


def members(ids: Select[Any]) -> Any:
    """``customers.id IN (ids)``; for a plain ``SELECT customers.id FROM customers WHERE c`` (what
    a query compiles to) just ``c``, so the planner finds the rows once instead of joining
    customers to itself: at 1,000,000 customers it probed 89,000 of them for a bulk change
    instead of scanning all (0.76 s -> 0.3 s on PostgreSQL)."""
    plain = (
        len(ids.selected_columns) == 1
        and list(ids.selected_columns)[0] is customers.c.id
        and ids.get_final_froms() == [customers]
        and ids.whereclause is not None
        and ids._limit_clause is None
        and ids._offset_clause is None  # noqa: SLF001 - no public view
        and not ids._group_by_clauses
        and not ids._distinct
    )  # noqa: SLF001
    return ids.whereclause if plain else customers.c.id.in_(ids.scalar_subquery())


@contextmanager
def fixed_targets(conn: Connection, ids: Select[Any]) -> Iterator[tuple[Select[Any], int]]:
    """The customers ``ids`` selects, fixed for the rest of the transaction, and how many.

    A confirmation counts the customers its query matches now (for the row cap, and to say so
    when the count moved since the preview) and then changes them. On SQLite the ids are kept in
    a temporary table keyed by id: the count is read from it, and the change finds its customers
    by id in table order instead of running the query a second time (at 89,000 of 1,000,000
    customers 0.25–0.4 s → 0.22 s). On PostgreSQL the query is counted and then given as it is:
    there the change applies the query's own condition, found once by index (``members``), which
    measured faster than joining a temporary table; the ``FOR UPDATE`` of the change makes the
    rows it changes the ones it reads.
    """
    if conn.dialect.name == "postgresql":
        yield ids, conn.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
        return
    fixed = temp_table(
        conn, [Column("customer_id", Integer, primary_key=True, autoincrement=False)]
    )
    try:
        conn.execute(fixed.insert().from_select(["customer_id"], ids))
        count = conn.execute(select(func.count()).select_from(fixed)).scalar_one()
        yield select(fixed.c.customer_id), count
    finally:
        fixed.drop(conn)


def set_field(
    conn: Connection,
    batch_id: int,
    field: str,
    value: str | bool | datetime | int | None,
    ids: Select[Any],
    *,
    source: str,
) -> int:
    """Set ``field`` to ``value`` for the customers in ``ids`` whose value differs.

    The target set is evaluated once into a temporary table (with each customer's value before);
    the audit rows (which are also the rating history) and one UPDATE read from it. Returns how
    many changed.
    """
    column = FIELDS[field]
    now = utcnow()
    targets = and_(members(ids), column.is_distinct_from(value))
    after = _as_text(field, literal(value)) if value is not None else null()
    # SQLite keys the temporary table by its rowid for free; on PostgreSQL a key index costs more
    # to fill than it saves, and the planner needs the row count (temp tables are never
    # auto-analyzed): 0.80 s → 0.74 s of statements for 75,000 customers
    keyed = conn.dialect.name != "postgresql"
    changed = temp_table(
        conn,
        [
            Column("customer_id", Integer, primary_key=keyed, autoincrement=False),
            Column("before", String(200)),
        ],
    )
    try:
        # FOR UPDATE: a change another transaction commits meanwhile is waited for and read, so
        # "before" is the value this batch really replaces (SQLite has one writer at a time)
        conn.execute(
            changed.insert().from_select(
                ["customer_id", "before"],
                select(customers.c.id, _as_text(field, column))
                .where(targets)
                .with_for_update(of=customers),
            )
        )
        if not keyed:  # a name of our own making, not input
            conn.exec_driver_sql(
                f"ANALYZE {conn.dialect.identifier_preparer.format_table(changed)}"
            )
        conn.execute(
            insert(audit_log).from_select(
                ["batch_id", "at", "customer_id", "field", "before", "after", "source"],
                select(
                    literal(batch_id),
                    literal(now),
                    changed.c.customer_id,
                    literal(field),
                    changed.c.before,
                    after,
                    literal(source[:200]),
                ),
            )
        )
        return conn.execute(
            update(customers)
            .where(customers.c.id.in_(select(changed.c.customer_id)))
            .values({column: value, "updated_at": now})
        ).rowcount
    finally:
        changed.drop(conn)


def _tag_id(conn: Connection, name: str) -> int:
    name = name.strip().lower()
    stmt_cls = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(stmt_cls(tags).values(name=name).on_conflict_do_nothing(index_elements=["name"]))
    tag_id: int = conn.execute(select(tags.c.id).where(tags.c.name == name)).scalar_one()
    return tag_id


def _has_tag(tag_id: int) -> Exists:
    return exists().where(
        customer_tags.c.customer_id == customers.c.id, customer_tags.c.tag_id == tag_id
    )


def _audit_tag(
    conn: Connection,
    batch_id: int,
    tag: str,
    targets: ColumnElement[bool],
    before: str,
    after: str,
) -> datetime:
    """One audit row per customer in ``targets`` for tag ``tag`` going ``before`` → ``after``."""
    now = utcnow()
    conn.execute(
        insert(audit_log).from_select(
            ["batch_id", "at", "customer_id", "field", "before", "after"],
            select(
                literal(batch_id),
                literal(now),
                customers.c.id,
                literal(f"tag:{tag.lower()}"),
                literal(before),
                literal(after),
            ).where(targets),
        )
    )
    return now


def add_tag(conn: Connection, batch_id: int, tag: str, ids: Select[Any]) -> int:
    """Tag the customers in ``ids`` that lack ``tag``; returns how many were tagged."""
    tag_id = _tag_id(conn, tag)
    targets = and_(members(ids), ~_has_tag(tag_id))
    now = _audit_tag(conn, batch_id, tag, targets, "no", "yes")
    n = conn.execute(select(func.count()).where(targets)).scalar_one()
    conn.execute(
        insert(customer_tags).from_select(
            ["customer_id", "tag_id"], select(customers.c.id, literal(tag_id)).where(targets)
        )
    )
    conn.execute(
        update(customers)
        .where(customers.c.id.in_(_audited(batch_id, tag, "yes")))
        .values(updated_at=now)
    )
    return n


def _audited(batch_id: int, tag: str, after: str) -> Select[Any]:
    return select(audit_log.c.customer_id).where(
        audit_log.c.batch_id == batch_id,
        audit_log.c.field == f"tag:{tag.lower()}",
        audit_log.c.after == after,
    )


def remove_tag(conn: Connection, batch_id: int, tag: str, ids: Select[Any]) -> int:
    """Remove ``tag`` from the customers in ``ids`` that have it; returns how many."""
    tag_id = _tag_id(conn, tag)
    targets = and_(members(ids), _has_tag(tag_id))
    now = _audit_tag(conn, batch_id, tag, targets, "yes", "no")
    changed = _audited(batch_id, tag, "no")
    n = conn.execute(
        customer_tags.delete().where(
            customer_tags.c.tag_id == tag_id, customer_tags.c.customer_id.in_(changed)
        )
    ).rowcount
    conn.execute(update(customers).where(customers.c.id.in_(changed)).values(updated_at=now))
    return n
