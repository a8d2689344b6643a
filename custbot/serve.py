"""``custbot serve``: every configured chat front end, the scheduler and the mail worker in one
process. Each front end starts only when its secrets are in the environment; configuration
that cannot work stops ``serve`` before it starts, and a part that dies later is logged and
restarted with backoff (``custbot.preflight``, ``custbot.supervise``).

Several replicas may run it against one PostgreSQL: recompute takes a database lease (only one
applies), the mail sender claims outbox rows with ``FOR UPDATE SKIP LOCKED``, and chat state
lives in the database.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine
from datetime import date
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Connection, Select

from bot import state
from bot.core import ChatCore
from bot.i18n import translator
from bot.messages import Reply, Text
from bot.outbound import OutboundRouter
from bot.settings import BotSettings
from custbot.config import Settings
from custbot.preflight import ServeConfigError, check_tokens, problems
from custbot.supervise import DEFAULT_BACKOFF, Backoff, PartDied, supervise
from mailing.wallclock import WallClockCron

if TYPE_CHECKING:
    from mailing.mailings import Audience
    from mailing.outbox import Report

__all__ = [
    "serve",
    "build_scheduler",
    "query_audience",
    "recompute_job",
    "analytics_refresh_job",
    "watches_job",
    "outbound_router",
    "subscriptions_job",
]

log = logging.getLogger("custbot.serve")

WATCH_POLL_SECONDS = 60  # how often serve looks whether the data changed for the watches


def query_audience(catalog: Callable[[], Any]) -> Audience:
    """The mailing audience function: a saved query's customers, re-evaluated at each run
    against the current catalog (``catalog`` is e.g. ``core.catalog`` or ``CatalogCache(e).get``)."""

    def audience(conn: Connection, query_text: str, language: str, today: date) -> Select:
        from query_language import interpret, matching_ids

        return matching_ids(interpret(query_text, catalog(), today=today, language=language))

    return audience


async def recompute_job(core: ChatCore, router: OutboundRouter) -> None:
    """Recompute classes and ratings (only one replica applies) and post the report."""
    from analytics.schedule import run_scheduled_recompute

    settings = core.settings
    report = await asyncio.to_thread(
        run_scheduled_recompute, core.engine, settings, today=core.today()
    )
    texts = [report.text(translator(settings.language))] if report.applied else []
    log.info("scheduled recompute: applied=%s", report.applied)
    if texts and settings.rating.report_chat:
        await router.send(
            settings.rating.report_chat, Reply((Text("\n".join(texts)),), private=False)
        )
    if report.applied:  # the watches tell who the new ratings moved, without waiting a minute
        await watches_job(core, router)


async def purge_job(core: ChatCore) -> None:
    """Drop expired buttons/confirmations and old seen-event keys, and all but the newest rows
    of the analytical copy's change list (any replica may run it; with no copy nothing else
    would)."""

    def purge() -> tuple[int, int]:
        from storage.columnar.generation import prune_dirty

        with core.engine.begin() as conn:
            return state.purge_expired(conn), prune_dirty(conn)

    chat_rows, dirty_rows = await asyncio.to_thread(purge)
    log.info("purged %d expired chat rows, %d old changed-order rows", chat_rows, dirty_rows)


async def analytics_refresh_job(core: ChatCore) -> None:
    """Bring the DuckDB copy up to date (``[analytics] refresh = "scheduled"``); a no-op when it
    is current, skipped when another process of this host is refreshing it."""
    from query_language.route import router_for

    copy_router = router_for(core.engine)
    if copy_router is None:
        return
    report = await asyncio.to_thread(copy_router.copy.refresh, core.engine)
    if report.kind not in ("current", "leased"):
        log.info("analytics copy: %s refresh in %.2f s", report.kind, report.seconds)


async def watches_job(core: ChatCore, router: OutboundRouter) -> None:
    """Run the due segment watches (one replica at a time: a database lease) and send their
    notices (``bot.watch_run``)."""
    from bot.watch_run import deliver_notices, holder, run_watches

    notices = await asyncio.to_thread(run_watches, core, holder=holder())
    errors = await deliver_notices(core, router, notices)
    failed = sum(e is not None for e in errors)
    sent = len(errors) - failed
    if sent or failed:
        log.info("watches: %d notices sent, %d failed (retried)", sent, failed)


def build_scheduler(core: ChatCore, router: OutboundRouter) -> AsyncIOScheduler:
    """The jobs of ``custbot serve``: the hourly purge of expired chat state, the rating
    recompute on its cron schedule, the refresh of the analytical copy when scheduled, and every
    minute the segment watches (a cheap check of the data's generation), the due subscriptions
    and digests, and the due follow-ups (``custbot.follow_up_job``). No job runs twice at once;
    a run missed while another was running is made once."""
    from custbot.follow_up_job import INTERVAL_SECONDS, follow_up_job  # issue 21

    settings = core.settings
    assert isinstance(settings, Settings)  # serve runs on the application's whole configuration
    scheduler = AsyncIOScheduler(
        timezone=settings.tz, job_defaults={"max_instances": 1, "coalesce": True}
    )
    scheduler.add_job(purge_job, "interval", hours=1, args=[core], id="purge")
    if settings.analytics.refresh == "scheduled" and settings.analytics.engine != "primary":
        scheduler.add_job(
            analytics_refresh_job,
            "interval",
            seconds=settings.analytics.refresh_seconds,
            args=[core],
            id="analytics-refresh",
        )
    if settings.rating.schedule:
        scheduler.add_job(
            recompute_job,
            WallClockCron(settings.rating.schedule, settings.tz),
            args=[core, router],
            id="recompute",
        )
    for job, seconds, job_id in (
        (watches_job, WATCH_POLL_SECONDS, "watches"),
        (subscriptions_job, SUBSCRIPTIONS_EVERY_SECONDS, "subscriptions"),
        (follow_up_job, INTERVAL_SECONDS, "follow-ups"),
    ):
        scheduler.add_job(job, "interval", seconds=seconds, args=[core, router], id=job_id)
    return scheduler


def outbound_router(core: ChatCore) -> OutboundRouter:
    """A router to every front end whose token is set, for one-off sends outside ``serve``
    (``custbot watches run``)."""
    router = OutboundRouter()
    _front_ends(core, core.settings, asyncio.Event(), router)
    return router


SUBSCRIPTIONS_EVERY_SECONDS = 60  # how often due subscriptions and digests are looked for


async def subscriptions_job(core: ChatCore, router: OutboundRouter) -> None:
    """Post the subscriptions and digests that are due, each as its recipient, once across
    replicas (``bot.scheduled``: the ``subscriptions`` lease and a run key per delivery)."""
    from bot.scheduled import run_due

    report = await run_due(core, router)
    if report.sent or report.failed:
        log.info("subscriptions: %d sent, %d failed", report.sent, report.failed)


def _one_click(core: ChatCore, settings: BotSettings) -> dict[str, Any]:
    """{path: the unsubscribe endpoint} when ``[smtp.one_click] url`` is set; a missing secret
    stops ``serve`` at start (MailingError)."""
    from urllib.parse import urlsplit

    from mailing.unsubscribe import one_click_secret

    secret = one_click_secret(settings.smtp.one_click)
    if secret is None:
        return {}
    from bot.unsubscribe import unsubscribe_app

    path = urlsplit(settings.smtp.one_click.url).path.rstrip("/") or "/"
    return {path: unsubscribe_app(core.engine, secret, language=settings.language)}


def _front_ends(
    core: ChatCore, settings: BotSettings, stop: asyncio.Event, router: OutboundRouter
) -> dict[str, Callable[[], Coroutine[Any, Any, None]]]:
    """How to start each configured front end (called again to restart one that died)."""
    tasks: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {}
    web = _one_click(core, settings)
    tg_token = settings.secret(settings.telegram.token_env)
    if tg_token:
        from telegram import Bot

        from bot.telegram.deliver import TelegramOutbound
        from bot.telegram.runner import run_telegram

        router.targets["telegram"] = TelegramOutbound(
            Bot(
                tg_token,
                base_url=settings.telegram.base_url,
                base_file_url=settings.telegram.base_file_url,
            )
        )
        tasks["telegram"] = lambda: run_telegram(core, settings, tg_token, stop)
    slack_token = settings.secret(settings.slack.bot_token_env)
    if slack_token:
        from bot.slack.app import make_client
        from bot.slack.deliver import SlackOutbound
        from bot.slack.run import run_slack

        router.targets["slack"] = SlackOutbound(
            make_client(slack_token, settings.slack.base_url), core.engine
        )
        shared = settings.slack.mode == "http"
        routes = web if shared else None
        tasks["slack"] = lambda: run_slack(core, settings, stop, routes=routes)
        web = {} if shared else web
    if web:  # Slack's HTTP mode is off: the unsubscribe endpoint alone on its own port
        from bot.http import route, run_asgi

        oc = settings.smtp.one_click
        alone = route(web)
        tasks["unsubscribe"] = lambda: run_asgi(alone, oc.listen, oc.port, stop, name="unsubscribe")
    return tasks


async def serve(
    core: ChatCore,
    stop: asyncio.Event | None = None,
    *,
    mail_poll_seconds: float = 30,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> None:
    """Run until ``stop`` is set (or SIGINT/SIGTERM). Configuration that cannot work (and a
    token the platform refuses) raises ServeConfigError before anything starts; a part that
    dies later is restarted (``custbot.supervise``)."""
    from mailing.worker import run_mail_worker

    await _preflight(core.settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
            pass
    router = OutboundRouter()
    tasks = _front_ends(core, core.settings, stop, router)
    if not tasks:
        log.warning(
            "no chat front end configured: set %s, or %s (and the Slack secrets); "
            "running the scheduler and the mail worker only",
            core.settings.telegram.token_env,
            core.settings.slack.bot_token_env,
        )

    async def notify(requester_chat: dict[str, Any] | str | None, report: Report) -> None:
        if requester_chat:
            chat = (
                requester_chat.get("chat")
                if isinstance(requester_chat, dict)
                else str(requester_chat)
            )
            if chat:
                await router.send(
                    chat, Reply((Text(report.text(translator(core.settings.language))),))
                )

    tasks["mail"] = lambda: run_mail_worker(
        core.engine,
        core.settings,
        query_audience(core.catalog),
        notify,
        stop_event=stop,
        poll_seconds=mail_poll_seconds,
    )
    scheduler = build_scheduler(core, router)
    scheduler.start()
    log.info(
        "serving: %s; scheduler jobs: %s",
        ", ".join(tasks),
        [j.id for j in scheduler.get_jobs()] or "none",
    )
    running = [
        asyncio.create_task(supervise(name, start, stop, backoff), name=name)
        for name, start in tasks.items()
    ]
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([stopping, *running], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.set()
        scheduler.shutdown(wait=False)
        results = await asyncio.gather(*running, return_exceptions=True)
    for result in results:
        if isinstance(result, PartDied):
            raise result


async def _preflight(settings: BotSettings) -> None:
    """Stop before starting anything when the configuration cannot work or a platform refuses
    its token (an unreachable platform is only logged: the front end retries)."""
    found = problems(settings)
    if not found:
        report = await check_tokens(settings)
        found = report.problems
        for line in report.unreachable:
            log.warning("%s; starting anyway, it will be retried", line)
    if found:
        raise ServeConfigError("cannot serve: " + "; ".join(found))
