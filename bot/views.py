"""How customers look in a chat: stars, money, the compact list table, the echo.

Pure functions from rows to neutral parts, shared by every command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from bot.i18n import N_, plural_translator
from bot.messages import Button, Buttons, Part, Reply, Table, Text
from storage.formatting import money  # the one money format, re-exported for the chat

__all__ = [
    "already_spent",
    "interaction_kind",
    "stars",
    "money",
    "day",
    "spend_header",
    "property_text",
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
    N_("note"),  # logged from the chat (bot/commands/log.py)
)


def interaction_kind(kind: str, _: Callable[[str], str]) -> str:
    """A known interaction kind in the user's language; any other kind as stored."""
    return _(kind) if kind in INTERACTION_WORDS else kind


STARS = {"A": "★★★", "B": "★★", "C": "★"}


def stars(rating: str | None) -> str:
    """``A ★★★``; an unrated customer shows ``—``."""
    return f"{rating} {STARS[rating]}" if rating in STARS else "—"


def day(value: date | str | None) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else value.isoformat()


def property_text(value: Any, _: Callable[[str], str]) -> str:
    """A custom property's value for people: yes / no (да / нет) for a yes-no property, a date
    as YYYY-MM-DD, ``—`` when it has none."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "isoformat"):
        return day(value)
    return str(value)


def spend_header(_: Callable[[str], str], period: Any, language: str = "en") -> str:
    """The spend column's header, naming the period it covers as the echo writes it in
    ``language``: ``spend 2026-01-01..2026-11-22``, ``выручка 01.01.2026–22.11.2026``, or
    ``spend, all time`` (``period``: the query's, with ``start`` and ``end``, or None)."""
    if period is None or (period.start is None and period.end is None):
        return _("spend, all time")
    if period.start is not None and period.end is not None:
        from query_language.describe import period_words

        return _("spend {period}").format(period=period_words(period, language))
    span = f"{day(period.start) if period.start else '…'}..{day(period.end) if period.end else '…'}"
    return _("spend {period}").format(period=span)


def customer_table(
    rows: Iterable[Mapping[str, Any]],
    _: Callable[[str], str],
    currency: str,
    start: int = 0,
    *,
    spend: str | None = None,
    orders: bool = False,
    language: str = "en",
) -> Table:
    """The paged list: number, name, city, rating stars, spend (``spend``: its header, e.g.
    from :func:`spend_header`), the orders when they are what the list ranks by, last purchase."""
    head = ("#", _("name"), _("city"), _("rating"), spend or _("spend"))
    return Table(
        (*head, *((_("orders"),) if orders else ()), _("last purchase")),
        tuple(
            (
                str(start + i + 1),
                r["name"],
                r.get("city") or "—",
                stars(r.get("rating")),
                money(r.get("spend"), currency, language),
                *((str(r.get("orders") or 0),) if orders else ()),
                day(r.get("last_purchase")),
            )
            for i, r in enumerate(rows)
        ),
    )


def echo_parts(
    interpretation: str,
    count: int,
    _: Callable[[str], str],
    matched: int | None = None,
    language: str | None = None,
) -> list[Part]:
    """The echo and the count (``1 customer``, ``3 клиента``); a top N (``matched``: how many met
    its conditions) says both."""
    ngettext = plural_translator(language)
    heading = ngettext("{n} customer", "{n} customers", count).format(n=count)
    if matched is not None and matched > count:
        heading = _("Top {n} of {matched} matching customers").format(n=count, matched=matched)
    return [Text(interpretation, "echo"), Text(heading, "heading")]


def already_spent(_: Callable[[str], str]) -> list[Reply]:
    """The answer to a Confirm pressed again, or too late: its change is done, cancelled or gone."""
    return [
        Reply((Text(_("This change was already confirmed, cancelled, or it expired."), "note"),))
    ]


def button_row(*buttons: Button | None) -> Buttons:
    return Buttons(tuple(b for b in buttons if b is not None))
