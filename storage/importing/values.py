"""Turning text cells into values, a column at a time (vectorised, with a per-cell fallback).

Each ``parse_*`` takes a pandas Series of stripped strings ('' = empty) and returns
``(values, bad)``: the parsed Series (None where empty) and a boolean mask of cells that are
not empty but could not be read.

Example::

    values, bad = parse_numbers(pd.Series(["1 234,50", "7", "", "x"]))
    # values: 1234.5, 7.0, None, None — bad: False, False, False, True
"""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pandas as pd

__all__ = [
    "parse_numbers",
    "parse_floats",
    "parse_dates",
    "parse_days",
    "parse_datetimes",
    "parse_yesno",
    "normalise_ids",
    "infer_type",
    "combine_types",
    "to_number",
    "YES",
    "NO",
]

YES = frozenset({"yes", "y", "true", "да", "x", "✓"})
NO = frozenset({"no", "n", "false", "нет"})
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_INT_FLOAT = re.compile(r"^(-?\d+)\.0+$")
_DAY_FIRST = ("%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d/%m/%Y", "%d/%m/%Y %H:%M")
_ISO = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def to_number(text: str) -> float | None:
    """One cell: ``1 234,50``, ``1234.5``, ``1,234.50``, ``1.234,50`` → float; None if unreadable."""
    s = _SPACES.sub("", text)
    if "," in s and "." in s:
        s = (
            s.replace(".", "").replace(",", ".")
            if s.rfind(",") > s.rfind(".")
            else s.replace(",", "")
        )
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def parse_floats(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Like ``parse_numbers`` but a float64 Series (NaN where empty or bad): no per-cell objects."""
    empty = cells == ""
    fast = pd.to_numeric(cells.where(~empty, "nan"), errors="coerce").astype(float)
    slow = fast.isna() & ~empty
    if slow.any():
        fast[slow] = [np.nan if v is None else v for v in cells[slow].map(to_number)]
    fast[~np.isfinite(fast)] = np.nan
    return fast, ~empty & fast.isna()


def parse_numbers(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    fast, bad = parse_floats(cells)
    return fast.astype(object).where(fast.notna(), None), bad


def _to_datetime(text: str) -> datetime | None:
    s = text.strip()
    for fmt in _ISO + _DAY_FIRST:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(s).replace(tzinfo=None)
    except ValueError:
        return None


def _stamp(text: str) -> pd.Timestamp:
    value = _to_datetime(text)
    try:
        return pd.NaT if value is None else pd.Timestamp(value).as_unit("ns")
    except (OverflowError, ValueError):  # outside pandas' years 1677-2262: not a sales date
        return pd.NaT


def parse_datetimes(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ISO (``2026-03-01``, ``2026-03-01 08:26``) or day-first (``01.03.2026``) → datetime."""
    empty = (cells == "").to_numpy()
    fast = pd.to_datetime(cells.where(~empty), format="ISO8601", errors="coerce")
    values = fast.array.to_pydatetime().astype(object)
    for pos in np.flatnonzero(pd.isna(values) & ~empty):
        values[pos] = _to_datetime(cells.iat[pos])
    missing = pd.isna(values)
    values[missing] = None
    return pd.Series(values, index=cells.index, dtype=object), pd.Series(
        missing & ~empty, index=cells.index
    )


def parse_days(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Like ``parse_dates`` but a datetime64 Series at midnight (NaT where empty or bad)."""
    empty = (cells == "").to_numpy()
    fast = pd.to_datetime(cells.where(~empty), format="ISO8601", errors="coerce")
    slow = np.flatnonzero(fast.isna().to_numpy() & ~empty)
    if len(slow):
        fast = fast.copy()
        fast.iloc[slow] = pd.DatetimeIndex(
            [_stamp(cells.iat[pos]) for pos in slow], dtype=fast.dtype
        )
    fast = fast.dt.normalize()
    return fast, pd.Series(fast.isna().to_numpy() & ~empty, index=cells.index)


def parse_dates(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    values, bad = parse_datetimes(cells)
    days = [v.date() if v is not None else None for v in values]
    return pd.Series(days, index=cells.index, dtype=object), bad


def parse_yesno(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    low = cells.str.lower()
    values = low.map(lambda s: True if s in YES else False if s in NO else None)
    bad = (cells != "") & values.isna()
    return values.astype(object).where(values.notna(), None), bad


def normalise_ids(cells: pd.Series) -> pd.Series:
    """Identifiers exported as floats (``17850.0``) become ``17850``; others stay as written."""
    codes, uniques = pd.factorize(cells.to_numpy(dtype=object), use_na_sentinel=False)
    maybe = [c.endswith("0") and "." in c for c in uniques]
    if not any(maybe):
        return cells
    fixed = np.array([_INT_FLOAT.sub(r"\1", c) if m else c for c, m in zip(uniques, maybe, strict=True)],
                     dtype=object)  # fmt: skip
    return pd.Series(fixed[codes], index=cells.index, dtype=object)


def infer_type(cells: pd.Series) -> str | None:
    """The narrowest property type that reads every non-empty cell: number, date, yesno, text.

    None when every cell is empty.
    """
    filled = cells[cells != ""]
    if filled.empty:
        return None
    for kind, parse in (("number", parse_numbers), ("date", parse_dates), ("yesno", parse_yesno)):
        if not parse(filled)[1].any():
            return kind
    return "text"


def combine_types(a: str | None, b: str | None) -> str | None:
    """The type that fits two parts of a column (a number column with a word in it is text)."""
    if a is None or a == b:
        return b if a is None else a
    return None if b is None and a is None else (a if b is None else "text")
