"""Why a customer entered or left a watched query, where it can be told.

In this order: a change in the audit log since the watch's last run ("rating B → C", "tag vip
added"), a customer that is new since then, and for the rest the query's own conditions — the
ones a leaver no longer meets ("no longer: no purchases in the last 90 days"), or for an entrant
the conditions that move with time ("now: …"). Each is computed for the run's customers at once.

Example::

    reasons = explain(conn, watch, run_no, query, _)   # {customer id: "rating B → C"}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, select

from query_language import ast as a
from storage.schema import audit_log, watch_changes
from storage.watches import Watch

if TYPE_CHECKING:
    from query_language.ast import Query

__all__ = ["explain"]

# conditions whose truth moves with the calendar even when no row changes
_TIMELY = (
    a.Lapsed,
    a.LastPurchase,
    a.Bought,
    a.SpendCmp,
    a.OrderCountCmp,
    a.FirstPurchase,
    a.Returning,
    a.Created,
)


def _audited(
    conn: Connection, watch: Watch, run_no: int, _: Callable[[str], str]
) -> dict[int, str]:
    """Each changed customer's audited changes since the last run, first value → last value."""
    run = select(watch_changes.c.customer_id).where(
        watch_changes.c.watch_id == watch.id, watch_changes.c.run_no == run_no
    )
    rows = conn.execute(
        select(audit_log.c.customer_id, audit_log.c.field, audit_log.c.before, audit_log.c.after)
        .where(audit_log.c.id > (watch.last_audit_id or 0), audit_log.c.customer_id.in_(run))
        .order_by(audit_log.c.id)
    ).all()
    spans: dict[tuple[int, str], list[str | None]] = {}
    for cid, field, before, after in rows:
        spans.setdefault((cid, field), [before, after])[1] = after
    out: dict[int, list[str]] = {}
    for (cid, field), (before, after) in spans.items():
        if before == after:
            continue
        if field in ("rating", "status"):
            word = _ if field == "status" else str  # a status is a word; a rating a letter
            old = word(before) if before else "—"
            new = word(after) if after else "—"
            text = _("{field} {old} → {new}").format(field=_(field), old=old, new=new)
        elif field.startswith("tag:"):
            tag = field[4:]
            text = (_("tag {tag} added") if after == "yes" else _("tag {tag} removed")).format(
                tag=tag
            )
        else:
            continue
        out.setdefault(cid, []).append(text)
    return {cid: "; ".join(texts) for cid, texts in out.items()}


def _conditions(query: Query) -> list[a.Node]:
    where = query.where
    items = where.items if isinstance(where, a.And) else (where,)
    return [n for n in items if not isinstance(n, a.Everyone)]


def _meeting(conn: Connection, query: Query, node: a.Node, who: Select[Any]) -> set[int]:
    """Which customers of ``who`` (a select of ids) meet the condition ``node`` of ``query``
    (in no scope: the scope is not a condition a customer can fail)."""
    from query_language import matching_ids

    one = replace(query, where=node, scope=None)
    sub = matching_ids(one).subquery()
    return set(conn.execute(select(sub.c[0]).where(sub.c[0].in_(who))).scalars())


def explain(
    conn: Connection, watch: Watch, run_no: int, query: Query, _: Callable[[str], str]
) -> dict[int, str]:
    """Why each customer of run ``run_no`` entered or left, where it can be told."""
    from query_language.describe import describe_node

    reasons = _audited(conn, watch, run_no, _)
    run = (watch_changes.c.watch_id == watch.id) & (watch_changes.c.run_no == run_no)
    rest = [
        (cid, entered)
        for cid, entered in conn.execute(
            select(watch_changes.c.customer_id, watch_changes.c.entered).where(run)
        )
        if cid not in reasons
    ]
    newest = watch.last_customer_id or 0
    for cid, entered in rest:
        if entered and cid > newest:
            reasons[cid] = _("new customer")
    left = [cid for cid, entered in rest if not entered]
    came = [cid for cid, entered in rest if entered and cid not in reasons]
    language = query.language
    for node in _conditions(query):
        words = describe_node(node, language, top=True)
        if left:
            leavers = select(watch_changes.c.customer_id).where(run, ~watch_changes.c.entered)
            meet = _meeting(conn, query, node, leavers)
            for cid in left:
                if cid not in meet:
                    before = reasons.get(cid)
                    reasons[cid] = (
                        f"{before}; {words}"
                        if before
                        else _("no longer: {condition}").format(condition=words)
                    )
        if came and isinstance(node, _TIMELY):
            for cid in came:
                before = reasons.get(cid)
                reasons[cid] = (
                    f"{before}; {words}"
                    if before
                    else _("now: {condition}").format(condition=words)
                )
    return reasons
