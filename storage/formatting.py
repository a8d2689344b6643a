"""How amounts of money are written for people: one formatter for every answer, card, list,
explanation, export caption, mail template and command-line table, in the reader's locale.

Whole amounts (a chat is no ledger), written as the locale writes money (CLDR, via Babel):
English ``RUB 294,754``, Russian ``294 754 ₽``; without a currency just the grouped number
(``294,754``, ``294 754``). The spaces a locale puts inside an amount are non-breaking, so a chat
never wraps an amount across lines.

Example::

    money(294753.59, "RUB")          # 'RUB 294,754'
    money(294753.59, "RUB", "ru")    # '294 754 ₽'
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["babel_locale", "money"]

_CODE_THEN_DIGIT = re.compile(r"([A-Za-z]{2,})(?=\d)")  # 'RUB294' → 'RUB 294'


def money(value: float | int | None, currency: str = "", language: str = "en") -> str:
    """``value`` rounded to whole units, as ``language`` writes an amount of ``currency``;
    ``—`` for no value."""
    if value is None:
        return "—"
    from babel.numbers import format_currency, format_decimal

    whole = round(value)
    loc = _locale(language)
    if not currency:
        return str(format_decimal(whole, locale=loc, format="#,##0"))
    text = str(
        format_currency(whole, currency, format=_pattern(loc), locale=loc, currency_digits=False)
    )
    return _CODE_THEN_DIGIT.sub("\\1\u00a0", text)


def babel_locale(language: str) -> Any:
    """Babel's locale for a chat language (English for one Babel does not know)."""
    return _locale(language)


@lru_cache(maxsize=32)
def _locale(language: str) -> Any:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse((language or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


@lru_cache(maxsize=32)
def _pattern(loc: Any) -> str:
    """The locale's currency pattern without its decimals: ``¤#,##0`` / ``#,##0 ¤``."""
    pattern = str(loc.currency_formats["standard"].pattern).split(";")[0]
    return re.sub(r"\.0+", "", pattern)
