"""``custbot recompute`` and ``custbot classes``: refresh ABC/XYZ/RFM and apply the rating rules.

Example::

    custbot recompute --dry-run --as-of 2026-11-22
    custbot classes --start 2026-01-01
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import func, select

from analytics.validation import RuleError  # importing it registers the rating-rule config check
from custbot.cli import app
from custbot.context import AppContext, UsageError
from custbot.errors import register_error
from storage.changes import Actor
from storage.schema import class_runs, customer_classes

__all__ = ["recompute_command", "classes_command", "cli_actor"]

register_error(RuleError, 2)


def cli_actor(context: AppContext) -> Actor:
    """Who the command line acts as: ``--as USER`` or the local administrator."""
    who = context.acting_as or "admin"
    return Actor(platform="cli", user_id=who, manager_id=None, label=f"{who} (cli)")


@app.command("recompute")
def recompute_command(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
) -> None:
    """Refresh the classes and apply the rating rules; print how many went up, down and stayed."""
    from analytics.rules import apply_recompute, plan_recompute

    context: AppContext = ctx.find_root().obj
    today = context.today()
    with context.engine.connect() as conn:
        tx = conn.begin()
        try:
            plan = plan_recompute(conn, context.settings, today)
            if dry_run:
                tx.rollback()
            else:
                batch_id = apply_recompute(conn, plan, cli_actor(context))
                tx.commit()
        except BaseException:
            if tx.is_active:
                tx.rollback()
            raise
    for line in plan.lines():
        typer.echo(line)
    if dry_run:
        typer.echo("Dry run: nothing was changed.")
    elif batch_id is None:
        typer.echo("No rating changed, so no batch was made.")
    else:
        typer.echo(f"Applied as batch {batch_id}; undo it with 'undo {batch_id}' in chat.")


def _parse(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{option} {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-01-01"
        ) from None


@app.command("classes")
def classes_command(
    ctx: typer.Context,
    start: Annotated[
        str | None,
        typer.Option("--start", help="Window start, YYYY-MM-DD (default: N months back)."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Window end, YYYY-MM-DD (default: today).")
    ] = None,
    abc_chart: Annotated[
        Path | None, typer.Option("--abc-chart", help="Also save the Pareto chart (PNG).")
    ] = None,
    rfm_chart: Annotated[
        Path | None, typer.Option("--rfm-chart", help="Also save the R × FM grid (PNG).")
    ] = None,
) -> None:
    """Compute ABC, XYZ and RFM classes for every customer now and print how many fall in each."""
    from analytics.charts import pareto, rfm_grid
    from analytics.classes import compute_classes
    from bot.charts import abc_chart as abc_data
    from bot.charts import render
    from bot.charts import rfm_chart as rfm_data
    from bot.i18n import translator

    context: AppContext = ctx.find_root().obj
    with context.engine.begin() as conn:
        run_id = compute_classes(
            conn,
            today=context.today(),
            window_start=_parse(start, "--start"),
            window_end=_parse(end, "--end"),
            settings=context.settings.classes,
        )
        run = conn.execute(
            select(class_runs.c.parameters).where(class_runs.c.id == run_id)
        ).scalar_one()
        typer.echo(
            f"Class run {run_id} for {context.today()}: classes changed for "
            f"{run['rows_written']:,} customers"
        )
        for column in ("abc", "xyz", "rfm_segment"):
            col = customer_classes.c[column]
            rows = conn.execute(select(col, func.count()).group_by(col).order_by(col)).all()
            shown = ", ".join(f"{value or 'none'} {n}" for value, n in rows)
            typer.echo(f"  {column.replace('_segment', '')}: {shown or 'no customers'}")
        _ = translator(context.settings.language)
        for path, draw in (
            (abc_chart, lambda: abc_data(pareto(conn), _)),
            (rfm_chart, lambda: rfm_data(rfm_grid(conn), _)),
        ):
            if path is not None:
                path.write_bytes(render(draw(), context.settings.language))
                typer.echo(f"  saved {path}")
