"""Periods as typed → concrete calendar spans, both ends inclusive, relative to *today*.

Example::

    to_period(PeriodWords("last", unit="quarter"), date(2026, 11, 22))
    # Period(start=date(2026, 7, 1), end=date(2026, 9, 30))
"""

from __future__ import annotations

from datetime import date, timedelta

from query_language.ast import Period, PeriodWords
from query_language.errors import QueryError

__all__ = ["to_period", "add_months", "period_text"]


def add_months(d: date, months: int) -> date:
    """``d`` moved by whole months, the day clamped to the month's length."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    m += 1
    last = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(d.day, last))


def _month(y: int, m: int) -> Period:
    return Period(date(y, m, 1), add_months(date(y, m, 1), 1) - timedelta(days=1))


def _quarter(y: int, q: int) -> Period:
    start = date(y, 3 * q - 2, 1)
    return Period(start, add_months(start, 3) - timedelta(days=1))


def _unit_start(unit: str, today: date) -> date:
    if unit == "day":
        return today
    if unit == "week":
        return today - timedelta(days=today.weekday())
    if unit == "month":
        return today.replace(day=1)
    if unit == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return date(today.year, 1, 1)


def _shift(unit: str, d: date, n: int) -> date:
    if unit == "day":
        return d + timedelta(days=n)
    if unit == "week":
        return d + timedelta(weeks=n)
    return add_months(d, n * {"month": 1, "quarter": 3, "year": 12}[unit])


def _year(p: PeriodWords, y: int) -> int:
    if not 1900 <= y <= 2200:
        raise QueryError(
            f"{y} is not a year I can use", span=p.span, expected=["a year such as 2025"]
        )
    return y


def to_period(p: PeriodWords, today: date) -> Period:
    """The concrete span of ``p``; ``today`` is the last day of every relative period."""
    if p.form == "day":
        d = today + timedelta(days=p.n or 0)
        return Period(d, d, span=p.span)
    if p.form == "this":
        return Period(_unit_start(p.unit or "year", today), today, span=p.span)
    if p.form == "last":
        unit = p.unit or "month"
        start = _shift(unit, _unit_start(unit, today), -1)
        return Period(start, _unit_start(unit, today) - timedelta(days=1), span=p.span)
    if p.form == "span":
        n = int(p.n or 0)
        if n <= 0:
            raise QueryError(
                "a span must be at least 1", span=p.span, expected=["e.g. last 30 days"]
            )
        try:
            start = _shift(p.unit or "day", today, -n) + timedelta(days=1)
        except (ValueError, OverflowError):
            raise QueryError(
                f"{n} {p.unit}s is too long a span",
                span=p.span,
                expected=["a span of at most a few hundred years"],
            ) from None
        return Period(start, today, span=p.span)
    if p.form == "year":
        y = _year(p, int(p.n or 0))
        return Period(date(y, 1, 1), date(y, 12, 31), span=p.span)
    if p.form in ("month", "quarter"):
        y = _year(p, int(p.unit)) if p.unit else today.year
        n = int(p.n or 1)
        if p.form == "month" and not p.unit and n > today.month:
            y -= 1  # "in December" in November means last December
        got = _month(y, n) if p.form == "month" else _quarter(y, n)
        return Period(got.start, got.end, span=p.span)
    if p.form == "since":
        return Period(p.first, today, span=p.span)
    if p.form == "before":
        assert p.first is not None
        return Period(None, p.first - timedelta(days=1), span=p.span)
    if p.form == "after":
        assert p.first is not None
        return Period(p.first + timedelta(days=1), today, span=p.span)
    if p.form == "between":
        first, second = p.first, p.second
        if first and second and second < first:
            raise QueryError(
                "the period ends before it starts", span=p.span, expected=["the earlier date first"]
            )
        return Period(first, second, span=p.span)
    raise QueryError(f"unknown period form {p.form}", span=p.span)


def period_text(p: Period) -> str:
    """``2026-07-01..2026-09-30``; open ends read ``..2026-02-28`` and ``2026-03-02..``."""
    if p.start and p.end and p.start == p.end:
        return p.start.isoformat()
    return f"{p.start.isoformat() if p.start else ''}..{p.end.isoformat() if p.end else ''}"
