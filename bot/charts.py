"""Charts: first as data (:class:`~bot.messages.ChartData`), built from the answer's own result,
then as a picture drawn from that data alone, so the two cannot disagree.

Every kind is drawn for a phone: a 6.4-inch-wide figure, compact numbers in the user's locale
(12.5M, 12,5 млн), category labels wrapped (bars) or set on two lines (months), a title wrapped
to fit, the measure and its currency on the value axis.

Example::

    chart = group_chart(result, query.output, _, "ru", "RUB")   # what the answer's table says
    png = render(chart, "ru")
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from babel import Locale, UnknownLocaleError  # noqa: E402
from babel.dates import format_date  # noqa: E402
from babel.numbers import format_compact_decimal, format_decimal  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402
from sqlalchemy import Connection, Select, func, select  # noqa: E402

from bot.messages import ChartData, ChartSeries  # noqa: E402
from storage.schema import order_lines, orders  # noqa: E402

__all__ = [
    "MAX_BARS",
    "compact",
    "spend_by_month",
    "group_chart",
    "top_chart",
    "months_chart",
    "abc_chart",
    "rfm_chart",
    "figure",
    "render",
]

MAX_BARS = 30  # more groups than this are charted as the first 30 (the caption says so)
WIDTH = 6.4  # inches; 960 px at 150 dpi, a phone screen's width scaled down about 2.7 times
DPI = 150
_BLUE = "#3b7dd8"
Translate = Callable[[str], str]


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language or "en")
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def compact(value: float, language: str) -> str:
    """A number as a phone shows it: ``12.5M`` / ``12,5 млн``, ``950``, ``3.5``."""
    loc = _locale(language)
    if abs(value) >= 1000:
        return str(format_compact_decimal(value, locale=loc, fraction_digits=1))
    return str(format_decimal(round(value, 1), locale=loc, format="#,##0.#"))


def spend_by_month(conn: Connection, ids: Select, start: date, end: date) -> pd.Series:
    """Net spend per calendar month (every month of the span, zeros included)."""
    rows = conn.execute(
        select(orders.c.date, func.sum(order_lines.c.amount))
        .join(order_lines, order_lines.c.order_id == orders.c.id)
        .where(
            orders.c.customer_id.in_(ids.scalar_subquery()),
            orders.c.date >= start,
            orders.c.date <= end,
        )
        .group_by(orders.c.date)
    ).all()
    months = pd.period_range(start, end, freq="M")
    frame = pd.DataFrame(rows, columns=["date", "spend"])
    if frame.empty:
        return pd.Series(0.0, index=months)
    frame["month"] = pd.to_datetime(frame["date"]).dt.to_period("M")
    frame["spend"] = frame["spend"].astype(float)
    return frame.groupby("month")["spend"].sum().reindex(months, fill_value=0.0)


def _spend_axis(_: Translate, currency: str) -> str:
    from bot.group_view import axis_title

    return axis_title(_("net spend"), currency, True)


def group_chart(result: Any, output: Any, _: Translate, language: str, currency: str) -> ChartData:
    """Bars of a grouped answer: its groups in its order, by what it measures (customers,
    spend, orders, or the asked measure, named as the table names it); calendar buckets
    (``spend by month``) as columns in time order."""
    from bot.group_view import MONEY_MEASURES, axis_title, axis_word, measure_word

    groups = result.groups[:MAX_BARS]
    keys = tuple(
        _bucket_words(str(g["key"]), output.by, language) if g["key"] is not None else "—"
        for g in groups
    )
    column, name = "count", _("customers")
    if output.measure == "spend":
        column, name = "spend", _("net spend")
    elif output.measure == "orders":
        column, name = "orders", _("orders")
    elif any("value" in g for g in groups):  # average order value, median, share …
        column, name = "value", measure_word(output.measure, _)
    money = column == "spend" or (column == "value" and output.measure in MONEY_MEASURES)
    values = tuple(float(g.get(column) or 0) for g in groups)
    calendar = output.by in ("month", "week", "quarter", "year")
    return ChartData(
        "columns" if calendar else "bars",
        result.interpretation,
        axis_word(output, _, language),
        axis_title(name, currency, money),
        keys,
        (ChartSeries(name, values),),
        unit=currency if money else ("%" if output.measure == "share" else ""),
    )


def _bucket_words(key: str, unit: str, language: str) -> str:
    """A calendar bucket as a chart's column says it (``янв. 2026``, ``Q1 2026``, ``W10 2026``;
    the table keeps ``2026-01``); any other group's key as it is."""
    if unit == "month" and len(key) == 7:
        month = date(int(key[:4]), int(key[5:7]), 1)
        return str(format_date(month, "LLL yyyy", locale=_locale(language)))
    if unit in ("week", "quarter") and "-" in key:
        year, part = key.split("-", 1)
        return f"{part} {year}"
    return key


