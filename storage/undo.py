"""Undo: reverting a batch of changes to the exact values before it, as a batch of its own.

A customer changed again since (by anyone) keeps that later value and is listed as a conflict;
the plan is shown before anything is reverted.

Example::

    plan = plan_undo(conn, batch_id)        # UndoPlan(revertible=…, conflicts=…)
    reverted, kept = apply_undo(conn, batch_id, actor)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Connection,
    Exists,
    and_,
    case,
    exists,
    func,
    literal,
    select,
    update,
)

from storage.changes import (
    FIELDS,
    Actor,
    _as_text,
    _to_value,
    add_tag,
    finish_batch,
    remove_tag,
    set_field,
    start_batch,
    utcnow,
)
from storage.follow_ups import STATE_FIELD, revert_state, state_in_place
from storage.interaction_log import ROW_FIELDS, rows_in_place, take_back
from storage.schema import (
    audit_log,
    batches,
    customer_tags,
    customers,
    property_definitions,
    tags,
)

__all__ = ["UndoPlan", "plan_undo", "apply_undo"]


@dataclass(frozen=True)
class UndoPlan:
    batch_id: int
    revertible: int  # customers whose values are still what the batch set
    conflicts: list[tuple[int, str]]  # (customer id, name) changed since by another batch


def _later_change_exists(batch_id: int, undo_id: int | None) -> Exists:
    later = audit_log.alias("later")
    return exists().where(
        later.c.customer_id == audit_log.c.customer_id,
        later.c.field == audit_log.c.field,
        later.c.id > audit_log.c.id,
        later.c.batch_id.not_in([batch_id, undo_id if undo_id is not None else batch_id]),
    )


def _current_matches_after(field: str) -> ColumnElement[bool]:
    if field.startswith("tag:"):
        tag_q = select(tags.c.id).where(tags.c.name == field[4:]).scalar_subquery()
        has = exists().where(
            customer_tags.c.customer_id == customers.c.id, customer_tags.c.tag_id == tag_q
        )
        return case((has, literal("yes")), else_=literal("no")) == audit_log.c.after
    if field.startswith("prop:"):  # one customer's property edited from chat (storage/edits.py)
        from storage.edits import property_text

        pid = select(property_definitions.c.id).where(property_definitions.c.name == field[5:])
        return property_text(pid.scalar_subquery()).is_not_distinct_from(audit_log.c.after)
    if field == "created":  # a customer created from chat (storage/creating.py)
        from storage.creating import created_still_alone

        return created_still_alone()
    return _as_text(field, FIELDS[field]).is_not_distinct_from(audit_log.c.after)


def _revertible(batch_id: int, field: str, undo_id: int | None = None) -> ColumnElement[bool]:
    return and_(
        audit_log.c.batch_id == batch_id,
        audit_log.c.field == field,
        audit_log.c.customer_id == customers.c.id,
        ~_later_change_exists(batch_id, undo_id),
        _current_matches_after(field),
    )


def plan_undo(conn: Connection, batch_id: int) -> UndoPlan:
    """What undoing ``batch_id`` would do: how many revert, which customers conflict."""
    fields = (
        conn.execute(select(audit_log.c.field).where(audit_log.c.batch_id == batch_id).distinct())
        .scalars()
        .all()
    )
    ok: set[int] = set()
    for field in fields:
        if field in ROW_FIELDS:  # a row the batch added (a logged call, a follow-up)
            ok.update(rows_in_place(conn, batch_id, field))
            continue
        if field == STATE_FIELD:  # a follow-up's Done or Snooze
            ok.update(state_in_place(conn, batch_id))
            continue
        ok.update(
            conn.execute(select(customers.c.id).where(_revertible(batch_id, field))).scalars()
        )
    all_rows = conn.execute(
        select(customers.c.id, customers.c.name)
        .where(
            customers.c.id.in_(
                select(audit_log.c.customer_id).where(audit_log.c.batch_id == batch_id)
            )
        )
        .order_by(customers.c.name)
    ).all()
    conflicts = [(cid, name) for cid, name in all_rows if cid not in ok]
    return UndoPlan(batch_id, len(ok), conflicts)


def apply_undo(conn: Connection, batch_id: int, actor: Actor) -> tuple[int, int]:
    """Revert ``batch_id`` to the exact before values where nobody changed them since.

    Returns (new batch id, customers reverted). Runs set-based, one statement per distinct
    (field, before, after) of the batch.
    """
    original = conn.execute(select(batches).where(batches.c.id == batch_id)).one()
    undo_id = start_batch(
        conn,
        actor,
        action="undo",
        description=f"undo of batch {batch_id}: {original.description}",
        query=original.query,
        undoes=batch_id,
    )
    groups = conn.execute(
        select(audit_log.c.field, audit_log.c.before, audit_log.c.after)
        .where(audit_log.c.batch_id == batch_id)
        .distinct()
    ).all()
    for field in {f for f, _b, _a in groups if f in ROW_FIELDS}:
        take_back(conn, batch_id, undo_id, field, at=utcnow(), source=f"undo by {actor.label}")
    if any(f == STATE_FIELD for f, _b, _a in groups):
        revert_state(conn, batch_id, undo_id, at=utcnow(), source=f"undo by {actor.label}")
    for field, before, after in groups:
        if field in ROW_FIELDS or field == STATE_FIELD:
            continue
        ids = (
            select(customers.c.id)
            .select_from(customers.join(audit_log, audit_log.c.customer_id == customers.c.id))
            .where(
                _revertible(batch_id, field, undo_id),
                audit_log.c.before.is_not_distinct_from(before),
                audit_log.c.after.is_not_distinct_from(after),
            )
        )
        if field.startswith("prop:") or field == "created":
            from storage.creating import remove_created
            from storage.edits import revert_property

            source = f"undo of batch {batch_id} by {actor.label}"
            if field == "created":
                remove_created(conn, undo_id, ids, source)
            else:
                revert_property(conn, undo_id, field, before, ids, source)
        elif field.startswith("tag:"):
            tag = field[4:]
            (add_tag if before == "yes" else remove_tag)(conn, undo_id, tag, ids)
        else:
            set_field(
                conn,
                undo_id,
                field,
                _to_value(field, before),
                ids,
                source=f"undo of batch {batch_id} by {actor.label}",
            )
    touched = conn.execute(
        select(func.count(audit_log.c.customer_id.distinct())).where(
            audit_log.c.batch_id == undo_id
        )
    ).scalar_one()
    finish_batch(conn, undo_id, touched)
    conn.execute(update(batches).where(batches.c.id == batch_id).values(undone_by_batch_id=undo_id))
    return undo_id, touched
