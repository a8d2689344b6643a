"""Exports of every customer a query matches, as a file."""

from __future__ import annotations

import re
from datetime import date

from bot.commands.query import interpret_for, output_kind, query_error_reply
from bot.core import Context
from bot.lexicon import connector_pattern
from bot.messages import File, Reply, Text
from bot.registry import action, command
from bot.state import State
from storage.exports import MIME, export_customers, export_groups

__all__ = ["export_reply"]

# an export's column titles (storage.exports.EXPORT_COLUMNS and the grouped answer's), through
# the catalogs: English keeps the identifiers, other languages read their own words
_PHRASES = {
    "external_id": "external_id",
    "name": "name",
    "city": "city",
    "region": "region",
    "country": "country",
    "industry": "industry",
    "manager": "manager",
    "email": "email",
    "phone": "phone",
    "status": "status",
    "rating": "rating",
    "tags": "tags",
    "spend": "spend",
    "orders": "orders",
    "last_purchase": "last_purchase",
    "abc": "abc",
    "xyz": "xyz",
    "rfm_segment": "rfm_segment",
    "customers": "customers",
    "groups": "groups",
    "rfm": "rfm",
    "product": "product",
    "category": "category",
    "month": "month",
    "week": "week",
    "quarter": "quarter",
    "year": "year",
}

_AS_FORMAT = re.compile(
    rf"\s+(?:{connector_pattern('as')}|in|to)\s+(csv|xlsx|excel)\s*$", re.IGNORECASE
)


def export_reply(
    ctx: Context, text: str, fmt: str, today: date | None = None, language: str | None = None
) -> list[Reply]:
    from query_language import QueryError, run_query
    from query_language.ast import Top

    try:
        query = interpret_for(ctx, text, today, language)
    except QueryError as e:
        return [query_error_reply(ctx, e)]
    stamp = (today or ctx.today).isoformat()
    if output_kind(query) == "compare":  # both periods, the change and the per cent
        from query_language.ast import Compare
        from storage.exports import export_compare

        with ctx.engine.connect() as conn:
            result = run_query(conn, query, offset=0, limit=None)
        out = query.output
        assert isinstance(out, Compare)
        data = export_compare(result.groups, out.by, out.first, out.second, fmt)
        caption = f"{result.interpretation} → {len(result.groups)}"
        return [
            Reply((File(f"compare-{stamp}.{fmt}", data, MIME[fmt], caption[:1000]),), private=True)
        ]
    if output_kind(query) == "group":  # the groups as the answer shows them
        with ctx.engine.connect() as conn:
            result = run_query(conn, query, offset=0, limit=None)
        from bot.group_view import group_columns

        columns = group_columns(query.output, result.groups, ctx._, ctx.language, query.period)
        data = export_groups(
            result.groups, [(c.title, c.key) for c in columns], fmt, ctx._("groups")
        )
        caption = f"{result.interpretation} → {len(result.groups)}"
        return [
            Reply((File(f"groups-{stamp}.{fmt}", data, MIME[fmt], caption[:1000]),), private=True)
        ]
    with ctx.engine.connect() as conn:
        result = run_query(
            conn,
            query,
            offset=0,
            limit=query.output.n if isinstance(query.output, Top) else None,
        )
        data = export_customers(conn, result.rows, fmt, ctx._)
    caption = f"{result.interpretation} → {len(result.rows)}"
    return [
        Reply((File(f"customers-{stamp}.{fmt}", data, MIME[fmt], caption[:1000]),), private=True)
    ]


@command("export", example="export Moscow buyers of Super Drill as xlsx")
def export(ctx: Context, args: str) -> list[Reply]:
    """Every customer a query matches (or a grouping's groups), as a CSV or XLSX file (add 'as csv' or 'as xlsx')."""
    m = _AS_FORMAT.search(args)
    fmt = "csv"
    if m:
        fmt = "xlsx" if m.group(1).lower() in ("xlsx", "excel") else "csv"
        args = args[: m.start()]
    if not args.strip():
        return [Reply((Text(ctx._("Export what? For example: export vip as xlsx"), "error"),))]
    return export_reply(ctx, args.strip(), fmt)


@action("export")
def _export(ctx: Context, st: State) -> list[Reply]:
    """The Export button under an answer."""
    p = st.payload
    return export_reply(
        ctx, p["text"], p["format"], date.fromisoformat(p["today"]), p.get("language")
    )
