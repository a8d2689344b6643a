"""How a subscription is typed: ``every monday 9:00 post vip Moscow here as xlsx``.

The schedule is read by ``mailing.when`` (words in English and Russian, or a five-field cron
expression), optionally followed by an IANA time zone; then a verb (``post``, ``присылай``), the
query or saved segment, and the options ``here`` and ``as xlsx`` / ``as csv`` at the end.

Example::

    read_subscription("every", "monday 9:00 Europe/Berlin post vip here as xlsx", "UTC", now)
    # Typed(cron="0 9 * * mon", tz="Europe/Berlin", used=3, query="vip", here=True, output="xlsx")
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ScheduleError",
    "Typed",
    "read_schedule",
    "read_subscription",
    "split_lead",
    "LEADS",
    "POST_WORDS",
]

LEADS = ("every", "daily", "weekly", "monthly")

POST_WORDS = frozenset(
    {
        "post",
        "send",
        "show",
        "присылай",
        "пришли",
        "присылать",
        "отправляй",
        "публикуй",
        "показывай",
    }
)
_HERE = ("here", "сюда", "здесь")
_FORMAT = re.compile(r"\s+(?:as|in|как|в)\s+(csv|xlsx|excel)\s*$", re.IGNORECASE)
_HERE_AT_END = re.compile(rf"\s+(?:{'|'.join(_HERE)})\s*$", re.IGNORECASE)
_TIME = re.compile(r"^\d{1,2}(?:[:.]\d{2})?(?:am|pm)?$", re.IGNORECASE)
_CRON_FIELD = re.compile(r"^[\d*/,\-]+$|^[\d*/,\-a-z]+$", re.IGNORECASE)
# the day a weekly or monthly schedule takes when none is typed
_DEFAULT_DAY = {"weekly": "monday", "monthly": "month 1"}


class ScheduleError(ValueError):
    """A schedule that cannot be read (the chat says so in the user's language)."""


@dataclass(frozen=True)
class Typed:
    cron: str
    tz: str
    used: int  # how many words of the text the schedule took
    query: str = ""
    here: bool = False
    output: str = "answer"  # answer, csv or xlsx


def _zone(word: str) -> str | None:
    if "/" not in word and word.upper() != "UTC":
        return None
    try:
        ZoneInfo(word)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return word


def _cron(words: list[str]) -> str | None:
    if len(words) < 5 or not all(_CRON_FIELD.match(w) for w in words[:5]):
        return None
    if not (words[0][0].isdigit() or words[0][0] == "*"):
        return None
    from apscheduler.triggers.cron import CronTrigger

    expression = " ".join(words[:5])
    try:
        CronTrigger.from_crontab(expression)
    except ValueError:
        return None
    return expression


def read_schedule(lead: str, text: str, default_tz: str, now: datetime) -> Typed:
    """The schedule at the start of ``text`` after the command word ``lead`` (``every``,
    ``daily``, ``weekly``, ``monthly``): its cron expression, its zone, and how many words it
    took. Raises ScheduleError."""
    from mailing.errors import MailingError
    from mailing.when import recurring_cron

    words = text.split()
    cron = _cron(words)
    if cron is not None:
        used = 5
    else:
        at = next(
            (i for i, w in enumerate(words) if _TIME.match(w) and (":" in w or "." in w)), None
        )
        if at is None:
            at = next((i for i, w in enumerate(words) if _TIME.match(w)), None)
        if at is None:
            raise ScheduleError("no time of day")
        day = " ".join(words[:at])
        if lead == "daily":
            day = day or "day"
        elif lead in _DEFAULT_DAY:
            day = (f"month {day}" if lead == "monthly" else day) if day else _DEFAULT_DAY[lead]
        phrase = f"every {day} {words[at]}"
        try:
            cron = recurring_cron(phrase, default_tz, now)
        except MailingError as e:
            raise ScheduleError(str(e)) from None
        if cron is None:
            raise ScheduleError("not a recurring schedule")
        used = at + 1
    tz = _zone(words[used]) if used < len(words) else None
    return Typed(cron, tz or default_tz, used + (1 if tz else 0))


def read_subscription(lead: str, text: str, default_tz: str, now: datetime) -> Typed:
    """The schedule, then a verb (``post``), the query, and ``here`` / ``as xlsx`` at the end.
    Raises ScheduleError."""
    typed = read_schedule(lead, text, default_tz, now)
    rest = text.split()[typed.used :]
    if not rest or rest[0].lower() not in POST_WORDS:
        raise ScheduleError("no verb")
    query, here, output = " " + " ".join(rest[1:]), False, "answer"
    for _ in range(2):  # "… here as xlsx" and "… as xlsx here"
        if m := _HERE_AT_END.search(query):
            query, here = query[: m.start()], True
        if m := _FORMAT.search(query):
            query = query[: m.start()]
            output = "csv" if m.group(1).lower() == "csv" else "xlsx"
    return Typed(typed.cron, typed.tz, typed.used, query.strip(), here, output)


def split_lead(text: str, default_tz: str, now: datetime) -> Typed:
    """A whole schedule as configured (``daily 8:00``, ``every monday 9:00 Europe/Berlin``, a
    cron expression): nothing may follow it. Raises ScheduleError."""
    from bot.lexicon import canonical

    words = canonical(text.strip()).split()
    lead = words[0].lower() if words and words[0].lower() in LEADS else "every"
    rest = " ".join(words[1:] if words and words[0].lower() in LEADS else words)
    typed = read_schedule(lead, rest, default_tz, now)
    if typed.used != len(rest.split()):
        raise ScheduleError("words after the schedule")
    return typed
