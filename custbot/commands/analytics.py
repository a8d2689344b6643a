"""``custbot analytics status|refresh|rebuild``: the DuckDB copy of the line-heavy data.

Example::

    custbot analytics status
    custbot analytics refresh      # incremental; a no-op when current
    custbot analytics rebuild      # from scratch
"""

from __future__ import annotations

import typer

from custbot.cli import app
from custbot.context import AppContext

__all__ = ["analytics_app"]

analytics_app = typer.Typer(
    help="The analytical copy (DuckDB) of the order lines.", no_args_is_help=True
)
app.add_typer(analytics_app, name="analytics")


def _router(context: AppContext):  # type: ignore[no-untyped-def]
    from query_language.route import configure, router_for

    engine = context.engine
    router = router_for(engine)
    if router is None:  # engine = "primary": the commands still manage the configured copy
        from storage.columnar import ColumnarSettings

        forced = ColumnarSettings(
            **(context.settings.analytics.model_dump() | {"engine": "duckdb"})
        )
        router = configure(engine, forced)
        assert router is not None
    return engine, router


@analytics_app.command("status")
def status_command(ctx: typer.Context) -> None:
    """Where the copy is, what it reflects, and whether it is current."""
    context: AppContext = ctx.find_root().obj
    engine, router = _router(context)
    copy = router.copy
    state = copy.state()
    typer.echo(f"engine: {context.settings.analytics.engine}")
    typer.echo(f"copy: {copy.path}")
    if state is None:
        typer.echo("state: none yet (custbot analytics rebuild)")
        return
    data = copy.data_file()
    size = data.stat().st_size if data else 0
    with engine.connect() as conn:
        current = copy.is_current(conn)
    typer.echo(f"snapshot: {state.snapshot_at:%Y-%m-%d %H:%M:%S} UTC")
    typer.echo(f"order lines: {state.lines}, orders: {state.orders}, file: {size / 1e6:.1f} MB")
    typer.echo(f"state: {'current' if current else 'stale'}")


def _refresh(ctx: typer.Context, full: bool) -> None:
    context: AppContext = ctx.find_root().obj
    engine, router = _router(context)
    report = router.copy.refresh(engine, full=full)
    if not report.done:
        reason = (
            "another process is refreshing it"
            if report.kind == "leased"
            else "the data kept changing"
        )
        typer.echo(f"not refreshed: {reason}; try again")
        raise typer.Exit(1)
    tables = ", ".join(report.tables) or "nothing"
    typer.echo(f"{report.kind} refresh in {report.seconds:.2f} s ({tables})")


@analytics_app.command("refresh")
def refresh_command(ctx: typer.Context) -> None:
    """Bring the copy up to date: new lines, changed orders, changed customer tables."""
    _refresh(ctx, full=False)


@analytics_app.command("rebuild")
def rebuild_command(ctx: typer.Context) -> None:
    """Build the copy from scratch."""
    _refresh(ctx, full=True)
