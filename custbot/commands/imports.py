"""``custbot import KIND FILE``: load customers, products, sales, interactions or managers.

Example::

    custbot import sales online_retail_sample.csv --create-customers --amount-from UnitPrice \
        --map InvoiceNo=order_id --map CustomerID=customer_id --map InvoiceDate=date \
        --map StockCode=sku --map Description=product_name --map Quantity=quantity \
        --map Country=country
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from custbot.cli import app
from custbot.context import AppContext, UsageError
from custbot.errors import register_error
from storage.imports import KINDS, ImportFailed, import_file

__all__ = ["import_command", "parse_mapping"]

register_error(ImportFailed, 1)
_PROGRESS_FROM = 20_000  # lines: shorter files finish before a bar is worth drawing


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["InvoiceNo=order_id"]`` → ``{"InvoiceNo": "order_id"}``; a pair without ``=`` is an error.

    Example::

        parse_mapping(["CustomerID=customer_id"])
    """
    mapping: dict[str, str] = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise UsageError(f"--map {pair!r}: write SOURCE=TARGET, e.g. --map InvoiceNo=order_id")
        mapping[source.strip()] = target.strip()
    return mapping


@contextmanager
def _progress(path: Path) -> Iterator[Callable[[int, int], None] | None]:
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn(f"importing {path.name}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("import", total=None)

        def update(done: int, total: int) -> None:
            if total >= _PROGRESS_FROM:
                bar.update(task, completed=done, total=total)

        yield update


@app.command("import")
def import_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help=f"What the file holds: {', '.join(KINDS)}.")],
    file: Annotated[Path, typer.Argument(help="A CSV (UTF-8, comma or semicolon) or XLSX file.")],
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="Rename a column: SOURCE=TARGET (repeatable).")
    ] = None,
    create_customers: Annotated[
        bool,
        typer.Option(
            "--create-customers", help="Sales: create or update customers from the file's columns."
        ),
    ] = False,
    amount_from: Annotated[
        str | None, typer.Option("--amount-from", help="Sales: amount = quantity × this column.")
    ] = None,
) -> None:
    """Import customers, products, sales, interactions or managers; all or nothing, re-runnable."""
    context: AppContext = ctx.find_root().obj
    mapping = parse_mapping(map_ or [])
    with _progress(file) as progress:
        try:
            report = import_file(
                context.engine, kind, file, mapping=mapping, create_customers=create_customers,
                amount_from=amount_from, progress=progress, today=context.today(),
                actor=context.actor(), phone_region=context.settings.customers.phone_region,
            )  # fmt: skip
        except ImportFailed as e:
            for line in e.lines():
                typer.echo(line, err=True)
            raise SystemExit(1) from None  # main() passes it on; typer.Exit would be swallowed
    typer.echo(report.summary())
