"""What a recompute would do: counts of ratings going up, down, staying, newly rated, with names.

Example::

    plan.lines()   # ['up: 12 (e.g. Romashka B → A, ...)', 'down: 3 ...', ...]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, func, select

from storage.schema import customers

__all__ = ["RecomputePlan", "count_moves", "sample_moves", "direction", "STARS"]

_RANK = {"A": 3, "B": 2, "C": 1}
STARS = {"A": "★★★", "B": "★★", "C": "★"}
Move = tuple[str | None, str]  # (rating before, rating the rules give)


def direction(before: str | None, after: str) -> str:
    """``up``, ``down``, ``same`` or ``new`` (had no rating).

    >>> direction("B", "A"), direction(None, "C"), direction("A", "A")
    ('up', 'new', 'same')
    """
    if before is None:
        return "new"
    diff = _RANK[after] - _RANK[before]
    return "up" if diff > 0 else "down" if diff < 0 else "same"


def _english(message: str) -> str:
    """The identity translation: messages are written in English."""
    return message


@dataclass
class RecomputePlan:
    """The outcome of the rules for ``today``; pinned and archived customers are left out."""

    today: date
    rules: tuple[tuple[str, str], ...]
    run_id: int | None  # the class run the rules were evaluated on
    moves: dict[Move, int]  # (before, after) -> customers
    samples: dict[str, list[str]]  # direction -> "Name (B → A)"
    unmatched: int  # eligible customers no rule matched (they keep their rating)
    pinned: int  # customers whose pinned rating the rules leave alone
    settings: Any = field(default=None, repr=False)
    targets: Any = field(default=None, repr=False)  # (temp table, session) for apply_recompute
    loyalty: Any = None  # analytics.loyalty.TierPlan when [loyalty] has tiers

    def _count(self, kind: str) -> int:
        return sum(n for (b, a), n in self.moves.items() if direction(b, a) == kind)

    @property
    def up(self) -> int:
        return self._count("up")

    @property
    def down(self) -> int:
        return self._count("down")

    @property
    def same(self) -> int:
        return self._count("same")

    @property
    def new(self) -> int:
        return self._count("new")

    @property
    def changes(self) -> int:
        """Customers whose rating would change (up + down + newly rated), plus tier moves."""
        return self.up + self.down + self.new + (self.loyalty.changes if self.loyalty else 0)

    def _ratings(self, _: Callable[[str], str]) -> str:
        text: str = _("{up} up, {down} down, {same} same, {new} newly rated").format(
            up=self.up, down=self.down, same=self.same, new=self.new
        )
        return text

    def summary(self, _: Callable[[str], str] = _english) -> str:
        """One line: ``5 up, 2 down, 40 same, 3 newly rated`` (in the language of ``_``), and
        the tiers' ``; 3 promoted, 1 demoted, 0 joined a tier`` when loyalty is on."""
        text = self._ratings(_)
        if self.loyalty is not None:
            from analytics.loyalty_text import tier_summary

            text += "; " + tier_summary(self.loyalty, _)
        return text

    def lines(self, _: Callable[[str], str] = _english) -> list[str]:
        """Plain-text report lines, with a sample of names for each direction; ``_`` is the
        reader's gettext (the chat passes its own, so reports come in the user's language)."""
        out = [
            _("Rating rules for {today}: {summary}.").format(
                today=self.today, summary=self._ratings(_)
            )
        ]
        labels = {
            "up": _("Up: {names}"),
            "down": _("Down: {names}"),
            "new": _("Newly rated: {names}"),
        }
        for kind, label in labels.items():
            if names := self.samples.get(kind):
                more = self._count(kind) - len(names)
                listed = ", ".join(names)
                if more > 0:
                    listed = _("{names} and {more} more").format(names=listed, more=more)
                out.append(label.format(names=listed))
        if self.unmatched:
            out.append(_("{n} matched no rule and keep their rating.").format(n=self.unmatched))
        if self.pinned:
            out.append(_("{n} pinned by hand, left alone.").format(n=self.pinned))
        if not self.rules:
            out.append(_("No rules are configured: set [rating.rules] in the configuration."))
        if self.loyalty is not None:
            from analytics.loyalty_text import tier_lines

            out += tier_lines(self.loyalty, _)
        return out


def count_moves(conn: Connection, target: Table) -> dict[Move, int]:
    """(before, after) -> count, from a table of (customer_id, rating)."""
    rows = conn.execute(
        select(customers.c.rating, target.c.rating, func.count())
        .select_from(target.join(customers, customers.c.id == target.c.customer_id))
        .group_by(customers.c.rating, target.c.rating)
    ).all()
    return {(before, after): n for before, after, n in rows}


def sample_moves(
    conn: Connection, target: Table, moves: dict[Move, int], limit: int
) -> dict[str, list[str]]:
    """Up to ``limit`` names per direction (alphabetical), e.g. ``Romashka (B → A)``."""
    out: dict[str, list[str]] = {}
    for (before, after), _n in sorted(moves.items(), key=lambda m: (str(m[0][0]), m[0][1])):
        kind = direction(before, after)
        if kind == "same" or len(out.setdefault(kind, [])) >= limit:
            continue
        names = (
            conn.execute(
                select(customers.c.name)
                .select_from(target.join(customers, customers.c.id == target.c.customer_id))
                .where(customers.c.rating.is_not_distinct_from(before), target.c.rating == after)
                .order_by(customers.c.name)
                .limit(limit - len(out[kind]))
            )
            .scalars()
            .all()
        )
        out[kind].extend(f"{name} ({before or '-'} → {after})" for name in names)
    return {k: sorted(v) for k, v in out.items() if v}
