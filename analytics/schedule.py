"""The scheduled recompute: one replica at a time, by a lease row in ``scheduler_locks``.

Two processes that fire at the same moment both try to take the lease with one conditional
UPDATE; exactly one succeeds and recomputes, the other returns a report that says it skipped.
The lease is held until the run ends plus a short cool-down, so a late duplicate of the same
tick is skipped too; a crashed holder's lease expires after ``ttl``.

Example::

    report = run_scheduled_recompute(engine, settings, today=date(2026, 11, 22), notify=print)
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine

from analytics.plan import RecomputePlan
from analytics.rules import apply_recompute, plan_recompute
from analytics.settings import AnalyticsSettings
from storage.changes import Actor
from storage.leases import release_lease, take_lease

__all__ = [
    "ScheduledReport",
    "run_scheduled_recompute",
    "take_lease",
    "release_lease",
    "LEASE_NAME",
]

LEASE_NAME = "recompute"
SCHEDULER = Actor(
    platform="rule", user_id="scheduler", manager_id=None, label="scheduled recompute"
)


@dataclass(frozen=True)
class ScheduledReport:
    """What a scheduled run did: ``applied`` False when another process held the lease."""

    applied: bool
    holder: str
    plan: RecomputePlan | None = None
    batch_id: int | None = None

    def text(self, _: Callable[[str], str] = lambda message: message) -> str:
        """The message for the report chat, in the language of ``_`` (gettext)."""
        if not self.applied or self.plan is None:
            return _("Scheduled recompute skipped: another process is running it.")
        done = (
            _("Batch {id} (undo it with 'undo {id}').").format(id=self.batch_id)
            if self.batch_id is not None
            else _("No rating changed, so no batch was made.")
        )
        return "\n".join([*self.plan.lines(_), done])


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_scheduled_recompute(
    engine: Engine,
    settings: AnalyticsSettings,
    *,
    today: date,
    notify: Callable[[str], object] | None = None,
    ttl: timedelta = timedelta(hours=2),
    cooldown: timedelta = timedelta(minutes=1),
) -> ScheduledReport:
    """Refresh the classes and apply the rating rules, unless another process is doing it.

    ``notify`` gets the report text (what moved, with names) when this process applied it.

    >>> run_scheduled_recompute(engine, settings, today=date(2026, 11, 22), notify=print).applied
    True
    """
    holder = _holder()
    if not take_lease(engine, LEASE_NAME, holder, ttl):
        return ScheduledReport(applied=False, holder=holder)
    try:
        with engine.begin() as conn:
            plan = plan_recompute(conn, settings, today)
            batch_id = apply_recompute(conn, plan, SCHEDULER)
    finally:
        release_lease(engine, LEASE_NAME, holder, cooldown)
    report = ScheduledReport(applied=True, holder=holder, plan=plan, batch_id=batch_id)
    if notify is not None:
        notify(report.text())
    return report
