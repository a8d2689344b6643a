"""Rating rules: queries in the configuration, first match wins, applied set-based as one batch.

``plan_recompute`` says what the rules would do (up, down, same, newly rated, with names);
``apply_recompute`` does it through ``storage.changes`` so every change is audited, lands in the
rating history and can be undone as one batch. Pinned and archived customers are never touched;
a customer that no rule matches keeps the rating it has.

Example::

    with engine.begin() as conn:
        plan = plan_recompute(conn, settings, date(2026, 11, 22))   # refreshes the classes
        batch_id = apply_recompute(conn, plan, actor)
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Select,
    String,
    Table,
    delete,
    func,
    literal,
    select,
)

from analytics.classes import compute_classes, latest_run
from analytics.loyalty import TierPlan, apply_tiers, plan_tiers
from analytics.plan import RecomputePlan, count_moves, sample_moves
from analytics.settings import AnalyticsSettings
from analytics.validation import RuleError, check_rules, is_anyone
from storage.bulk import temp_table
from storage.changes import Actor, finish_batch, set_field, start_batch
from storage.schema import batches, customers

if TYPE_CHECKING:
    from query_language import CatalogCache

__all__ = [
    "RuleError",
    "RecomputePlan",
    "plan_recompute",
    "apply_recompute",
    "rule_ids",
    "eligible",
    "is_anyone",
    "check_rules",
]

_CATALOGS: WeakKeyDictionary[Engine, CatalogCache] = (
    WeakKeyDictionary()
)  # engine -> CatalogCache, reused across calls


def eligible() -> ColumnElement[bool]:
    """Customers rules may change: not pinned and not archived."""
    return (customers.c.rating_pinned.is_not(True)) & (customers.c.status != "archived")


def rule_ids(
    conn: Connection, text: str, today: date, language: str = "en", *, rating: str = "?"
) -> Select:
    """A Select of customers.id for one rule's query (``anyone`` means every customer).

    >>> rule_ids(conn, "abc A or spent over 1m last 12 months", date(2026, 11, 22))
    """
    if is_anyone(text):
        return select(customers.c.id).correlate(None)
    from query_language import CatalogCache, QueryError, interpret, matching_ids

    cache = _CATALOGS.get(conn.engine)
    if cache is None:
        cache = _CATALOGS[conn.engine] = CatalogCache(conn.engine)
    try:
        query = interpret(text, cache.get(), today=today, language=language)
    except QueryError as e:
        raise RuleError(
            f"rating rule {rating} = {text!r} cannot be applied: {e.render(text)}\n"
            "fix [rating.rules] in the configuration"
        ) from None
    ids = matching_ids(query)
    return ids.correlate(None)


def _materialise(conn: Connection, settings: AnalyticsSettings, today: date) -> Table:
    """A temporary table of (customer_id, rating): each eligible customer's first matching rule,
    evaluated against the data as it is now, before any rating changes."""
    target = temp_table(
        conn,
        [
            Column("customer_id", Integer, primary_key=True, autoincrement=False),
            Column("rating", String(1)),
        ],
        index=[["rating", "customer_id"]],
    )
    for rating, text in settings.rating.rules.items():  # in order: a customer keeps its first match
        ids = rule_ids(conn, text, today, settings.language, rating=rating)
        taken = select(target.c.customer_id).where(target.c.customer_id == customers.c.id).exists()
        conn.execute(
            target.insert().from_select(
                ["customer_id", "rating"],
                select(customers.c.id, literal(rating)).where(
                    eligible(), customers.c.id.in_(ids), ~taken
                ),
            )
        )
    return target


def plan_recompute(
    conn: Connection,
    settings: AnalyticsSettings,
    today: date,
    *,
    refresh_classes: bool = True,
    sample: int = 5,
) -> RecomputePlan:
    """What the rules would do today; refreshes the classes first (in ``conn``'s transaction).

    >>> plan = plan_recompute(conn, settings, date(2026, 11, 22)); plan.up, plan.down
    (12, 3)
    """
    run_id = (
        compute_classes(conn, today=today, settings=settings.classes)
        if refresh_classes
        else latest_run(conn)
    )
    target = _materialise(conn, settings, today)
    try:
        moves = count_moves(conn, target)
        samples = sample_moves(conn, target, moves, sample)
        eligible_n = conn.execute(select(func.count()).where(eligible())).scalar_one()
        pinned_n = conn.execute(
            select(func.count()).where(
                customers.c.rating_pinned.is_(True), customers.c.status != "archived"
            )
        ).scalar_one()
    except BaseException:
        target.drop(conn)
        raise
    loyalty = settings.loyalty
    tiers = plan_tiers(conn, loyalty, today, sample=sample) if loyalty.enabled else None
    # the targets stay for apply_recompute on this connection (a rollback or apply drops them)
    return RecomputePlan(
        today=today,
        rules=tuple(settings.rating.rules.items()),
        run_id=run_id,
        moves=moves,
        samples=samples,
        unmatched=eligible_n - sum(moves.values()),
        pinned=pinned_n,
        settings=settings,
        targets=(target, _session(conn)),
        loyalty=tiers,
    )


def _session(conn: Connection) -> int:
    return id(conn.connection.driver_connection)


def _reusable(conn: Connection, plan: RecomputePlan) -> Table | None:
    """The plan's targets when apply follows it on the same connection, still in place."""
    if plan.targets is None or plan.targets[1] != _session(conn) or plan.run_id != latest_run(conn):
        return None
    table = plan.targets[0]
    return table if conn.dialect.has_table(conn, table.name) else None


def _tier_plan(conn: Connection, plan: RecomputePlan, *, reused: bool) -> TierPlan | None:
    """The plan's tier moves when still in place on this connection, else computed again."""
    shown: TierPlan | None = plan.loyalty
    settings = plan.settings.loyalty
    if not settings.enabled:
        return None
    if shown is not None and shown.target is not None:
        if reused and conn.dialect.has_table(conn, shown.target.name):
            return shown
        if plan.targets is not None and plan.targets[1] == _session(conn):
            shown.target.drop(conn, checkfirst=True)
    return plan_tiers(conn, settings, plan.today)


def apply_recompute(conn: Connection, plan: RecomputePlan, actor: Actor) -> int | None:
    """Apply the plan's rules as ONE undoable batch; returns the batch id, or None when no
    rating changed (then no batch is left behind: an empty batch would only clutter undo).

    Right after ``plan_recompute`` on the same connection (the CLI and the scheduler do this in
    one transaction) the plan's outcome is applied as it was shown; otherwise the classes are
    refreshed and the rules evaluated again.

    >>> apply_recompute(conn, plan, Actor("cli", "admin", None, "admin (cli)"))
    42
    """
    settings = plan.settings
    target = _reusable(conn, plan)
    tiers = _tier_plan(conn, plan, reused=target is not None)
    if target is None:
        if plan.run_id is None or plan.run_id != latest_run(conn):
            compute_classes(conn, today=plan.today, settings=settings.classes)
        target = _materialise(conn, settings, plan.today)
    plan.targets = None
    batch_id = start_batch(
        conn,
        actor,
        action="recompute",
        description=f"recompute ratings by rules for {plan.today}: {plan.summary()}",
    )
    try:
        changed = 0
        for rating, text in settings.rating.rules.items():
            ids = select(target.c.customer_id).where(target.c.rating == rating)
            changed += set_field(
                conn, batch_id, "rating", rating, ids, source=f"rule {rating}: {text}"[:200]
            )
        if tiers is not None:
            changed += apply_tiers(conn, tiers, batch_id)
    finally:
        target.drop(conn)
    if changed == 0:
        conn.execute(delete(batches).where(batches.c.id == batch_id))
        return None
    finish_batch(conn, batch_id, changed)
    return batch_id
