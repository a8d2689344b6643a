"""``WallClockCron``: an APScheduler trigger that fires as ``mailing.when.next_run_after`` says,
on the wall clock of its zone (e.g. the scheduled recompute of ``custbot serve``).

Apart from ``mailing.when`` so that reading a schedule loads no APScheduler (issue #19).

Example::

    scheduler.add_job(job, WallClockCron("0 6 * * mon", "Europe/Moscow"))
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from mailing.when import _zone_name, next_run_after

__all__ = ["WallClockCron"]


class WallClockCron(BaseTrigger):
    """An APScheduler trigger firing as ``next_run_after`` says, e.g. the scheduled recompute:
    ``scheduler.add_job(job, WallClockCron("0 6 * * mon", "Europe/Moscow"))``."""

    def __init__(self, cron: str, tz: str | tzinfo) -> None:
        CronTrigger.from_crontab(cron)  # a bad expression fails here, not at the first run
        self.cron, self.zone = cron, ZoneInfo(tz) if isinstance(tz, str) else tz

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        after = previous_fire_time or now - timedelta(seconds=1)  # the first run may be now
        return (
            next_run_after(self.cron, self.zone, after.astimezone(UTC))
            .replace(tzinfo=UTC)
            .astimezone(self.zone)
        )

    def __str__(self) -> str:
        return f"cron[{self.cron}] on the wall clock of {_zone_name(self.zone)}"
