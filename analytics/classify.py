"""Pure classification: per-customer aggregates in, ABC / XYZ / RFM classes out (pandas).

No database here: ``analytics.classes`` aggregates in SQL and hands one row per customer to
``classify``; tests and benchmarks call it directly.

Example::

    frame = pd.DataFrame({"external_id": ["a", "b"], "revenue": [900.0, 100.0], ...})
    out = classify(frame, months=12, abc_thresholds=(0.8, 0.95), xyz_thresholds=(0.1, 0.25))
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["classify", "abc_classes", "xyz_classes", "quintile_scores", "rfm_segment", "SEGMENTS"]

# Comparisons against thresholds allow for the last bits of floating-point noise, so that a
# CV of exactly 0.25 computed as 0.25000000000000006 is still Y, on every backend.
_EPS = 1e-9

# (segment, R range, FM bound, bound kind): evaluated top to bottom, first match wins.
SEGMENTS: tuple[tuple[str, tuple[int, int], float | None, str], ...] = (
    ("champions", (4, 5), 4.5, ">="),
    ("cannot lose them", (1, 1), 4.5, ">="),
    ("loyal", (3, 5), 3.5, ">="),
    ("at risk", (1, 2), 3.5, ">="),
    ("potential loyalists", (3, 5), 2.5, ">="),
    ("need attention", (2, 2), 2.5, ">="),
    ("new", (4, 5), 1.5, "<="),
    ("promising", (3, 5), None, "any"),
    ("hibernating", (2, 2), None, "any"),
    ("lost", (1, 1), None, "any"),
)


def abc_classes(
    external_id: pd.Series, revenue: pd.Series, thresholds: tuple[float, float]
) -> pd.Series:
    """Pareto classes: A while the cumulative share *before* the customer is below the first
    threshold, B below the second, else C; zero or negative revenue is C.

    >>> abc_classes(pd.Series(["a", "b", "c"]), pd.Series([80.0, 15.0, 5.0]), (0.8, 0.95)).tolist()
    ['A', 'B', 'C']
    """
    rev = revenue.to_numpy(dtype=float)
    out = np.full(len(rev), "C", dtype=object)
    positive = rev > 0
    if not positive.any():
        return pd.Series(out, index=revenue.index, dtype=object)
    at, values = np.flatnonzero(positive), rev[positive]
    keys = external_id[positive]
    if keys.is_monotonic_increasing:  # already by key (the copy sends it so): one numeric sort
        order = np.argsort(-values, kind="stable")
    else:
        frame = pd.DataFrame({"k": keys.to_numpy(), "r": values})
        frame = frame.sort_values(["r", "k"], ascending=[False, True], kind="mergesort")
        order = frame.index.to_numpy()
    r = values[order]
    ordered = pd.Series(r)
    total = float(ordered.sum())
    before = ordered.cumsum().to_numpy() - r
    share = before / total
    a, b = thresholds
    out[at[order]] = np.where(share < a - _EPS, "A", np.where(share < b - _EPS, "B", "C"))
    return pd.Series(out, index=revenue.index, dtype=object)


def xyz_classes(
    revenue: pd.Series, sum_squares: pd.Series, months: int, thresholds: tuple[float, float]
) -> pd.Series:
    """Regularity from the monthly totals' first two moments (months without sales are zeros):
    CV = population σ / μ; X ≤ first threshold, Y ≤ second, else Z; None when μ ≤ 0.

    >>> xyz_classes(pd.Series([1200.0]), pd.Series([120000.0]), 12, (0.1, 0.25)).tolist()
    ['X']
    """
    mean = revenue.to_numpy(dtype=float) / months
    var = np.clip(sum_squares.to_numpy(dtype=float) / months - mean * mean, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.sqrt(var) / mean
    x, y = thresholds
    labels = np.where(cv <= x + _EPS, "X", np.where(cv <= y + _EPS, "Y", "Z")).astype(object)
    labels[~(mean > 0)] = None
    return pd.Series(labels, index=revenue.index, dtype=object)


def quintile_scores(values: pd.Series, *, reverse: bool = False) -> pd.Series:
    """Scores 1–5 by the 20/40/60/80th percentiles (linear interpolation): ≤ q20 → 1, …, else 5;
    ``reverse`` gives 5 to the smallest values (recency).

    >>> quintile_scores(pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])).tolist()
    [1, 2, 3, 4, 5]
    """
    v = values.to_numpy(dtype=float)
    if len(v) == 0:
        return pd.Series([], dtype="int64", index=values.index)
    q = np.percentile(v, [20, 40, 60, 80])
    score = np.searchsorted(q + _EPS * np.maximum(1.0, np.abs(q)), v, side="left") + 1
    if reverse:
        score = 6 - score
    return pd.Series(score.astype("int64"), index=values.index)


def rfm_segment(r: pd.Series, f: pd.Series, m: pd.Series) -> pd.Series:
    """Named segments on R and FM = (F + M) / 2, first matching row of ``SEGMENTS`` wins.

    >>> rfm_segment(pd.Series([5]), pd.Series([5]), pd.Series([4])).tolist()
    ['champions']
    """
    fm = (f.to_numpy() + m.to_numpy()) / 2.0
    rv = r.to_numpy()
    conditions, names = [], []
    for name, (lo, hi), bound, kind in SEGMENTS:
        cond = (rv >= lo) & (rv <= hi)
        if kind == ">=":
            cond &= fm >= bound
        elif kind == "<=":
            cond &= fm <= bound
        conditions.append(cond)
        names.append(name)
    codes = np.select(conditions, list(range(len(names))), default=len(names))
    labels = np.array([*names, None], dtype=object)[codes]  # integer choice, then the names
    return pd.Series(labels, index=r.index, dtype=object)


def classify(
    frame: pd.DataFrame,
    *,
    months: int,
    abc_thresholds: tuple[float, float],
    xyz_thresholds: tuple[float, float],
) -> pd.DataFrame:
    """Add abc, xyz, r/f/m scores and rfm_segment to one row per customer.

    ``frame`` has external_id, revenue (net, window), xyz_revenue and sum_squares (Σ and Σ² of
    the revenue of each of the ``months`` XYZ counts),
    frequency (distinct orders with a purchase), recency_days (None without a purchase).

    >>> classify(frame, months=12, abc_thresholds=(0.8, 0.95), xyz_thresholds=(0.1, 0.25))
    """
    out = frame.copy(deep=False)  # new columns only: the caller's frame is left as it was
    out["abc"] = abc_classes(out["external_id"], out["revenue"], abc_thresholds)
    bought = out["recency_days"].notna().to_numpy()

    def scored(col: str) -> pd.Series:  # one column of the buyers, without taking every column
        return pd.Series(out[col].to_numpy()[bought])

    xyz = np.full(len(out), None, dtype=object)
    xyz[bought] = xyz_classes(
        scored("xyz_revenue"), scored("sum_squares"), months, xyz_thresholds
    ).to_numpy()
    out["xyz"] = xyz
    r = quintile_scores(scored("recency_days"), reverse=True)
    f = quintile_scores(scored("frequency"))
    m = quintile_scores(scored("revenue"))
    for col, s in (("r_score", r), ("f_score", f), ("m_score", m)):
        values = np.zeros(len(out), dtype="int64")
        values[bought] = s.to_numpy()
        out[col] = pd.arrays.IntegerArray(values, ~bought)  # missing where nothing was bought
    segment = np.full(len(out), None, dtype=object)
    segment[bought] = rfm_segment(r, f, m).to_numpy()
    out["rfm_segment"] = segment
    return out
