"""How amounts of money are written for people: one formatter for every answer, card, list,
explanation, export caption and command-line table.

Whole amounts, digits grouped by three with spaces (the international convention, read the
same in English and Russian), then the currency code: ``1 234 567 RUB``.

Example::

    money(294753.59, "RUB")   # '294 754 RUB'
"""

from __future__ import annotations

__all__ = ["money"]


def money(value: float | int | None, currency: str = "") -> str:
    """``value`` rounded to whole units with spaces between thousands, then ``currency``;
    ``—`` for no value."""
    if value is None:
        return "—"
    text = f"{round(value):,}".replace(",", " ")
    return f"{text} {currency}".strip()
