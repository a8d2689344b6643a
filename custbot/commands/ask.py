"""``custbot ask "QUERY" [--json] [--all]``: one query, answered once, then exit.

Example::

    custbot --as-of 2026-11-22 ask --json "top 10 Kazan customers by spend this year"
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from custbot.cli import app
from custbot.context import AppContext

__all__ = ["ask", "answer"]

_COLUMNS = (
    "external_id",
    "name",
    "city",
    "manager",
    "rating",
    "status",
    "spend",
    "orders",
    "last_purchase",
)


def _jsonable(x: Any) -> Any:
    if isinstance(x, (date, datetime)):
        return x.isoformat()
    return x


def _language(text: str, given: str | None) -> str:
    from query_language import detect_language

    return given or detect_language(text)


def answer(
    context: AppContext, text: str, *, everything: bool = False, language: str | None = None
) -> dict[str, Any]:
    """``_answer`` without the query it understood. Example: ``answer(ctx, "vip")["count"]``."""
    return _answer(context, text, everything=everything, language=language)[0]


def _answer(
    context: AppContext, text: str, *, everything: bool = False, language: str | None = None
) -> tuple[dict[str, Any], Any]:
    """The JSON answer to ``text`` (raises QueryError): count, interpretation and customers, or
    groups. ``count`` is how many customers match the conditions; a list shows the first 10 of
    them (``everything``: all), a top N shows its N (``top``: N), with or without ``everything``.
    Every statement is bounded by ``[limits] statement_timeout_ms``. Also the query as
    understood, which names a grouping's columns."""
    from query_language import CatalogCache, Group, Top, interpret, run_query
    from storage.timeouts import statement_timeout

    engine = context.engine
    context.settings.limits.apply()
    with statement_timeout(context.settings.limits.statement_timeout_ms):
        query = interpret(
            text,
            CatalogCache(engine).get(),
            today=context.today(),
            language=_language(text, language),
            scope=context.scope(),
        )
        with engine.connect() as conn:
            top = isinstance(query.output, Top)
            limit = None if everything or top else 10
            result = run_query(conn, query, limit=limit)
    if isinstance(query.output, Group):
        return {"groups": result.groups, "interpretation": result.interpretation}, query
    rows = [{k: _jsonable(v) for k, v in row.items()} for row in result.rows]
    out = {"count": result.count, "interpretation": result.interpretation, "customers": rows}
    if isinstance(query.output, Top):
        out["top"] = query.output.n
    return out, query


def _print(console: Console, out: dict[str, Any], currency: str, query: Any) -> None:
    from storage.formatting import money

    if "groups" in out:  # the columns the chat's table has (bot.group_view), in English
        from bot.group_view import cell, group_columns

        console.print(out["interpretation"])
        columns = group_columns(query.output, out["groups"], str, "en", query.period)
        table = Table(*(c.title for c in columns))
        for g in out["groups"]:
            table.add_row(*(cell(g.get(c.key), c.kind, currency, "en") for c in columns))
        console.print(table)
        return
    console.print(f"{out['interpretation']} → {out['count']}")
    if not out["customers"]:
        return
    table = Table(*_COLUMNS)
    for row in out["customers"]:
        table.add_row(
            *(
                ""
                if row.get(c) is None
                else money(row[c], currency)
                if c == "spend"
                else str(row[c])
                for c in _COLUMNS
            )
        )
    console.print(table)
    shown = len(out["customers"])
    if "top" in out:
        console.print(f"the top {shown} of {out['count']} matching customers")
    elif shown < out["count"]:
        console.print(f"first {shown} of {out['count']}; --all shows every one")


@app.command("ask")
def ask(
    ctx: typer.Context,
    query: Annotated[
        str, typer.Argument(help='The question, e.g. "Moscow buyers of Super Drill last quarter".')
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object and nothing else.")
    ] = False,
    everything: Annotated[
        bool,
        typer.Option("--all", help="Every matching customer, not the first 10 (a top N shows N)."),
    ] = False,
    language: Annotated[
        str | None, typer.Option("--lang", help="en or ru (default: guessed from the text).")
    ] = None,
) -> None:
    """Answer one query in the customer query language, then exit."""
    from custbot.errors import describe_error
    from query_language import QueryError

    context: AppContext = ctx.find_root().obj
    try:
        out, understood = _answer(context, query, everything=everything, language=language)
    except QueryError as e:
        if as_json:
            typer.echo(json.dumps(e.to_json(), ensure_ascii=False))
        else:
            typer.echo(e.render(query), err=True)
        raise SystemExit(2) from None
    except Exception as e:  # noqa: BLE001 - the last resort: a ref, never the exception's text
        if os.environ.get("CUSTBOT_DEBUG") == "1":
            raise
        status, message = describe_error(e, _language(query, language))
        typer.echo(f"error: {message}", err=True)
        raise SystemExit(status) from None
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    tty = sys.stdout.isatty()
    console = Console(soft_wrap=not tty, width=None if tty else 200)
    _print(console, out, context.settings.currency, understood)
