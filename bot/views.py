"""How customers look in a chat: stars, money, the compact list table, the echo.

Pure functions from rows to neutral parts, shared by every command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from bot.i18n import N_, plural_translator
from bot.messages import Button, Buttons, Part, Table, Text

__all__ = [
    "interaction_kind",
    "stars",
    "money",
    "day",
    "customer_table",
    "echo_parts",
    "button_row",
    "PAGE_SIZE",
]

PAGE_SIZE = 10
# values shown to people, translated through the catalogs (the database keeps the English keys)
STATUS_WORDS = (N_("active"), N_("check"), N_("archived"))
ROLE_WORDS = (N_("rep"), N_("manager"), N_("admin"))
MAIL_SKIP_REASONS = (N_("opted out"), N_("no email"))  # and "archived", a status word above
INTERACTION_WORDS = (  # the interaction kinds the importer and the demo know
    N_("call"),
    N_("email"),
    N_("meeting"),
    N_("visit"),
    N_("complaint"),
    N_("quote"),
)


def interaction_kind(kind: str, _: Callable[[str], str]) -> str:
    """A known interaction kind in the user's language; any other kind as stored."""
    return _(kind) if kind in INTERACTION_WORDS else kind


STARS = {"A": "★★★", "B": "★★", "C": "★"}


def stars(rating: str | None) -> str:
    """``A ★★★``; an unrated customer shows ``—``."""
    return f"{rating} {STARS[rating]}" if rating in STARS else "—"


def money(value: float | int | None, currency: str = "") -> str:
    """Whole amounts with thin grouping, e.g. ``1 234 567 RUB``."""
    if value is None:
        return "—"
    text = f"{round(value):,}".replace(",", " ")
    return f"{text} {currency}".strip()


def day(value: date | str | None) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else value.isoformat()


def customer_table(
    rows: Iterable[Mapping[str, Any]], _: Callable[[str], str], currency: str, start: int = 0
) -> Table:
    """The paged list: number, name, city, rating stars, spend, last purchase."""
    return Table(
        ("#", _("name"), _("city"), _("rating"), _("spend"), _("last purchase")),
        tuple(
            (
                str(start + i + 1),
                r["name"],
                r.get("city") or "—",
                stars(r.get("rating")),
                money(r.get("spend"), currency),
                day(r.get("last_purchase")),
            )
            for i, r in enumerate(rows)
        ),
    )


def echo_parts(
    interpretation: str, count: int, _: Callable[[str], str], language: str | None = None
) -> list[Part]:
    """The echo, then how many customers: ``1 customer``, ``3 клиента``."""
    ngettext = plural_translator(language)
    many = ngettext("{n} customer", "{n} customers", count)
    return [Text(interpretation, "echo"), Text(many.format(n=count), "heading")]


def button_row(*buttons: Button | None) -> Buttons:
    return Buttons(tuple(b for b in buttons if b is not None))
