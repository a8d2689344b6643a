"""How a vs answer reads in the chat: one table row per group (both periods, the change and the
change in per cent) and, from the same groups, a chart of grouped bars (one series a period).

Example::

    compare_table(result, query.output, _, "RUB")    # the answer's table
    compare_chart(result, query.output, _, "ru", "RUB")   # the bars of both periods
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.messages import ChartData, ChartSeries, Table
from bot.views import money

__all__ = ["compare_table", "compare_chart", "period_header", "MONEY_MEASURES"]

MONEY_MEASURES = ("spend", "aov", "avg_spend", "median_spend")
Translate = Callable[[str], str]


def period_header(p: Any, language: str = "en") -> str:
    """The period as the echo writes it in ``language`` (``2026-10-01..2026-11-22``,
    ``01.10.2026–22.11.2026``), or the day when the period is one."""
    from query_language.describe import period_words

    if p.start is None and p.end is None:
        return "…"
    return period_words(p, language)


def _axis(output: Any, _: Translate, language: str) -> str:
    """What the groups are: the field's word in ``language`` (city, product …), else "group"."""
    from query_language.fields import FIELDS

    field = FIELDS.get(output.by)
    if field:
        return field.words.get(language, field.words["en"])
    goods = {"product": _("product"), "category": _("category")}  # the vs by line dimensions
    return goods.get(output.by, _("group"))


def _value(
    x: float | None, output: Any, currency: str, sign: bool = False, language: str = "en"
) -> str:
    if x is None:
        return "—"
    if output.measure in MONEY_MEASURES:
        text = money(x, currency, language)
    else:
        text = _number(x, language, "#,##0.##")
    return ("+" if sign and x > 0 else "") + text


def _number(x: float, language: str, pattern: str) -> str:
    """``x`` as ``language`` writes a number (``1,234.5`` / ``1 234,5``)."""
    from babel.numbers import format_decimal

    from storage.formatting import babel_locale

    return str(format_decimal(x, format=pattern, locale=babel_locale(language)))


def _pct(pct: float | None, language: str) -> str:
    if pct is None:
        return "—"
    return ("+" if pct > 0 else "") + _number(pct, language, "#,##0.#") + "%"


def _key(g: dict[str, Any], _: Translate) -> str:
    return _("all customers") if g["key"] is None else str(g["key"])


def _measure_name(output: Any, _: Translate) -> str:
    return {
        "spend": _("net spend"),
        "orders": _("orders"),
        "customers": _("buying customers"),
        "aov": _("average order value"),
    }.get(output.measure, _("value"))


def compare_table(
    result: Any, output: Any, _: Translate, currency: str, language: str = "en"
) -> Table:
    """The vs answer's table: group, first period, second period, change, change in %."""
    rows = tuple(
        (
            _key(g, _),
            _value(g["first"], output, currency, language=language),
            _value(g["second"], output, currency, language=language),
            _value(g["change"], output, currency, sign=True, language=language),
            _pct(g["pct"], language),
        )
        for g in result.groups
    )
    head = (
        _axis(output, _, language),
        period_header(output.first, language),
        period_header(output.second, language),
        _("change"),
        _("change, %"),
    )
    return Table(head, rows)


def compare_chart(
    result: Any, output: Any, _: Translate, language: str, currency: str, limit: int = 30
) -> ChartData:
    """Grouped bars: each group's measure in the first and in the second period."""
    groups = result.groups[:limit]
    axis = _axis(output, _, language)
    money_ = output.measure in MONEY_MEASURES
    name = _measure_name(output, _)
    return ChartData(
        "bars",
        result.interpretation,
        axis,
        f"{name}, {currency}" if money_ and currency else name,
        tuple(_key(g, _) for g in groups),
        tuple(
            ChartSeries(period_header(p, language), tuple(float(g[col] or 0) for g in groups))
            for col, p in (("first", output.first), ("second", output.second))
        ),
        unit=currency if money_ else "",
    )
