"""Why a customer has the rating and classes it has: the matching rule (or the pin), the latest
classes, and the spend and orders in the class window.

Example::

    explain_customer(conn, 42, settings, date(2026, 11, 22)).lines()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, case, func, select

from analytics.aggregate import Window
from analytics.classes import latest_run, resolve_window
from analytics.plan import STARS
from analytics.rules import rule_ids
from analytics.settings import AnalyticsSettings
from storage.changes import rating_history
from storage.formatting import money
from storage.schema import (
    class_runs,
    customer_classes,
    customers,
    order_lines,
    orders,
)

__all__ = ["Explanation", "explain_customer", "CustomerNotFound"]

# the RFM segments (analytics.classify.SEGMENTS) as a person reads them, through the catalogs
_PHRASES = {
    "champions": "champions",
    "cannot lose them": "cannot lose them",
    "loyal": "loyal",
    "at risk": "at risk",
    "potential loyalists": "potential loyalists",
    "need attention": "need attention",
    "new": "new",
    "promising": "promising",
    "hibernating": "hibernating",
    "lost": "lost",
}


class CustomerNotFound(LookupError):
    """No customer with that id."""


def _english(message: str) -> str:
    """The identity translation: messages are written in English."""
    return message


@dataclass
class Explanation:
    """Everything ``lines()`` needs to say why a customer is rated and classed as it is."""

    customer_id: int
    name: str
    rating: str | None
    pinned: bool
    status: str
    matched_rule: tuple[str, str] | None  # (rating, query text) of the first rule that matches
    window: Window
    spend: float
    orders: int
    last_purchase: date | None
    classes: dict[str, Any] | None  # the latest run's row, None before the first run
    run_date: date | None = None
    last_change: str | None = None  # "2026-11-20 by rule A: abc A (B → A)"
    notes: list[str] = field(default_factory=list)
    loyalty: Any = None  # analytics.loyalty_text.CustomerLoyalty when [loyalty] has tiers

    def lines(
        self, _: Callable[[str], str] = _english, currency: str = "", language: str = "en"
    ) -> list[str]:
        """Plain-text lines for chat or the terminal, in the language of ``_`` (gettext)."""
        stars = f"{self.rating} {STARS[self.rating]}" if self.rating else _("no rating")
        out = [f"{self.name}: {stars}"]
        if self.pinned:
            out.append(_("Rating pinned by hand: the rules leave it alone."))
        elif self.status == "archived":
            out.append(_("Archived: the rules leave archived customers alone."))
        elif self.matched_rule:
            rating, text = self.matched_rule
            out.append(_("Rule {rating} matches: {rule}").format(rating=rating, rule=text))
            if rating != self.rating:
                out.append(
                    _("The rules give {rating}; it applies at the next recompute.").format(
                        rating=rating
                    )
                )
        else:
            out.append(_("No rule matches: the rating stays as it is."))
        if self.last_change:
            out.append(_("Last rating change: {change}").format(change=self.last_change))
        c = self.classes
        if c is None:
            out.append(_("Classes: not computed yet (run 'custbot recompute')."))
        else:
            rfm = (
                f"{_(_PHRASES.get(c['rfm_segment'], c['rfm_segment']))} (R {c['r_score']}, F {c['f_score']}, M {c['m_score']})"
                if c["rfm_segment"]
                else _("not scored (no purchase in the window)")
            )
            out.append(
                _("Classes as of {day}: ABC {abc}, XYZ {xyz}, RFM {rfm}").format(
                    day=self.run_date, abc=c["abc"], xyz=c["xyz"] or _("none"), rfm=rfm
                )
            )
        spend = money(self.spend, currency, language)  # the format of every other answer
        if self.last_purchase:
            out.append(
                _(
                    "In {start}..{end}: spent {spend} in {orders} orders, last purchase {last}"
                ).format(
                    start=self.window.start,
                    end=self.window.end,
                    spend=spend,
                    orders=self.orders,
                    last=self.last_purchase,
                )
            )
        else:
            out.append(
                _("In {start}..{end}: spent {spend} in {orders} orders, no purchase").format(
                    start=self.window.start, end=self.window.end, spend=spend, orders=self.orders
                )
            )
        if self.loyalty is not None:
            out += self.loyalty.lines(_)
        return out + self.notes


def _first_rule(
    conn: Connection, customer_id: int, settings: AnalyticsSettings, today: date
) -> tuple[str, str] | None:
    for rating, text in settings.rating.rules.items():
        ids = rule_ids(conn, text, today, settings.language, rating=rating)
        hit = conn.execute(
            select(customers.c.id).where(customers.c.id == customer_id, customers.c.id.in_(ids))
        ).first()
        if hit is not None:
            return rating, text
    return None


def _activity(conn: Connection, customer_id: int, window: Window) -> tuple[float, int, date | None]:
    bought = order_lines.c.quantity > 0
    spend, n, last = conn.execute(
        select(
            func.coalesce(func.sum(order_lines.c.amount), 0.0),
            func.count(case((bought, orders.c.id)).distinct()),
            func.max(case((bought, orders.c.date))),
        )
        .select_from(orders.join(order_lines, order_lines.c.order_id == orders.c.id))
        .where(
            orders.c.customer_id == customer_id,
            orders.c.date >= window.start,
            orders.c.date <= window.end,
        )
    ).one()
    return float(spend), int(n), last


def explain_customer(
    conn: Connection, customer_id: int, settings: AnalyticsSettings, today: date
) -> Explanation:
    """Which rule matched (or why pinned), the latest classes, spend and orders in the window.

    >>> explain_customer(conn, 42, settings, date(2026, 11, 22)).lines()[0]
    'Romashka: A ★★★'
    """
    who = conn.execute(select(customers).where(customers.c.id == customer_id)).mappings().first()
    if who is None:
        raise CustomerNotFound(
            f"no customer with id {customer_id}; find one with a query or 'card NAME'"
        )
    run_id = latest_run(conn)
    classes, run_date, window = None, None, resolve_window(today, settings.classes)
    if run_id is not None:
        run = conn.execute(select(class_runs).where(class_runs.c.id == run_id)).mappings().one()
        run_date, window = run["computed_for"], Window(run["window_start"], run["window_end"])
        row = (
            conn.execute(
                select(customer_classes).where(customer_classes.c.customer_id == customer_id)
            )
            .mappings()
            .first()
        )
        classes = dict(row) if row is not None else None
    spend, n_orders, last = _activity(conn, customer_id, window)
    change = (
        conn.execute(
            select(rating_history)
            .where(rating_history.c.customer_id == customer_id)
            .order_by(rating_history.c.at.desc(), rating_history.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    last_change = (
        (
            f"{change['at']:%Y-%m-%d} by {change['source']} ({change['before'] or '-'} → "
            f"{change['after'] or '-'})"
        )
        if change
        else None
    )
    eligible = not who["rating_pinned"] and who["status"] != "archived"
    return Explanation(
        customer_id=customer_id,
        name=who["name"],
        rating=who["rating"],
        pinned=bool(who["rating_pinned"]),
        status=who["status"],
        matched_rule=_first_rule(conn, customer_id, settings, today) if eligible else None,
        window=window,
        spend=spend,
        orders=n_orders,
        last_purchase=last,
        classes=classes,
        run_date=run_date,
        last_change=last_change,
        loyalty=_loyalty(conn, customer_id, settings, today),
    )


def _loyalty(conn: Connection, customer_id: int, settings: AnalyticsSettings, today: date) -> Any:
    if not settings.loyalty.enabled:
        return None
    from analytics.loyalty_text import customer_loyalty

    return customer_loyalty(conn, customer_id, settings.loyalty, today)