def top_chart(result: Any, output: Any, _: Translate, currency: str, today: date) -> ChartData:
    """Bars of a top-N answer: its N customers in its order, by the measure it ranks by."""
    rows = result.rows[: output.n]
    names = tuple(str(r["name"]) for r in rows)
    if output.by == "orders":
        values = tuple(float(r["orders"]) for r in rows)
        axis, name, unit = _("orders"), _("orders"), ""
    elif output.by == "last_purchase":
        values = tuple(
            float((today - r["last_purchase"]).days) if r["last_purchase"] else 0.0 for r in rows
        )
        axis = name = _("days since the last purchase")
        unit = ""
    else:
        values = tuple(float(r["spend"]) for r in rows)
        axis, name, unit = _spend_axis(_, currency), _("net spend"), currency
    return ChartData(
        "bars",
        result.interpretation,
        _("customer"),
        axis,
        names,
        (ChartSeries(name, values),),
        unit,
    )


def months_chart(
    series: pd.Series, title: str, _: Translate, language: str, currency: str
) -> ChartData:
    """Columns of net spend per calendar month (``series`` from :func:`spend_by_month`)."""
    loc = _locale(language)
    months = tuple(
        str(format_date(date(p.year, p.month, 1), "LLL yyyy", locale=loc)) for p in series.index
    )
    return ChartData(
        "columns",
        title,
        _("month"),
        _spend_axis(_, currency),
        months,
        (ChartSeries(_("net spend"), tuple(round(float(v), 2) for v in series.values)),),
        unit=currency,
    )


def abc_chart(curve: Any, _: Translate) -> ChartData:
    """The Pareto curve of the latest class run (``analytics.charts.pareto``; None: empty)."""
    if curve is None:
        return ChartData(
            "curve",
            _("ABC (Pareto): no revenue in the window yet"),
            _("customers, % (largest first)"),
            _("cumulative net revenue, %"),
            (),
            (),
            unit="%",
        )
    start, end = curve.window
    return ChartData(
        "curve",
        _("ABC (Pareto): {n} customers with revenue, {start} to {end}").format(
            n=curve.customers, start=start, end=end
        ),
        _("customers, % (largest first)"),
        _("cumulative net revenue, %"),
        tuple(str(x) for x in curve.customer_share),
        (ChartSeries(_("cumulative net revenue, %"), curve.revenue_share),),
        unit="%",
        marks=tuple(zip(curve.thresholds, ("A | B", "B | C"), strict=False)),
    )


def rfm_chart(grid: Any, _: Translate) -> ChartData:
    """The R × FM grid of the latest class run (``analytics.charts.rfm_grid``)."""
    from analytics.charts import FM_VALUES

    title = _("RFM: customers by R and FM")
    if grid.computed_for is not None:
        title = f"{title}, {grid.computed_for}"
    return ChartData(
        "grid",
        title,
        "FM = (F + M) / 2",  # a formula, the same in every language
        _("R (recency)"),
        tuple(f"{v:g}" for v in FM_VALUES),
        tuple(
            ChartSeries(str(r), tuple(float(n) for n in row))
            for r, row in enumerate(grid.counts, start=1)
        ),
    )


def _wrap(text: str, width: int, lines: int) -> str:
    out = textwrap.wrap(text, width) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return "\n".join(out)


def _value_formatter(language: str, unit: str) -> FuncFormatter:
    if unit == "%":
        return FuncFormatter(lambda v, _p: f"{v:g}%")
    return FuncFormatter(lambda v, _p: compact(v, language))


def _bars(fig: Figure, chart: ChartData, language: str) -> None:
    ax = fig.subplots()
    if len(chart.series) > 1:  # grouped bars (a vs answer: one series a period)
        _grouped(ax, chart, language)
        return
    values = chart.series[0].values if chart.series else ()
    n = len(chart.categories)
    ax.barh(range(n), values, color=_BLUE, height=0.7)
    ax.set_yticks(range(n), [_wrap(c, 24, 2) for c in chart.categories], fontsize=9)
    ax.invert_yaxis()  # the answer's first row on top
    ax.set_ylim(n - 0.5, -0.5) if n else None
    high, low = max((*values, 0.0)), min((*values, 0.0))
    span = (high - low) or 1.0
    ax.set_xlim(low - (0.02 * span if low < 0 else 0), high + 0.2 * span)
    for i, v in enumerate(values):
        ax.text(v, i, " " + compact(v, language), va="center", ha="left", fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=not chart.unit))
    ax.xaxis.set_major_formatter(_value_formatter(language, chart.unit))
    ax.set_xlabel(chart.value_axis)
    ax.set_ylabel(chart.category_axis)
    ax.grid(axis="x", alpha=0.3)


