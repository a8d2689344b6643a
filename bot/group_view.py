"""How a grouped answer reads: its columns named in the reader's language, the same for the
table, the export and the chart, so that each says what its numbers are.

A customer-field grouping (``spend by city``) has a row per city: its customers and their net
spend, with the orders and the measure when the question asked for one (``average order value
by city``: a column named so, not "value"). An order-line dimension (``top 5 categories by
orders``, ``spend by month``) has, as the query-language contract lists, the net spend, the
orders and the buying customers of each product, category or calendar bucket.

Example::

    columns = group_columns(query.output, result.groups, _, "ru", query.period)
    [c.title for c in columns]   # ['категория', 'выручка за всё время', 'заказов', 'покупатели']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.i18n import N_
from bot.messages import Table
from bot.views import money, spend_header

__all__ = [
    "GroupColumn",
    "axis_word",
    "axis_title",
    "measure_word",
    "number",
    "group_columns",
    "group_table",
    "cell",
    "MONEY_MEASURES",
]

Translate = Callable[[str], str]

# the order-line dimensions' words (query_language.ast.LINE_DIMENSIONS)
_LINE_WORDS = {
    "product": N_("product"),
    "category": N_("category"),
    "month": N_("month"),
    "week": N_("week"),
    "quarter": N_("quarter"),
    "year": N_("year"),
}
# what a measure column is called (query_language.groups.MEASURES and the vs measures)
_MEASURE_WORDS = {
    "spend": N_("net spend"),
    "orders": N_("orders"),
    "customers": N_("buying customers"),
    "aov": N_("average order value"),
    "avg_spend": N_("average spend per customer"),
    "median_orders": N_("median orders"),
    "median_spend": N_("median spend"),
    "share": N_("share of spend, %"),
}
MONEY_MEASURES = ("spend", "aov", "avg_spend", "median_spend")


@dataclass(frozen=True)
class GroupColumn:
    """One column: its title, the key of the group's value, and how the value is written
    (``text``, ``count``, ``money`` or ``number``)."""

    title: str
    key: str
    kind: str


def axis_word(output: Any, _: Translate, language: str) -> str:
    """What the groups are, in ``language``: the field's word (city, manager …), a custom
    property's own name, a product, category or calendar bucket; else "group"."""
    from query_language.fields import FIELDS

    if output.by == "property" and getattr(output, "label", ""):
        return str(output.label)
    field = FIELDS.get(output.by)
    if field:
        return field.words.get(language, field.words["en"])
    if output.by in _LINE_WORDS:
        return _(_LINE_WORDS[output.by])
    return _("group")


def axis_title(name: str, currency: str, money: bool) -> str:
    """A chart's value axis: ``net spend, RUB`` for an amount of money, else the name."""
    return f"{name}, {currency}" if money and currency else name


def number(x: float, language: str, pattern: str = "#,##0.##") -> str:
    """``x`` as ``language`` writes a number (``1,234.5`` / ``1 234,5``)."""
    from babel.numbers import format_decimal

    from storage.formatting import babel_locale

    return str(format_decimal(x, format=pattern, locale=babel_locale(language)))


def measure_word(measure: str, _: Translate) -> str:
    """A measure's name for a column or an axis (``average order value``, ``share of spend, %``)."""
    return _(_MEASURE_WORDS[measure]) if measure in _MEASURE_WORDS else _("value")


def group_columns(
    output: Any, groups: Sequence[dict[str, Any]], _: Translate, language: str, period: Any
) -> list[GroupColumn]:
    """The columns of a grouped answer, first the group's own."""
    from query_language.ast import LINE_DIMENSIONS

    columns = [GroupColumn(axis_word(output, _, language), "key", "text")]
    if output.by in LINE_DIMENSIONS:
        columns += [
            GroupColumn(spend_header(_, period, language), "spend", "money"),
            GroupColumn(_("orders"), "orders", "count"),
            GroupColumn(_("buying customers"), "count", "count"),
        ]
    else:
        columns += [
            GroupColumn(_("customers"), "count", "count"),
            GroupColumn(spend_header(_, period, language), "spend", "money"),
        ]
        if any("orders" in g for g in groups):
            columns.append(GroupColumn(_("orders"), "orders", "count"))
    if any("value" in g for g in groups):
        kind = "money" if output.measure in MONEY_MEASURES else "number"
        columns.append(GroupColumn(measure_word(output.measure, _), "value", kind))
    return columns


def cell(value: Any, kind: str, currency: str, language: str) -> str:
    """One value as the table writes it."""
    if kind == "text":
        return str(value) if value is not None else "—"
    if value is None:
        return "—"
    if kind == "money":
        return money(value, currency, language)
    if kind == "count":  # as the echo's count: 1348
        return str(value)
    return number(value, language)


def group_table(
    output: Any,
    groups: Sequence[dict[str, Any]],
    _: Translate,
    currency: str,
    language: str,
    period: Any,
) -> Table:
    """The grouped answer's table, one row per group in the answer's order."""
    columns = group_columns(output, groups, _, language, period)
    return Table(
        tuple(c.title for c in columns),
        tuple(
            tuple(cell(g.get(c.key), c.kind, currency, language) for c in columns) for g in groups
        ),
    )
