"""The pure classification rules, case by case (no database)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.aggregate import Window, default_window
from analytics.classify import abc_classes, quintile_scores, rfm_segment, xyz_classes


@pytest.mark.parametrize(
    "revenue, expected",
    [
        ([80, 15, 5], ["A", "B", "C"]),  # the crossing customer keeps the higher class
        ([79, 16, 5], ["A", "A", "C"]),  # 79% before the 2nd → A; exactly 95% → C
        ([50, 50], ["A", "A"]),
        ([100, 0, -5], ["A", "C", "C"]),  # zero and negative revenue are C
        ([0, 0], ["C", "C"]),
        ([10, 10, 10, 10, 10, 10, 10, 10, 10, 10], ["A"] * 8 + ["B", "B"]),  # ties by external_id
    ],
)
def test_abc(revenue: list[float], expected: list[str]) -> None:
    ids = pd.Series([f"k{i:02d}" for i in range(len(revenue))])
    assert abc_classes(ids, pd.Series(revenue, dtype=float), (0.8, 0.95)).tolist() == expected


def test_abc_ties_follow_external_id_not_row_order() -> None:
    ids = pd.Series(["b", "a", "c"])
    out = abc_classes(ids, pd.Series([10.0, 10.0, 10.0]), (0.3, 0.6))
    assert dict(zip(ids, out, strict=True)) == {"a": "A", "b": "B", "c": "C"}


@pytest.mark.parametrize(
    "months, expected",
    [
        ([100] * 12, "X"),
        ([110, 90] * 6, "X"),  # CV exactly 0.10
        ([125, 75] * 6, "Y"),  # CV exactly 0.25
        ([126, 74] * 6, "Z"),
        ([1200] + [0] * 11, "Z"),  # months without sales count as zero
        ([100, -100] * 6, None),  # μ ≤ 0
    ],
)
def test_xyz(months: list[float], expected: str | None) -> None:
    s = pd.Series([float(sum(months))])
    sq = pd.Series([float(sum(m * m for m in months))])
    assert xyz_classes(s, sq, len(months), (0.10, 0.25)).tolist() == [expected]


def test_quintiles_interpolate_and_reverse() -> None:
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    # q20 = 2.8, q40 = 4.6, q60 = 6.4, q80 = 8.2 (linear interpolation)
    assert quintile_scores(values).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores(values, reverse=True).tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert quintile_scores(pd.Series([7.0] * 4)).tolist() == [1, 1, 1, 1]


@pytest.mark.parametrize(
    "r, f, m, segment",
    [
        (5, 5, 4, "champions"),
        (4, 4, 5, "champions"),
        (1, 5, 4, "cannot lose them"),
        (3, 5, 5, "loyal"),
        (5, 4, 3, "loyal"),
        (2, 4, 3, "at risk"),
        (1, 3, 4, "at risk"),
        (4, 3, 2, "potential loyalists"),
        (2, 2, 3, "need attention"),
        (5, 1, 2, "new"),
        (4, 1, 1, "new"),
        (3, 1, 1, "promising"),
        (2, 1, 2, "hibernating"),
        (1, 2, 2, "lost"),
    ],
)
def test_segments(r: int, f: int, m: int, segment: str) -> None:
    assert rfm_segment(pd.Series([r]), pd.Series([f]), pd.Series([m])).tolist() == [segment]


@pytest.mark.parametrize(
    "today, months, start",
    [
        (date(2026, 11, 22), 12, date(2025, 11, 23)),
        (date(2026, 11, 22), 6, date(2026, 5, 23)),
        (date(2026, 3, 31), 1, date(2026, 3, 1)),  # 2026-02-28 clamped, then the day after
        (date(2024, 2, 29), 12, date(2023, 3, 1)),
    ],
)
def test_default_window(today: date, months: int, start: date) -> None:
    assert default_window(today, months) == Window(start, today)


@pytest.mark.parametrize(
    "start, end, months",
    [
        (date(2025, 11, 23), date(2026, 11, 22), 11),  # only the complete months Dec .. Oct
        (date(2026, 1, 1), date(2026, 12, 31), 12),
        (date(2025, 12, 1), date(2026, 11, 22), 11),
        (date(2025, 11, 23), date(2026, 10, 31), 11),
        (date(2026, 11, 5), date(2026, 11, 22), 1),  # no complete month: the months touched
        (date(2026, 10, 15), date(2026, 11, 10), 2),
    ],
)
def test_xyz_counts_complete_calendar_months(start: date, end: date, months: int) -> None:
    assert Window(start, end).months == months
