"""Queries typed as they are: the echo, the count, a page of customers, and what to do next.

``list``, ``top N … by …``, ``count …``, grouped forms and a customer's name alone are all
queries: the query language decides the output form; this module renders it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from bot.core import Context
from bot.messages import Button, Buttons, Part, Reply, Text
from bot.registry import action
from bot.state import State
from bot.views import PAGE_SIZE, button_row, customer_table, echo_parts, spend_header

if TYPE_CHECKING:
    from query_language.ast import Query

__all__ = ["answer_query", "interpret_for", "query_error_reply", "page_reply", "output_kind"]


def output_kind(query: Any) -> str:
    """``count``, ``list``, ``top``, ``group`` or ``card``."""
    return type(query.output).__name__.lower()


def interpret_for(
    ctx: Context, text: str, today: date | None = None, language: str | None = None
) -> Query:
    """Parse and resolve ``text`` for this user, in their scope (raises QueryError): names are
    found and suggested among their customers only, and the query reads only those."""
    from query_language import Me, interpret

    return interpret(
        text,
        ctx.catalog(),
        today=today or ctx.today,
        language=language or ctx.query_language,
        scope=ctx.scope,
        me=Me(ctx.user.manager_id),  # 'my': their own customers (issue 21)
    )


def query_error_reply(ctx: Context, error: Any) -> Reply:
    """The query with a caret under the word, what was expected, suggestions as buttons."""
    parts: list[Part] = [Text(error.render(), "error")]
    buttons = [
        Button(label[:60], ctx.remember("query", {"text": text, "language": ctx.query_language}))
        for label, text in (getattr(error, "choices", None) or [])[:8]
    ]
    if buttons:
        parts.insert(0, Text(ctx._("Which one did you mean?"), "heading"))
        parts.append(Buttons(tuple(buttons)))
    return Reply(tuple(parts))


def _no_customers(ctx: Context) -> bool:
    from sqlalchemy import select

    from storage.schema import customers

    with ctx.engine.connect() as conn:
        return conn.execute(select(customers.c.id).limit(1)).first() is None


def _empty_database_reply(ctx: Context) -> Reply:
    """A question on a database with no customers: say so, and how to get some."""
    return Reply(
        (
            Text(ctx._("There are no customers yet, so there is nothing to ask about."), "heading"),
            Text(
                ctx._(
                    "Import yours with 'custbot import customers customers.csv' (then sales, "
                    "products, interactions), or try the demo data with 'custbot demo'."
                ),
                "note",
            ),
        )
    )


def answer_query(ctx: Context, text: str, language: str | None = None) -> list[Reply]:
    from query_language import QueryError

    try:
        query = interpret_for(ctx, text, language=language)
    except QueryError as e:
        if _no_customers(ctx):
            return [_empty_database_reply(ctx)]
        return [query_error_reply(ctx, e)]
    if output_kind(query) == "card":
        from bot.commands.card import card_for_query

        return card_for_query(ctx, query)
    return [page_reply(ctx, text, ctx.today, query, offset=0, language=language)]


def _scope_note(ctx: Context, query: Any, shown: int) -> Text | None:
    """Say when a rep's scope hides customers, rather than pretending there are none."""
    if not ctx.scope.limited or ctx.extra.get("narrowed"):  # narrowed: a digest's own scope
        return None
    from dataclasses import replace

    from query_language import run_query

    with ctx.engine.connect() as conn:  # the one read outside the scope: a count, no names
        everyone = run_query(conn, replace(query, scope=None), offset=0, limit=0).count
    hidden = everyone - shown
    if hidden <= 0:
        return None
    return Text(
        ctx._("{n} more match among other managers' customers, which you cannot see.").format(
            n=hidden
        ),
        "note",
    )


