"""When a follow-up is due, as a person types it in a sentence, in English or Russian:
``friday 10:00``, ``tomorrow``, ``in 2 weeks``, ``in 3 hours``, ``2026-12-01 15:30``,
``в пятницу 10:00``, ``завтра``, ``через 2 недели``. The words are found anywhere in the text
and taken out of it; a day without a time is at 09:00 in the person's time zone.

Example::

    due, rest = find_when("friday 10:00 call Romashka", now=aware_now)  # aware UTC, "call Romashka"
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

__all__ = ["find_when", "DEFAULT_TIME"]

DEFAULT_TIME = time(9, 0)

_WEEKDAYS = {
    **dict.fromkeys(("monday", "mon", "понедельник"), 0),
    **dict.fromkeys(("tuesday", "tue", "вторник"), 1),
    **dict.fromkeys(("wednesday", "wed", "среду", "среда"), 2),
    **dict.fromkeys(("thursday", "thu", "четверг"), 3),
    **dict.fromkeys(("friday", "fri", "пятницу", "пятница"), 4),
    **dict.fromkeys(("saturday", "sat", "субботу", "суббота"), 5),
    **dict.fromkeys(("sunday", "sun", "воскресенье"), 6),
}
_DAYS = {"today": 0, "tomorrow": 1, "сегодня": 0, "завтра": 1, "послезавтра": 2}
_UNITS = {
    **dict.fromkeys(("hour", "hours", "час", "часа", "часов"), "hours"),
    **dict.fromkeys(("day", "days", "день", "дня", "дней"), "days"),
    **dict.fromkeys(("week", "weeks", "неделю", "недели", "недель"), "weeks"),
    **dict.fromkeys(("month", "months", "месяц", "месяца", "месяцев"), "months"),
}
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}

_W = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_U = "|".join(sorted(_UNITS, key=len, reverse=True))
_DAY = re.compile(
    rf"(?<!\w)(?:(?P<rel>day after tomorrow|{'|'.join(_DAYS)})"
    rf"|(?:on |next |в |во )?(?P<wd>{_W})"
    rf"|(?:in|через) (?:(?P<n>\d{{1,3}}|a|an|one|two|three) )?(?P<unit>{_U})"
    rf"|(?P<iso>\d{{4}}-\d\d-\d\d))(?!\w)",
    re.IGNORECASE,
)
_TIME = re.compile(r"(?<![\w:])(?:at |в )?(?P<h>[01]?\d|2[0-3])[:.](?P<m>[0-5]\d)(?![\w:])", re.I)


def _cut(text: str, m: re.Match[str]) -> str:
    return text[: m.start()] + " " + text[m.end() :]


def find_when(text: str, *, now: datetime) -> tuple[datetime, str] | None:
    """(the due moment as aware UTC, the text without the words of it), or None when the text
    names no moment. ``now`` is aware, in the person's time zone."""
    tz = now.tzinfo
    day_m = _DAY.search(text)
    rest = _cut(text, day_m) if day_m else text
    time_m = _TIME.search(rest)
    if time_m:
        rest = _cut(rest, time_m)
    if day_m is None and time_m is None:
        return None
    at = time(int(time_m["h"]), int(time_m["m"])) if time_m else DEFAULT_TIME
    today = now.date()
    day: date
    if day_m is None:
        day = today if datetime.combine(today, at, tzinfo=tz) > now else today + timedelta(days=1)
    elif day_m["rel"]:
        rel = day_m["rel"].lower()
        day = today + timedelta(days=2 if rel == "day after tomorrow" else _DAYS[rel])
    elif day_m["wd"]:
        ahead = (_WEEKDAYS[day_m["wd"].lower()] - today.weekday() - 1) % 7 + 1
        day = today + timedelta(days=ahead)
    elif day_m["unit"]:
        raw = (day_m["n"] or "1").lower()
        n = int(raw) if raw.isdigit() else _NUMBERS[raw]
        unit = _UNITS[day_m["unit"].lower()]
        if unit == "hours":
            return (now + timedelta(hours=n)).astimezone(UTC), _tidy(rest)
        day = today + relativedelta(**{unit: n})
    else:
        day = date.fromisoformat(day_m["iso"])
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC), _tidy(rest)


def _tidy(text: str) -> str:
    return " ".join(text.split()).strip(" ,.;:-")