def _grouped(ax: Any, chart: ChartData, language: str) -> None:
    n, k = len(chart.categories), len(chart.series)
    height = 0.8 / k
    colors = (_BLUE, "#f0a030", "#5cb85c", "#999999")
    for j, series in enumerate(chart.series):
        ys = [i - 0.4 + height * (j + 0.5) for i in range(n)]
        ax.barh(ys, series.values, height=height, color=colors[j % 4], label=series.name)
    ax.set_yticks(range(n), [_wrap(c, 24, 2) for c in chart.categories], fontsize=9)
    ax.invert_yaxis()
    ax.legend(fontsize=8, loc="lower right")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=not chart.unit))
    ax.xaxis.set_major_formatter(_value_formatter(language, chart.unit))
    ax.set_xlabel(chart.value_axis)
    ax.set_ylabel(chart.category_axis)
    ax.grid(axis="x", alpha=0.3)


def _columns(fig: Figure, chart: ChartData, language: str) -> None:
    ax = fig.subplots()
    values = chart.series[0].values if chart.series else ()
    n = len(chart.categories)
    ax.bar(range(n), values, color=_BLUE)
    every = max(1, -(-n // 14))  # at most 14 labels across a phone screen
    labels = [
        c.replace(" ", "\n", 1) if i % every == 0 else "" for i, c in enumerate(chart.categories)
    ]
    ax.set_xticks(range(n), labels, fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.yaxis.set_major_formatter(_value_formatter(language, chart.unit))
    ax.set_xlabel(chart.category_axis)
    ax.set_ylabel(chart.value_axis)
    ax.grid(axis="y", alpha=0.3)


def _curve(fig: Figure, chart: ChartData, language: str) -> None:
    ax = fig.subplots()
    if chart.series:
        ax.plot([float(c) for c in chart.categories], chart.series[0].values, color=_BLUE)
    for value, label in chart.marks:
        ax.axhline(value, color="tab:red", linestyle="--", linewidth=1)
        ax.text(
            99,
            value - 1.5,
            f"{value:g}%  {label}",
            ha="right",
            va="top",
            fontsize=8,
            color="tab:red",
        )
    ax.set(xlim=(0, 100), ylim=(0, 102))
    ax.xaxis.set_major_formatter(_value_formatter(language, "%"))
    ax.yaxis.set_major_formatter(_value_formatter(language, "%"))
    ax.set_xlabel(chart.category_axis)
    ax.set_ylabel(chart.value_axis)
    ax.grid(alpha=0.3)


def _grid(fig: Figure, chart: ChartData, language: str) -> None:
    ax = fig.subplots()
    counts = [list(s.values) for s in chart.series]
    top = max((v for row in counts for v in row), default=0.0)
    ax.imshow(counts, origin="lower", cmap="Blues", aspect="auto", vmin=0, vmax=top or 1)
    for r, row in enumerate(counts):
        for c, v in enumerate(row):
            ax.text(
                c,
                r,
                compact(v, language),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if top and v > top / 2 else "black",
            )
    ax.set_xticks(range(len(chart.categories)), list(chart.categories))
    ax.set_yticks(range(len(chart.series)), [s.name for s in chart.series])
    ax.set_xlabel(chart.category_axis)
    ax.set_ylabel(chart.value_axis)


_DRAW = {"bars": _bars, "columns": _columns, "curve": _curve, "grid": _grid}


def figure(chart: ChartData, language: str = "en", empty: str = "") -> Figure:
    """The matplotlib figure of ``chart`` (``empty``: what to say when there is nothing)."""
    height = 4.0
    if chart.kind == "bars":
        height = max(3.2, 0.34 * len(chart.categories) * max(1, len(chart.series)) + 1.8)
    fig = plt.figure(figsize=(WIDTH, height), layout="constrained")
    _DRAW[chart.kind](fig, chart, language)
    fig.suptitle(_wrap(chart.title, 62, 3), fontsize=10)
    if empty and not any(s.values for s in chart.series):
        fig.axes[0].text(0.5, 0.5, empty, ha="center", va="center", transform=fig.axes[0].transAxes)
    return fig


def render(chart: ChartData, language: str = "en", empty: str = "") -> bytes:
    """``chart`` as a PNG for a phone screen."""
    fig = figure(chart, language, empty)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return buf.getvalue()