def page_reply(
    ctx: Context,
    text: str,
    today: date,
    query: Any,
    *,
    offset: int,
    replace: bool = False,
    language: str | None = None,
) -> Reply:
    """One page of the answer to ``query`` with its buttons."""
    from query_language import run_query

    kind = output_kind(query)
    limit = PAGE_SIZE
    if kind == "top":
        limit = max(0, min(PAGE_SIZE, query.output.n - offset))
    with ctx.engine.connect() as conn:
        result = run_query(conn, query, offset=offset, limit=limit)
    total = min(result.count, query.output.n) if kind == "top" else result.count
    parts: list[Part] = []
    if kind == "compare":  # a vs answer: both periods, the change and the change in per cent
        from bot.compare_view import compare_table

        parts.append(Text(result.interpretation, "echo"))
        parts.append(
            compare_table(result, query.output, ctx._, ctx.settings.currency, ctx.language)
        )
    elif kind == "group":
        from bot.group_view import group_table

        parts.append(Text(result.interpretation, "echo"))
        parts.append(
            group_table(
                query.output,
                result.groups,
                ctx._,
                ctx.settings.currency,
                ctx.language,
                query.period,
            )
        )
    else:
        matched = result.count if kind == "top" else None
        parts.extend(echo_parts(result.interpretation, total, ctx._, matched, ctx.language))
        if result.rows:
            parts.append(
                customer_table(
                    result.rows,
                    ctx._,
                    ctx.settings.currency,
                    start=offset,
                    spend=spend_header(ctx._, query.period, ctx.language),
                    orders=kind == "top" and query.output.by == "orders",
                    language=ctx.language,
                )
            )
    if kind not in ("group", "compare") and total > PAGE_SIZE:
        pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
        parts.append(
            Text(
                ctx._("Page {page} of {pages}").format(page=offset // PAGE_SIZE + 1, pages=pages),
                "note",
            )
        )
    if note := _scope_note(ctx, query, result.count):
        parts.append(note)
    parts.extend(_buttons(ctx, text, today, kind, offset, total, language or query.language))
    return Reply(tuple(parts), private=True, replace=replace)


def _buttons(
    ctx: Context, text: str, today: date, kind: str, offset: int, total: int, language: str
) -> list[Buttons]:
    base = {"text": text, "today": today.isoformat(), "language": language}
    rows: list[Buttons] = []
    if kind not in ("group", "compare") and total > PAGE_SIZE:
        prev_b = (
            Button(
                ctx._("◀ Previous"),
                ctx.remember("page", {**base, "offset": max(0, offset - PAGE_SIZE), "dir": "prev"}),
            )
            if offset > 0
            else None
        )
        next_b = (
            Button(
                ctx._("Next ▶"),
                ctx.remember("page", {**base, "offset": offset + PAGE_SIZE, "dir": "next"}),
            )
            if offset + PAGE_SIZE < total
            else None
        )
        rows.append(button_row(prev_b, next_b))
    if total:
        rows.append(
            button_row(
                Button(ctx._("Export CSV"), ctx.remember("export", {**base, "format": "csv"})),
                Button(ctx._("Export XLSX"), ctx.remember("export", {**base, "format": "xlsx"})),
                Button(ctx._("Chart"), ctx.remember("chart", base)),
            )
        )
    if kind not in ("group", "compare") and total and ctx.user.at_least("manager"):
        rows.append(
            button_row(
                *(
                    Button(
                        ctx._("Rate {r}").format(r=r),
                        ctx.remember("bulk_start", {**base, "op": "rate", "value": r}),
                    )
                    for r in ("A", "B", "C")
                )
            )
        )
    return rows


@action("page")
def _page(ctx: Context, st: State) -> list[Reply]:
    """Next or previous page of an earlier answer, edited in place."""
    from query_language import QueryError

    today = date.fromisoformat(st.payload["today"])
    try:
        query = interpret_for(ctx, st.payload["text"], today, st.payload.get("language"))
    except QueryError as e:
        return [query_error_reply(ctx, e)]
    return [
        page_reply(
            ctx,
            st.payload["text"],
            today,
            query,
            offset=int(st.payload["offset"]),
            replace=True,
            language=st.payload.get("language"),
        )
    ]


@action("query")
def _query(ctx: Context, st: State) -> list[Reply]:
    """A chosen reading of an ambiguous query."""
    return answer_query(ctx, st.payload["text"], language=st.payload.get("language"))
