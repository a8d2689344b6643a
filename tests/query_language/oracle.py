"""A pandas oracle of the query language's meaning, written from the spec alone.

Nothing here imports ``query_language``: every method re-states one row of
the query-language spec (docs/query-language.md) over the fixture's rows. Conditions return boolean Series
indexed by customer id, so a test case combines them with ``&``, ``|`` and ``~``.

Example::

    o = Oracle(build_rows())
    o.ids(o.city("Moscow") & (o.spend(o.period("last quarter"), product="Super Drill") > 40_000))
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Any

import pandas as pd

__all__ = ["Oracle", "period", "Span"]

Span = tuple[date | None, date | None]  # both ends inclusive; None is open
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _months_back(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def period(text: str, today: date) -> Span:
    """The concrete span of a period phrase, e.g. ``period("last quarter", today)``."""
    t = text.lower().strip()
    q = (today.month - 1) // 3
    simple: dict[str, Span] = {
        "today": (today, today),
        "yesterday": (today - timedelta(1), today - timedelta(1)),
        "this week": (today - timedelta(today.weekday()), today),
        "last week": (
            today - timedelta(today.weekday() + 7),
            today - timedelta(today.weekday() + 1),
        ),
        "this month": (today.replace(day=1), today),
        "this quarter": (date(today.year, 3 * q + 1, 1), today),
        "this year": (date(today.year, 1, 1), today),
        "ytd": (date(today.year, 1, 1), today),
        "year to date": (date(today.year, 1, 1), today),
        "last year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    }
    if t in simple:
        return simple[t]
    if t == "last month":
        end = today.replace(day=1) - timedelta(1)
        return end.replace(day=1), end
    if t == "last quarter":
        start = _months_back(date(today.year, 3 * q + 1, 1), 3)
        return start, date(today.year, 3 * q + 1, 1) - timedelta(1)
    if m := re.fullmatch(r"(?:last |in |for )?(\d+) (day|week|month|year)s?", t):
        n, unit = int(m[1]), m[2]
        if unit == "day":
            return today - timedelta(n - 1), today
        if unit == "week":
            return today - timedelta(7 * n - 1), today
        return _months_back(today, n * (12 if unit == "year" else 1)) + timedelta(1), today
    if m := re.fullmatch(r"(?:in )?(\d{4})", t):
        return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
    if m := re.fullmatch(r"(?:in )?(\d{4})-(\d{2})", t):
        y, mo = int(m[1]), int(m[2])
        return date(y, mo, 1), _month_end(y, mo)
    if m := re.fullmatch(r"(?:in )?([a-z]+) (\d{4})", t):
        y, mo = int(m[2]), _MONTHS[m[1]]
        return date(y, mo, 1), _month_end(y, mo)
    if m := re.fullmatch(r"(?:in )?q([1-4]) (\d{4})", t):
        y, qq = int(m[2]), int(m[1])
        return date(y, 3 * qq - 2, 1), _month_end(y, 3 * qq)
    if m := re.fullmatch(r"since (\S+)", t):
        return date.fromisoformat(m[1]), today
    if m := re.fullmatch(r"before (\S+)", t):
        return None, date.fromisoformat(m[1]) - timedelta(1)
    if m := re.fullmatch(r"after (\S+)", t):
        return date.fromisoformat(m[1]) + timedelta(1), today
    if m := re.fullmatch(r"(?:between|from) (\S+) (?:and|to) (\S+)", t):
        return date.fromisoformat(m[1]), date.fromisoformat(m[2])
    raise ValueError(f"the oracle knows no period {text!r}")


class Oracle:
    """The fixture as DataFrames plus one method per condition of the spec."""

    def __init__(self, rows: dict[str, list[dict[str, Any]]], today: date) -> None:
        self.today = today
        f = {k: pd.DataFrame(v) for k, v in rows.items()}
        self.c = f["customers"].set_index("id")
        self.c["manager"] = self.c["manager_id"].map(f["managers"].set_index("id")["surname"])
        lines = f["order_lines"].merge(
            f["orders"], left_on="order_id", right_on="id", suffixes=("", "_o")
        )
        self.lines = lines.merge(
            f["products"], left_on="product_id", right_on="id", suffixes=("", "_p")
        )
        self.orders = f["orders"]
        inter = f["interactions"]
        inter["day"] = pd.to_datetime(inter["date"]).dt.date
        self.inter = inter
        tags = f["customer_tags"].merge(f["tags"], left_on="tag_id", right_on="id")
        self.tags = tags.groupby("customer_id")["name"].agg(set)
        props = f["customer_properties"].merge(
            f["property_definitions"], left_on="property_id", right_on="id"
        )
        self.props = props
        self.classes = f["customer_classes"].set_index("customer_id")
        self.segments = f["segments"].set_index("name")
        self.members = f["segment_members"]
        self.all = pd.Series(True, index=self.c.index)
        self.f = f  # every table, for the conditions below that read one more
        self.follow_ups = f.get("follow_ups")  # issue 21; absent from the main fixture

    # --- helpers -------------------------------------------------------------------------
    def period(self, text: str) -> Span:
        return period(text, self.today)

    def _mask(self, values: pd.Series | set[int]) -> pd.Series:
        ids = set(values)
        return pd.Series(self.c.index.isin(list(ids)), index=self.c.index)

    def _lines(self, span: Span | None, product: str | None, category: str | None) -> pd.DataFrame:
        ln = self.lines
        if span:
            lo, hi = span
            ln = ln[[(lo is None or d >= lo) and (hi is None or d <= hi) for d in ln["date"]]]
        if product:
            ln = ln[
                (ln["name"].str.lower() == product.lower())
                | (ln["sku"].str.lower() == product.lower())
            ]
        if category:
            ln = ln[ln["category"].str.lower() == category.lower()]
        return ln

    def ids(self, mask: pd.Series) -> set[str]:
        return set(self.c.loc[mask[mask].index, "external_id"])

    # --- attributes ------------------------------------------------------------------------
    def attr(self, field: str, value: str) -> pd.Series:
        return self.c[field].fillna("").str.lower() == value.lower()

    def city(self, v: str) -> pd.Series:
        return self.attr("city", v)

    def region(self, v: str) -> pd.Series:
        return self.attr("region", v)

    def country(self, v: str) -> pd.Series:
        return self.attr("country", v)

    def industry(self, v: str) -> pd.Series:
        return self.attr("industry", v)

    def manager(self, v: str) -> pd.Series:
        return self.attr("manager", v)

    def status(self, *values: str) -> pd.Series:
        return self.c["status"].isin(values)

    @property
    def live(self) -> pd.Series:
        return self.c["status"] != "archived"

    def rating(self, *values: str | None) -> pd.Series:
        known = [v for v in values if v]
        return self.c["rating"].isin(known) | (self.c["rating"].isna() if None in values else False)

    def tag(self, name: str) -> pd.Series:
        return self._mask({cid for cid, names in self.tags.items() if name in names})

    def created(self, span: Span) -> pd.Series:
        lo, hi = span
        return self.c["created_at"].map(
            lambda d: (lo is None or d >= lo) and (hi is None or d <= hi)
        )

    def prop(self, name: str) -> pd.Series:
        """The property's value per customer (NaN where unset)."""
        p = self.props[self.props["name"] == name]
        col = {
            "number": "number_value",
            "date": "date_value",
            "yesno": "bool_value",
            "text": "text_value",
        }[p["type"].iloc[0]]
        return p.set_index("customer_id")[col].reindex(self.c.index)

    # --- sales -----------------------------------------------------------------------------
    def spend(
        self, span: Span | None = None, product: str | None = None, category: str | None = None
    ) -> pd.Series:
        """Net spend (returns subtract); 0 for customers without matching lines."""
        ln = self._lines(span, product, category)
        return ln.groupby("customer_id")["amount"].sum().reindex(self.c.index, fill_value=0.0)

    def orders_count(
        self, span: Span | None = None, product: str | None = None, category: str | None = None
    ) -> pd.Series:
        """Distinct orders with at least one purchase line (of the product, in the span)."""
        ln = self._lines(span, product, category)
        ln = ln[ln["quantity"] > 0]
        return ln.groupby("customer_id")["order_id"].nunique().reindex(self.c.index, fill_value=0)

    def bought(
        self, span: Span | None = None, product: str | None = None, category: str | None = None
    ) -> pd.Series:
        return self.orders_count(span, product, category) > 0

    def lapsed(self, span: Span) -> pd.Series:
        """Bought nothing in ``span`` but did buy before it."""
        return ~self.bought(span) & self.bought((None, span[0] - timedelta(1)))

    def last_order(self) -> pd.Series:
        return self.orders.groupby("customer_id")["date"].max().reindex(self.c.index)

    def last_purchase(self) -> pd.Series:
        ln = self.lines[self.lines["quantity"] > 0]
        return ln.groupby("customer_id")["date"].max().reindex(self.c.index)

    # --- interactions, classes, segments --------------------------------------------------
    def interacted(self, span: Span | None, kind: str | None = None) -> pd.Series:
        it = self.inter if kind is None else self.inter[self.inter["kind"] == kind]
        lo, hi = span or (None, None)
        it = it[[(lo is None or d >= lo) and (hi is None or d <= hi) for d in it["day"]]]
        return self._mask(set(it["customer_id"]))

    def klass(self, field: str, value: str) -> pd.Series:
        col = self.classes[field].reindex(self.c.index)
        return col.fillna("").str.lower() == value.lower()

    def segment(self, name: str) -> pd.Series:
        seg = self.segments.loc[name]
        if seg["kind"] == "static":
            m = self.members
            return self._mask(set(m[m["segment_id"] == seg["id"]]["customer_id"]))
        assert seg["query"] == "buyers of Super Drill", "the oracle knows one dynamic segment"
        return self.bought(product="Super Drill") & self.live

    # --- output forms ----------------------------------------------------------------------
    def measure(self, by: str, span: Span | None) -> pd.Series:
        if by == "spend":
            return self.spend(span)
        if by == "orders":
            return self.orders_count(span).astype(float)
        return self.last_order().map(
            lambda d: d.toordinal() if isinstance(d, date) else float("nan")
        )

    def top_values(self, mask: pd.Series, n: int, by: str, span: Span | None) -> list[float]:
        """The measure values of the first ``n`` matching customers, best first."""
        m = self.measure(by, span)[mask].dropna()
        return sorted(m.tolist(), reverse=True)[:n]

    def groups(self, mask: pd.Series, by: str, span: Span | None) -> dict[Any, tuple[int, float]]:
        """``{key: (count, net spend)}`` of matching customers grouped by a customer field."""
        key = self.c[by].where(self.c[by].notna(), None)
        sp = self.spend(span)
        out: dict[Any, tuple[int, float]] = {}
        for cid in mask[mask].index:
            k = key[cid]
            cnt, tot = out.get(k, (0, 0.0))
            out[k] = (cnt + 1, tot + float(sp[cid]))
        return out

    # --- loyalty (docs/ratings.md, "Loyalty points and tiers") -----------------------------
    def tier(self, *names: str) -> pd.Series:
        return self.c["tier"].isin(list(names))

    def points(self) -> pd.Series:
        """Each customer's points balance: the sum of their ledger rows (0 without any)."""
        lp = self.f["loyalty_points"]
        return lp.groupby("customer_id")["points"].sum().reindex(self.c.index, fill_value=0)

    def moved(self, move: str, span: Span | None) -> pd.Series:
        """A tier change told as ``move`` (promoted | demoted) by a batch not undone since,
        within ``span`` (by the day of the change)."""
        a, b = self.f["audit_log"], self.f["batches"].set_index("id")
        a = a[(a["field"] == "tier") & a["source"].str.startswith(f"loyalty {move} ")]
        a = a[b.loc[a["batch_id"], "undone_by_batch_id"].isna().to_numpy()]
        if span:
            lo, hi = span
            days = [t.date() for t in a["at"]]
            a = a[[(lo is None or d >= lo) and (hi is None or d <= hi) for d in days]]
        return self._mask(set(a["customer_id"]))

    # --- follow-ups and "my" (issue 21) ---------------------------------------------------
    def follow_up(self, state: str) -> pd.Series:
        """An open (not done) follow-up; ``overdue``: one due on a day before today."""
        if self.follow_ups is None:
            return ~self.all
        fu = self.follow_ups[self.follow_ups["done_at"].isna()]
        if state == "overdue":
            fu = fu[[d.date() < self.today for d in pd.to_datetime(fu["due_at"])]]
        return self._mask(set(fu["customer_id"]))

    def mine(self, manager_id: int) -> pd.Series:
        """The customers whose manager is the asker (by id, not by name)."""
        return self.c["manager_id"] == manager_id
