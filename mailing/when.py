"""When a mailing goes out: ``now``, ``tomorrow 9:00``, ``Monday 10:00``, ``every Monday 9:00``.

Times are read in the configured time zone and stored in UTC; a recurrence is a cron expression
evaluated in its own zone (APScheduler's CronTrigger), so 9:00 stays 9:00 across DST changes.

Example::

    parse_when("every Monday 9:00", ZoneInfo("Europe/Berlin"), now)
    # Schedule(first_run_utc=datetime(2026, 11, 23, 8, 0), cron="0 9 * * mon", tz="Europe/Berlin")
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from mailing.errors import MailingError

__all__ = ["Schedule", "parse_when", "recurring_cron", "next_run_after", "EXAMPLES"]

EXAMPLES = (
    "now",
    "today 18:30",
    "tomorrow 9:00",
    "Monday 10:00",
    "2026-12-01 09:00",
    "every day 8:00",
    "every weekday 9:00",
    "every Monday 9:00",
    "every month 1 9:00",
)

_DAYS = {
    "mon": ("monday", "mon", "понедельник", "понедельникам", "пн"),
    "tue": ("tuesday", "tue", "tues", "вторник", "вторникам", "вт"),
    "wed": ("wednesday", "wed", "среда", "среду", "средам", "ср"),
    "thu": ("thursday", "thu", "thur", "thurs", "четверг", "четвергам", "чт"),
    "fri": ("friday", "fri", "пятница", "пятницу", "пятницам", "пт"),
    "sat": ("saturday", "sat", "суббота", "субботу", "субботам", "сб"),
    "sun": ("sunday", "sun", "воскресенье", "воскресеньям", "вс"),
}
_DAY_WORDS = {w: key for key, words in _DAYS.items() for w in words}
_DAY_INDEX = {key: i for i, key in enumerate(_DAYS)}
_EVERY = ("every", "each", "каждый", "каждую", "каждое", "каждого", "по")
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")
_FILLER = {"at", "on", "the", "of", "в", "во", "числа", "число"}


@dataclass(frozen=True)
class Schedule:
    first_run_utc: datetime  # naive UTC, as stored
    cron: str | None = None  # "minute hour day month day_of_week", day names (mon..sun)
    tz: str = "UTC"

    @property
    def recurring(self) -> bool:
        return self.cron is not None


def _error(text: str, key: str, **params: object) -> MailingError:
    more = f"; try one of: {', '.join(EXAMPLES)}"
    return MailingError.said(f"time_{key}", more=more, text=text, **params)


def _clock(text: str, words: list[str]) -> time:
    joined = " ".join(words)
    m = _TIME.match(joined)
    if not m:
        raise _error(text, "clock", what=joined or "nothing")
    hour, minute = int(m[1]), int(m[2] or 0)
    if m[3]:
        if not 1 <= hour <= 12:
            raise _error(text, "12h", what=joined)
        hour = hour % 12 + (12 if m[3] == "pm" else 0)
    if hour > 23 or minute > 59:
        raise _error(text, "of_day", what=joined)
    return time(hour, minute)


def _to_utc(local: datetime) -> datetime:
    return local.astimezone(UTC).replace(tzinfo=None)


def _zone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def next_run_after(cron: str, tz: str | tzinfo, after_utc: datetime) -> datetime:
    """The first time ``cron`` fires (in zone ``tz``) strictly after ``after_utc``; naive UTC.

    Example: ``next_run_after("0 9 * * mon", "Europe/Berlin", datetime(2026, 11, 23, 8))``
    -> ``datetime(2026, 11, 30, 8, 0)``
    """
    from apscheduler.triggers.cron import CronTrigger

    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    # The cron expression is matched on the wall clock of the zone, with the zone's own
    # arithmetic left out: APScheduler 3 adds 24 hours per day, so across a 23-hour day it
    # skipped one (a daily 0:00 in New York ran on 12 March 2028, then on the 14th; its issues
    # #529, #606). A wall time the zone skips that day (spring forward) does not fire.
    trigger = CronTrigger.from_crontab(cron, timezone=UTC)
    start = (after_utc.replace(tzinfo=UTC) if after_utc.tzinfo is None else after_utc).astimezone(
        UTC
    )
    wall = start.astimezone(zone).replace(tzinfo=None)
    for _ in range(1000):
        fire = trigger.get_next_fire_time(None, (wall + timedelta(seconds=1)).replace(tzinfo=UTC))
        if fire is None:
            break
        wall = fire.replace(tzinfo=None)
        local = wall.replace(tzinfo=zone)
        exists = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall
        if exists and local.astimezone(UTC) > start:
            return _to_utc(local)
    raise MailingError(f"the recurrence {cron!r} never fires again")


def _recurring(text: str, words: list[str], zone: tzinfo, now: datetime) -> Schedule:
    cron = _recurring_cron(text, words)
    first = next_run_after(cron, zone, now - timedelta(seconds=1))
    return Schedule(first, cron, _zone_name(zone))


def _recurring_cron(text: str, words: list[str]) -> str:
    """The cron expression of the words after ``every``: ``monday 9:00`` → ``0 9 * * mon``."""
    if not words:
        raise _error(text, "every")
    head, rest = words[0], words[1:]
    if head in ("day", "день", "daily", "дня"):
        cron_day = "* * *"
    elif head in ("weekday", "workday", "будний", "будни"):
        cron_day = "* * mon-fri"
    elif head in ("month", "месяц", "месяца"):
        if not rest or not re.fullmatch(r"\d{1,2}(st|nd|rd|th)?", rest[0]):
            raise _error(text, "month")
        day = int(re.sub(r"\D", "", rest[0]))
        if not 1 <= day <= 31:
            raise _error(text, "day_of_month", what=rest[0])
        cron_day, rest = f"{day} * *", rest[1:]
    elif head in _DAY_WORDS:
        cron_day = f"* * {_DAY_WORDS[head]}"
    else:
        raise _error(text, "recurring_day", what=head)
    at = _clock(text, rest)
    return f"{at.minute} {at.hour} {cron_day}"


def _one_day(text: str, words: list[str], local_now: datetime) -> tuple[date, list[str]]:
    head = words[0]
    today = local_now.date()
    if head in ("today", "сегодня"):
        return today, words[1:]
    if head in ("tomorrow", "завтра"):
        return today + timedelta(days=1), words[1:]
    if head in _DAY_WORDS:
        ahead = (_DAY_INDEX[_DAY_WORDS[head]] - today.weekday()) % 7
        return today + timedelta(days=ahead), words[1:]
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(head, fmt).date(), words[1:]
        except ValueError:
            continue
    raise _error(text, "day", what=head)


def parse_when(text: str, tz: str | tzinfo, now: datetime) -> Schedule:
    """Read ``text`` in zone ``tz`` at ``now`` (aware, or naive UTC) into a Schedule.

    Example: ``parse_when("tomorrow 9:00", "Europe/Moscow", datetime(2026, 11, 22, 12, tzinfo=UTC))``
    -> first run 2026-11-23 06:00 UTC, not recurring.
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    words = _words(text)
    if words in (["now"], ["сейчас"], ["immediately"]):
        return Schedule(_to_utc(now), None, _zone_name(zone))
    if words[0] in _EVERY:
        return _recurring(text, words[1:], zone, now)
    local_now = now.astimezone(zone)
    day, rest = _one_day(text, words, local_now)
    at = _clock(text, rest)
    local = datetime.combine(day, at, tzinfo=zone)
    if words[0] in _DAY_WORDS and local <= local_now:
        local = datetime.combine(day + timedelta(days=7), at, tzinfo=zone)
    if local <= local_now:
        raise _error(text, "past", when=f"{local:%Y-%m-%d %H:%M}", zone=_zone_name(zone))
    return Schedule(_to_utc(local), None, _zone_name(zone))


def recurring_cron(text: str, tz: str | tzinfo, now: datetime) -> str | None:
    """``parse_when(text, tz, now).cron`` without working out when a recurrence first fires
    (APScheduler's work, which a recurrence read from words cannot fail: a valid minute, hour and
    day always fire again). A schedule typed or configured is read with it; its first run is
    worked out where it is stored (issue #19: ``custbot ask`` validates the digests' schedules
    without loading APScheduler).

    Example: ``recurring_cron("every monday 9:00", "UTC", now)`` -> ``"0 9 * * mon"``
    """
    if isinstance(tz, str):
        ZoneInfo(tz)  # an unknown zone fails here as in parse_when
    words = _words(text)
    if words[0] in _EVERY:
        return _recurring_cron(text, words[1:])
    return parse_when(text, tz, now).cron


def _words(text: str) -> list[str]:
    """The words of a schedule, lower-cased, without the filler words; MailingError if none."""
    words = [w for w in re.split(r"[\s,]+", text.strip().lower()) if w and w not in _FILLER]
    if not words:
        raise _error(text, "empty")
    return words
