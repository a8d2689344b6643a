"""How a vs answer reads in the chat: one table row per group (both periods, the change and the
change in per cent) and, from the same groups, a chart of grouped bars (one series a period).

Example::

    compare_table(result, query.output, _, "RUB")    # the answer's table
    compare_chart(result, query.output, _, "ru", "RUB")   # the bars of both periods
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.group_view import MONEY_MEASURES, axis_title, axis_word, measure_word, number
from bot.messages import ChartData, ChartSeries, Table
from bot.views import money

__all__ = ["compare_table", "compare_chart", "period_header"]
Translate = Callable[[str], str]


def period_header(p: Any, language: str = "en") -> str:
    """The period as the echo writes it in ``language`` (``2026-10-01..2026-11-22``,
    ``01.10.2026–22.11.2026``), or the day when the period is one."""
    from query_language.describe import period_words

    if p.start is None and p.end is None:
        return "…"
    return period_words(p, language)


def _value(
    x: float | None, output: Any, currency: str, sign: bool = False, language: str = "en"
) -> str:
    if x is None:
        return "—"
    if output.measure in MONEY_MEASURES:
        text = money(x, currency, language)
    else:
        text = number(x, language)
    return ("+" if sign and x > 0 else "") + text


def _pct(pct: float | None, language: str) -> str:
    if pct is None:
        return "—"
    return ("+" if pct > 0 else "") + number(pct, language, "#,##0.#") + "%"


def _key(g: dict[str, Any], _: Translate) -> str:
    return _("all customers") if g["key"] is None else str(g["key"])


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
        axis_word(output, _, language),
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
    axis = axis_word(output, _, language)
    money_ = output.measure in MONEY_MEASURES
    name = measure_word(output.measure, _)
    return ChartData(
        "bars",
        result.interpretation,
        axis,
        axis_title(name, currency, money_),
        tuple(_key(g, _) for g in groups),
        tuple(
            ChartSeries(period_header(p, language), tuple(float(g[col] or 0) for g in groups))
            for col, p in (("first", output.first), ("second", output.second))
        ),
        unit=currency if money_ else "",
    )
