"""Times: one-off and recurring, read in the configured zone, DST-safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailing import MailingError, next_run_after, parse_when
from mailing.when import recurring_cron

# Wednesday 2026-03-25 13:00 in Berlin (CET, UTC+1); DST starts on Sunday 2026-03-29.
NOW = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, first_utc, cron",
    [
        ("now", datetime(2026, 3, 25, 12, 0), None),
        ("today 18:30", datetime(2026, 3, 25, 17, 30), None),
        ("tomorrow 9:00", datetime(2026, 3, 26, 8, 0), None),
        ("tomorrow at 9am", datetime(2026, 3, 26, 8, 0), None),
        ("Monday 10:00", datetime(2026, 3, 30, 8, 0), None),  # after the DST change: UTC+2
        ("Wednesday 10:00", datetime(2026, 4, 1, 8, 0), None),  # today's 10:00 is past
        ("Wednesday 18:00", datetime(2026, 3, 25, 17, 0), None),
        ("2026-12-01 09:00", datetime(2026, 12, 1, 8, 0), None),
        ("01.12.2026 9:00", datetime(2026, 12, 1, 8, 0), None),
        ("every Monday 9:00", datetime(2026, 3, 30, 7, 0), "0 9 * * mon"),
        ("every day 8:00", datetime(2026, 3, 26, 7, 0), "0 8 * * *"),
        ("every weekday 7:30", datetime(2026, 3, 26, 6, 30), "30 7 * * mon-fri"),
        ("every month 1 9:00", datetime(2026, 4, 1, 7, 0), "0 9 1 * *"),
        ("every month on the 1st at 9:00", datetime(2026, 4, 1, 7, 0), "0 9 1 * *"),
        ("завтра 9:00", datetime(2026, 3, 26, 8, 0), None),
        ("каждый понедельник 9:00", datetime(2026, 3, 30, 7, 0), "0 9 * * mon"),
    ],
)
def test_parse_when(text: str, first_utc: datetime, cron: str | None) -> None:
    schedule = parse_when(text, "Europe/Berlin", NOW)
    assert schedule.first_run_utc == first_utc
    assert schedule.cron == cron
    assert schedule.tz == "Europe/Berlin"


@pytest.mark.parametrize(
    "text, why",
    [
        ("", "it is empty"),
        ("today 10:00", "already past"),
        ("2020-01-01 09:00", "already past"),
        ("tomorrow 25:00", "is not a time of day"),
        ("tomorrow", "'nothing' is not a time of day"),
        ("next week", "'next' is not a day"),
        ("every fortnight 9:00", "'fortnight' is not a day"),
        ("every month 9:00", "needs a day of the month"),
        ("every month 32 9:00", "not a day of the month"),
    ],
)
def test_unreadable_times_say_why_and_show_examples(text: str, why: str) -> None:
    with pytest.raises(MailingError) as err:
        parse_when(text, "Europe/Berlin", NOW)
    assert why in str(err.value) and "every Monday 9:00" in str(err.value)


TEXTS = [
    "now",
    "today 18:30",
    "tomorrow 9:00",
    "every Monday 9:00",
    "every day 8:00",
    "every weekday 7:30",
    "every month on the 1st at 9:00",
    "every month 31 23:59",
    "every day 2:30",  # a wall time Berlin skips on 2026-03-29
    "каждый понедельник 9:00",
    "по будням 9:00",
    "",
    "every",
    "today 10:00",
    "every fortnight 9:00",
    "every month 9:00",
    "every month 32 9:00",
    "every day 25:00",
    "every day 13pm",
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("zone", ["Europe/Berlin", "UTC", "Nowhere/Zone"])
def test_recurring_cron_is_parse_whens_cron(text: str, zone: str) -> None:
    """``recurring_cron`` (the schedules of the configuration and of the chat's subscriptions,
    read without APScheduler) gives parse_when's cron, or raises what parse_when raises."""

    def outcome(read: object) -> object:
        try:
            return read()  # type: ignore[operator]
        except Exception as e:  # noqa: BLE001 - the error is the outcome compared
            return type(e), str(e)

    expected = outcome(lambda: parse_when(text, zone, NOW).cron)
    assert outcome(lambda: recurring_cron(text, zone, NOW)) == expected


def test_recurrence_keeps_local_time_across_dst_changes() -> None:
    schedule = parse_when("every day 9:00", "Europe/Berlin", NOW)
    runs = [schedule.first_run_utc]
    for _ in range(5):
        runs.append(next_run_after(schedule.cron, "Europe/Berlin", runs[-1]))
    # 9:00 Berlin is 08:00 UTC until Saturday 28 March, 07:00 UTC from Sunday 29 March.
    assert [r.hour for r in runs] == [8, 8, 8, 7, 7, 7]
    autumn = next_run_after("0 9 * * sun", "Europe/Berlin", datetime(2026, 10, 20))
    assert autumn == datetime(2026, 10, 25, 8, 0)  # back to CET on 25 October


def test_a_different_zone_moves_the_utc_time() -> None:
    moscow = parse_when("tomorrow 9:00", "Europe/Moscow", NOW).first_run_utc
    assert moscow == datetime(2026, 3, 26, 6, 0)


@pytest.mark.parametrize(
    "zone, after, want",
    [
        (
            "America/New_York",
            datetime(2028, 3, 12, 5, 0),
            datetime(2028, 3, 13, 4, 0),
        ),  # 23-hour day
        (
            "Europe/Berlin",
            datetime(2026, 3, 28, 23, 0),
            datetime(2026, 3, 29, 22, 0),
        ),  # midnight, then CEST
        (
            "Europe/Berlin",
            datetime(2026, 10, 24, 22, 0),
            datetime(2026, 10, 25, 23, 0),
        ),  # a 25-hour day
    ],
)
def test_a_daily_run_comes_the_next_local_day_across_a_dst_change(
    zone: str, after: datetime, want: datetime
) -> None:
    """Found by the property below: APScheduler 3 counted a day as 24 hours and skipped one."""
    assert next_run_after("0 0 * * *", zone, after) == want


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
    hour=st.integers(0, 23).filter(lambda h: h not in (2, 3)),  # 2:00-3:00 can be skipped by DST
    minute=st.integers(0, 59),
    zone=st.sampled_from(["Europe/Berlin", "Europe/Moscow", "America/New_York", "UTC"]),
)
def test_every_run_is_in_the_future_at_the_local_time_asked(
    start: datetime, hour: int, minute: int, zone: str
) -> None:
    schedule = parse_when(f"every day {hour}:{minute:02d}", zone, start.replace(tzinfo=UTC))
    first = schedule.first_run_utc
    second = next_run_after(schedule.cron or "", zone, first)
    for run in (first, second):
        local = run.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
        assert (local.hour, local.minute) == (hour, minute)
    assert start <= first < second <= first + timedelta(hours=25)
