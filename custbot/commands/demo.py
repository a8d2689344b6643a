"""``custbot demo`` and ``custbot generate``: fill the database with the demo customer base."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from custbot.cli import app
from custbot.context import AppContext
from custbot.errors import register_error
from storage.demo_catalog import LANGUAGES

if TYPE_CHECKING:
    from storage.demo import DemoSummary

__all__ = ["demo", "generate_command"]


def _demo():  # type: ignore[no-untyped-def]
    """``storage.demo``, loaded when a command builds (numpy and the generators are not part of
    every command's start-up); its errors are a user's."""
    import storage.demo

    register_error(storage.demo.DemoError, 2)
    return storage.demo


def _language(context: AppContext, lang: str | None) -> str:
    chosen = lang or (context.settings.language if context.settings.language in LANGUAGES else "en")
    if chosen not in LANGUAGES:
        raise _demo().DemoError(
            f"--lang {chosen}: the demo speaks {' and '.join(LANGUAGES)}; pick one of those"
        )
    return chosen


def _run(console: Console, build: Callable[..., DemoSummary]) -> DemoSummary:
    """Run ``build(progress=...)`` behind a progress bar on stderr."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return build(progress=progress)


def _print_summary(console: Console, s: DemoSummary, url: str) -> None:
    table = Table(title=f"Demo data in {url}", show_header=False)
    for label, value in (
        ("customers", s.customers),
        ("orders", s.orders),
        ("order lines", s.order_lines),
        ("products", s.products),
        ("managers", s.managers),
        ("interactions", s.interactions),
        ("tags on customers", s.customer_tags),
        ("saved segments", s.segments),
    ):
        table.add_row(label, f"{value:,}")
    table.add_row("orders up to", s.today.isoformat())
    table.add_row("built in", f"{s.seconds:.1f} s (seed {s.seed}, language {s.lang})")
    console.print(table)
    console.print("Try asking:")
    for example in s.examples:
        console.print(f"  • {example}", markup=False, highlight=False)


def _after_build(ctx: typer.Context) -> None:
    """Once the demo database is ready, open the terminal chat on it (reads a pipe too)."""
    from custbot.commands.chat import open_chat

    open_chat(ctx.find_root().obj)


@app.command("demo")
def demo(
    ctx: typer.Context,
    customers: Annotated[
        int, typer.Option("--customers", min=1, help="How many demo customers.")
    ] = 2000,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language of the demo data: en or ru.")
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Delete ALL data first, then build the demo.")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same data.")] = 7,
) -> None:
    """Create the demo database (a tools distributor's customers) unless it has customers already."""
    context: AppContext = ctx.find_root().obj
    console = Console()
    engine = context.engine
    url = engine.url.render_as_string()
    existing = _demo().count_customers(engine)
    if existing and not rebuild:
        console.print(
            f"{url} already holds {existing:,} customers; keeping them (--rebuild replaces ALL data).",
            markup=False,
            highlight=False,
        )
    else:
        language = _language(context, lang)
        if rebuild:
            _demo().clear_data(engine)
        summary = _run(
            console,
            lambda progress: _demo().build_demo(
                engine,
                customers=customers,
                seed=seed,
                today=context.today(),
                lang=language,
                progress=progress,
            ),
        )
        _print_summary(console, summary, url)
        _finish(ctx, context, console, language)
    _after_build(ctx)


def _finish(ctx: typer.Context, context: AppContext, console: Console, language: str) -> None:
    """The demo arrives computed: its classes now, (unless a configuration was given or exists,
    or it has rules already) a custbot.toml with the demo's example rating rules, loyalty tiers
    and a digest, the customers' loyalty points and first tiers when the configuration has tiers,
    and one subscription."""
    from analytics.demo import DEMO_LOYALTY, DEMO_RULES, demo_config, finish_demo
    from bot.settings import DigestEntry
    from custbot.config import DEFAULT_CONFIG
    from custbot.demo_subscriptions import DEMO_DIGEST, add_demo_subscription, demo_digest_entry

    finish_demo(context.engine, context.today(), context.settings.classes)
    console.print("ABC / XYZ / RFM classes computed.", markup=False, highlight=False)
    if add_demo_subscription(
        context.engine, language, context.today(), context.settings.timezone
    ):  # fmt: skip
        console.print(
            "Subscription 1 posts a list every Monday (try 'subscriptions' in 'custbot chat').",
            markup=False,
            highlight=False,
        )
    given = ctx.find_root().params.get("config")
    if not (context.settings.rating.rules or given is not None or DEFAULT_CONFIG.exists()):
        DEFAULT_CONFIG.write_text(demo_config(language) + DEMO_DIGEST[language], encoding="utf-8")
        rating = context.settings.rating.model_copy(update={"rules": DEMO_RULES[language]})
        digests = [DigestEntry.model_validate(demo_digest_entry(language))]
        update = {
            "rating": rating,
            "language": language,
            "loyalty": DEMO_LOYALTY[language],
            "digests": digests,
        }
        context.settings = context.settings.model_copy(update=update)
        console.print(
            f"Wrote {DEFAULT_CONFIG} with example rating rules, loyalty tiers and a digest "
            "(try 'recompute ratings', 'tier gold').",
            markup=False,
            highlight=False,
        )
    _finish_loyalty(context, console)
    _watch_baseline(context)


def _watch_baseline(context: AppContext) -> None:
    """The demo's watch takes its baseline now, so 'watches' shows its customers at once."""
    from bot.core import ChatCore
    from bot.watch_run import holder, run_watches

    core = ChatCore(context.engine, context.settings, today=context.today())
    run_watches(core, holder=holder(), today=context.today())


def _finish_loyalty(context: AppContext, console: Console) -> None:
    from analytics.demo import finish_loyalty

    if not context.settings.loyalty.enabled:
        return
    finish_loyalty(context.engine, context.today(), context.settings.loyalty)
    console.print("Loyalty points and tiers computed.", markup=False, highlight=False)


@app.command("generate")
def generate_command(
    ctx: typer.Context,
    customers: Annotated[
        int, typer.Option("--customers", min=1, help="Exactly this many customers.")
    ] = 1_000_000,
    orders: Annotated[
        int, typer.Option("--orders", min=1, help="Exactly this many orders (about 3 lines each).")
    ] = 5_000_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same data.")] = 7,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language of the data: en or ru.")
    ] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Delete ALL data first.")] = False,
) -> None:
    """Generate a large synthetic customer base (for load tests), streamed in chunks."""
    context: AppContext = ctx.find_root().obj
    console = Console()
    engine = context.engine
    language = _language(context, lang)
    if rebuild:
        _demo().clear_data(engine)
    summary = _run(
        console,
        lambda progress: _demo().generate(
            engine,
            customers=customers,
            orders=orders,
            seed=seed,
            today=context.today(),
            lang=language,
            progress=progress,
        ),
    )
    rows = summary.customers + summary.orders + summary.order_lines + summary.interactions
    _print_summary(console, summary, engine.url.render_as_string())
    console.print(f"{rows / max(summary.seconds, 1e-9):,.0f} rows/s", highlight=False)
