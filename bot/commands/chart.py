"""Charts: spend by month for the customers a query matches, a grouping or a top N as bars, and
the ABC (Pareto) and RFM pictures. Each is built as :class:`~bot.messages.ChartData` from the
same result the answer shows, then drawn from that data (``bot.charts``)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from bot import charts
from bot.commands.query import interpret_for, output_kind, query_error_reply
from bot.core import Context
from bot.messages import ChartData, Image, Reply, Text
from bot.registry import action, command
from bot.state import State

__all__ = ["chart_reply", "chart_image"]


def chart_image(ctx: Context, filename: str, chart: ChartData, caption: str) -> Image:
    """The picture of ``chart`` with the data it plots attached."""
    png = charts.render(chart, ctx.language, ctx._("Nothing to plot yet."))
    return Image(filename, png, caption[:1000], chart)


def chart_reply(
    ctx: Context, text: str, today: date | None = None, language: str | None = None
) -> list[Reply]:
    from query_language import QueryError, matching_ids, run_query

    today = today or ctx.today
    try:
        query = interpret_for(ctx, text, today, language)
    except QueryError as e:
        return [query_error_reply(ctx, e)]
    kind = output_kind(query)
    currency = ctx.settings.currency
    with ctx.engine.connect() as conn:
        if kind == "compare":  # grouped bars of both periods, from the answer's own groups
            from bot.compare_view import compare_chart

            result = run_query(conn, query, offset=0, limit=None)
            chart = compare_chart(result, query.output, ctx._, ctx.language, currency)
            return [Reply((chart_image(ctx, "chart.png", chart, result.interpretation),))]
        if kind == "group":
            result = run_query(conn, query, offset=0, limit=None)
            chart = charts.group_chart(result, query.output, ctx._, ctx.language, currency)
            caption = result.interpretation
            if len(result.groups) > len(chart.categories):
                caption += "\n" + ctx._("The chart shows the first {shown} of {n} groups.").format(
                    shown=len(chart.categories), n=len(result.groups)
                )
            return [Reply((chart_image(ctx, "chart.png", chart, caption),))]
        if kind == "top":
            result = run_query(conn, query, offset=0, limit=None)
            chart = charts.top_chart(result, query.output, ctx._, currency, today)
            return [Reply((chart_image(ctx, "chart.png", chart, result.interpretation),))]
        result = run_query(conn, query, offset=0, limit=0)
        period_start, period_end = result.period or (None, None)
        end = period_end or today  # an open period ("before 2025", "since March") ends or
        start = period_start or end - relativedelta(months=12) + relativedelta(days=1)  # starts
        start = date(start.year, start.month, 1) if (end - start).days > 62 else start
        ids = matching_ids(query)
        series = charts.spend_by_month(conn, ids, start, end)
    n = ctx.ngettext("{n} customer", "{n} customers", result.count).format(n=result.count)
    chart = charts.months_chart(
        series, f"{result.interpretation} — {n}", ctx._, ctx.language, currency
    )
    caption = ctx._("Net spend by month, {start}..{end}: {echo}").format(
        start=start, end=end, echo=result.interpretation
    )
    return [Reply((chart_image(ctx, "spend-by-month.png", chart, caption),))]


@command("chart", example="chart spend by city buyers of Super Drill this year")
def chart(ctx: Context, args: str) -> list[Reply]:
    """A picture: spend by month for a query, bars for a grouping or a top N, or 'chart abc' / 'chart rfm'."""
    word = args.strip().lower()
    if word in ("abc", "rfm"):
        from analytics.charts import pareto, rfm_grid

        with ctx.engine.connect() as conn:
            data = (
                charts.abc_chart(pareto(conn, ctx.scope), ctx._)
                if word == "abc"
                else charts.rfm_chart(rfm_grid(conn, ctx.scope), ctx._)
            )
        caption = (
            ctx._("ABC: the Pareto curve of net revenue")
            if word == "abc"
            else ctx._("RFM: customers per R × FM cell")
        )
        return [Reply((chart_image(ctx, f"{word}.png", data, caption),))]
    if not word:
        return [
            Reply(
                (
                    Text(
                        ctx._("Chart what? For example: chart Moscow buyers of Super Drill"),
                        "error",
                    ),
                )
            )
        ]
    return chart_reply(ctx, args.strip())


@action("chart")
def _chart(ctx: Context, st: State) -> list[Reply]:
    """The Chart button under an answer."""
    return chart_reply(
        ctx, st.payload["text"], date.fromisoformat(st.payload["today"]), st.payload.get("language")
    )
