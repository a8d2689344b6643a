"""What an import changes on customers that existed before it — rating, status, tags — is one
batch in the audit log (who imported which file, when, each value before and after), so the
card's rating history shows it and ``undo`` reverts it like a change made in chat.

New customers are created, not changed: their first values are not audited (there is nothing
to go back to). The rows are written set-based from the staged file before it is merged.

Example::

    batch = audit_customer_changes(run, stage, tstage, present=["rating", "tags"])
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, func, insert, literal, select, update

from storage.changes import Actor, finish_batch, start_batch, utcnow
from storage.schema import audit_log, batches, customer_tags, customers, tags

__all__ = ["IMPORTER", "audit_customer_changes", "touch_audited"]

# who an import is recorded as when the caller names nobody (the command line's administrator)
IMPORTER = Actor("cli", "cli:local", None, "local administrator (cli)")
_FIELDS = ("rating", "status")


def audit_customer_changes(run: Any, stage: Any, tstage: Any, present: list[str]) -> int | None:
    """Write the audit rows of the changes the staged customers (``stage``) and tags
    (``tstage``) are about to make; the batch id, or None when they change nothing audited."""
    fields = [f for f in _FIELDS if f in present]
    if not fields and "tags" not in present:
        return None
    conn, actor = run.conn, run.actor or IMPORTER
    batch = start_batch(conn, actor, action="import", description=f"import customers: {run.source}")
    now, source = utcnow(), f"import {run.source} by {actor.label}"[:200]
    cols = ["batch_id", "at", "customer_id", "field", "before", "after", "source"]
    same = customers.c.external_id == stage.c.external_id
    for field in fields:
        staged, stored = stage.c[field], customers.c[field]
        conn.execute(
            insert(audit_log).from_select(
                cols,
                select(
                    literal(batch), literal(now), customers.c.id, literal(field),
                    stored, staged, literal(source),
                ).select_from(customers.join(stage, same))
                .where(staged.is_not(None), staged.is_distinct_from(stored)),
            )
        )  # fmt: skip
    if "tags" in present:
        pairs = (
            select(customers.c.id.label("cid"), tstage.c.tag_id)
            .select_from(customers.join(tstage, customers.c.external_id == tstage.c.external_id))
            .where(
                ~exists().where(
                    customer_tags.c.customer_id == customers.c.id,
                    customer_tags.c.tag_id == tstage.c.tag_id,
                )
            )
            .distinct()
            .subquery("new_tags")
        )
        conn.execute(
            insert(audit_log).from_select(
                cols,
                select(
                    literal(batch), literal(now), pairs.c.cid, literal("tag:") + tags.c.name,
                    literal("no"), literal("yes"), literal(source),
                ).select_from(pairs.join(tags, tags.c.id == pairs.c.tag_id)),
            )
        )  # fmt: skip
    touched = conn.execute(
        select(func.count(audit_log.c.customer_id.distinct())).where(audit_log.c.batch_id == batch)
    ).scalar_one()
    if not touched:
        conn.execute(delete(batches).where(batches.c.id == batch))
        return None
    finish_batch(conn, batch, touched)
    return batch


def touch_audited(run: Any, batch: int | None) -> None:
    """Mark the customers the batch changed as changed now (undo's conflict check reads it)."""
    if batch is None:
        return
    changed = select(audit_log.c.customer_id).where(audit_log.c.batch_id == batch)
    run.conn.execute(
        update(customers).where(customers.c.id.in_(changed)).values(updated_at=utcnow())
    )
