"""Charts: spend by month for the customers a query matches, a grouping as bars, and the
ABC (Pareto) and RFM pictures."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from bot.charts import groups_png, spend_by_month_png
from bot.commands.query import interpret_for, output_kind, query_error_reply
from bot.core import Context
from bot.messages import Image, Reply, Text
from bot.registry import action, command
from bot.state import State

__all__ = ["chart_reply"]


def chart_reply(
    ctx: Context, text: str, today: date | None = None, language: str | None = None
) -> list[Reply]:
    from query_language import QueryError, matching_ids, run_query

    today = today or ctx.today
    try:
        query = interpret_for(ctx, text, today, language)
    except QueryError as e:
        return [query_error_reply(ctx, e)]
    with ctx.engine.connect() as conn:
        if output_kind(query) == "group":
            result = run_query(conn, query, offset=0, limit=None)
            groups = result.groups[:40]
            by_spend = "spend" in text.lower().split()[:2]
            values = [g["spend"] if by_spend else g["count"] for g in groups]
            png = groups_png(
                [str(g["key"]) for g in groups],
                values,
                result.interpretation,
                ctx._("net spend") if by_spend else ctx._("customers"),
            )
            return [Reply((Image("chart.png", png, result.interpretation[:1000]),))]
        result = run_query(conn, query, offset=0, limit=0)
        period_start, period_end = result.period or (None, None)
        end = period_end or today  # an open period ("before 2025", "since March") ends or
        start = period_start or end - relativedelta(months=12) + relativedelta(
            days=1
        )  # starts here
        start = date(start.year, start.month, 1) if (end - start).days > 62 else start
        ids = matching_ids(query)
        png = spend_by_month_png(conn, ids, start, end, f"{result.interpretation} → {result.count}")
    caption = ctx._("Net spend by month, {start}..{end}: {echo}").format(
        start=start, end=end, echo=result.interpretation
    )
    return [Reply((Image("spend-by-month.png", png, caption[:1000]),))]


@command("chart", example="chart spend by city buyers of Super Drill this year")
def chart(ctx: Context, args: str) -> list[Reply]:
    """A picture: spend by month for a query, bars for a grouping, or 'chart abc' / 'chart rfm'."""
    word = args.strip().lower()
    if word in ("abc", "rfm"):
        from analytics import charts

        with ctx.engine.connect() as conn:
            png = (
                charts.chart_abc(conn, ctx.scope)
                if word == "abc"
                else charts.chart_rfm(conn, ctx.scope)
            )
        caption = (
            ctx._("ABC: the Pareto curve of net revenue")
            if word == "abc"
            else ctx._("RFM: customers per R × FM cell")
        )
        return [Reply((Image(f"{word}.png", png, caption),))]
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
