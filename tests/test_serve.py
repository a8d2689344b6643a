"""``custbot serve``: it starts the configured parts, schedules the recompute in the configured
time zone, posts reports through the router, and stops cleanly."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core import ChatCore
from bot.messages import Reply
from bot.outbound import OutboundRouter
from custbot.serve import build_scheduler, serve
from tests.bot.conftest import make_settings
from tests.bot.seed import TODAY, seed


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Reply]] = []

    async def send(self, chat: str, reply: Reply) -> None:
        self.sent.append((chat, reply))


def test_router_delivers_by_platform_and_ignores_unknown() -> None:
    rec = Recorder()
    router = OutboundRouter({"telegram": rec})
    asyncio.run(router.send("telegram:-100", Reply()))
    asyncio.run(router.send("slack:C1", Reply()))
    assert [c for c, _r in rec.sent] == ["-100"]


def test_the_recompute_is_scheduled_in_the_configured_zone(engine) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(rating__schedule="0 6 * * mon", **{"timezone": None} if False else {})
    settings = settings.model_copy(update={"timezone": "Asia/Yekaterinburg"})
    core = ChatCore(engine, settings, today=TODAY)

    async def check() -> datetime:
        scheduler = build_scheduler(core, OutboundRouter())
        job = scheduler.get_job("recompute")
        return job.trigger.get_next_fire_time(
            None, datetime(2026, 11, 22, 12, tzinfo=ZoneInfo("Asia/Yekaterinburg"))
        )

    fire = asyncio.run(check())
    assert (fire.isoformat(), fire.utcoffset().total_seconds()) == (
        "2026-11-23T06:00:00+05:00",
        5 * 3600,
    )


def test_serve_runs_without_front_ends_and_stops(engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for var in ("CUSTBOT_TELEGRAM_TOKEN", "CUSTBOT_SLACK_BOT_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    seed(engine)
    core = ChatCore(engine, make_settings(), today=TODAY)

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(serve(core, stop, mail_poll_seconds=0.05))
        await asyncio.sleep(0.5)
        assert not task.done()
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(run())


def test_the_hourly_purge_drops_expired_states_and_old_events_only(engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """... and all but the newest rows of the analytical copy's change list (KEEP_DIRTY, two
    here), remembering how far: with no copy configured nothing else would prune it."""
    from datetime import timedelta

    from storage.columnar import generation
    from storage.schema import analytics_dirty_orders

    monkeypatch.setattr(generation, "KEEP_DIRTY", 2)

    from sqlalchemy import insert, select

    from bot import state
    from custbot.serve import purge_job
    from storage.changes import utcnow
    from storage.schema import chat_state, processed_events

    seed(engine)
    core = ChatCore(engine, make_settings(), today=TODAY)
    with engine.begin() as conn:
        live = state.put(conn, "page", "telegram:1", {"x": 1})
        state.put(conn, "page", "telegram:1", {"x": 2}, ttl=timedelta(seconds=-1))
        conn.execute(
            insert(processed_events),
            [
                {"platform": "telegram", "event_key": "old", "at": utcnow() - timedelta(days=8)},
                {
                    "platform": "telegram",
                    "event_key": "recent",
                    "at": utcnow() - timedelta(hours=23),
                },
            ],
        )
        conn.execute(insert(analytics_dirty_orders), [{"order_id": i} for i in range(1, 6)])
    assert asyncio.run(core.seen("telegram", "recent")) is True
    scheduler = build_scheduler(core, OutboundRouter())
    assert scheduler.get_job("purge") is not None
    asyncio.run(purge_job(core))
    with engine.connect() as conn:
        assert conn.execute(select(chat_state.c.token)).scalars().all() == [live]
        assert conn.execute(select(processed_events.c.event_key)).scalars().all() == ["recent"]
        left = conn.execute(select(analytics_dirty_orders.c.order_id)).scalars().all()
        assert sorted(left) == [4, 5]
        assert generation.pruned_through(conn) > 0


def test_a_daily_recompute_runs_on_the_day_after_a_dst_change(engine) -> None:  # type: ignore[no-untyped-def]
    """A 23-hour day (New York, 12 March 2028) is a day: the next 0:00 is on the 13th."""
    settings = make_settings(rating__schedule="0 0 * * *").model_copy(
        update={"timezone": "America/New_York"}
    )
    core = ChatCore(engine, settings, today=TODAY)

    async def check() -> datetime:
        job = build_scheduler(core, OutboundRouter()).get_job("recompute")
        zone = ZoneInfo("America/New_York")
        return job.trigger.get_next_fire_time(
            datetime(2028, 3, 12, tzinfo=zone), datetime(2028, 3, 12, 0, 0, 1, tzinfo=zone)
        )

    assert asyncio.run(check()).isoformat() == "2028-03-13T00:00:00-04:00"


def test_serve_answers_one_click_unsubscribe_alone_when_slack_http_is_off(
    engine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """No Slack HTTP mode: the endpoint runs on ``[smtp.one_click] port``; a missing secret stops
    ``serve`` before anything runs."""
    import socket
    from datetime import datetime, timedelta

    import httpx
    import pytest

    from mailing.errors import MailingError
    from mailing.unsubscribe import make_token
    from tests.mailing.conftest import free_port

    for var in ("CUSTBOT_TELEGRAM_TOKEN", "CUSTBOT_SLACK_BOT_TOKEN", "CUSTBOT_UNSUBSCRIBE_SECRET"):
        monkeypatch.delenv(var, raising=False)
    seed(engine)
    port = free_port()
    one_click = {"url": f"http://127.0.0.1:{port}/unsubscribe", "listen": "127.0.0.1", "port": port}
    core = ChatCore(engine, make_settings(smtp__one_click=one_click), today=TODAY)
    with pytest.raises(MailingError, match=r"\$CUSTBOT_UNSUBSCRIBE_SECRET is empty"):
        asyncio.run(serve(core, asyncio.Event(), mail_poll_seconds=3600))
    secret = "0123456789abcdef-standalone"
    monkeypatch.setenv("CUSTBOT_UNSUBSCRIBE_SECRET", secret)
    token = make_token(secret.encode(), 1, 1, datetime.now() + timedelta(days=1))

    async def run() -> tuple[int, int, str]:
        stop = asyncio.Event()
        task = asyncio.create_task(serve(core, stop, mail_poll_seconds=3600))
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                    break
            except OSError:
                await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            page = await http.get(f"/unsubscribe?t={token}")
            forged = await http.post(
                f"/unsubscribe?t=2{token[1:]}", data={"List-Unsubscribe": "One-Click"}
            )
        stop.set()
        await asyncio.wait_for(task, 10)
        return page.status_code, forged.status_code, page.text

    status, forged, text = asyncio.run(run())
    assert (status, forged) == (200, 403) and "Stop our e-mails to" in text


def test_serve_refreshes_the_analytical_copy_when_scheduled(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``refresh = "scheduled"``: serve's job brings a stale copy up to date; the next question
    is then answered from it."""
    from sqlalchemy import update

    from custbot.serve import analytics_refresh_job
    from query_language import CatalogCache, interpret, run_query
    from query_language.route import configure, unconfigure
    from storage.columnar import ColumnarSettings
    from storage.schema import customers

    seed(engine)
    columnar = ColumnarSettings(engine="duckdb", refresh="scheduled", threads=1)
    settings = make_settings().model_copy(update={"analytics": columnar})
    core = ChatCore(engine, settings, today=TODAY)
    router = configure(engine, columnar, tmp_path / "copy.duckdb")
    assert router is not None
    try:
        assert build_scheduler(core, OutboundRouter()).get_job("analytics-refresh") is not None
        query = interpret("spend by city this year", CatalogCache(engine).get(), today=TODAY)
        with engine.begin() as conn:
            conn.execute(update(customers).values(city=customers.c.city))
        with engine.connect() as conn:
            run_query(conn, query)
        assert router.counts == {"primary": 1}  # stale and not refreshed on query
        asyncio.run(analytics_refresh_job(core))
        with engine.connect() as conn:
            run_query(conn, query)
        assert router.counts == {"primary": 1, "copy": 1}
    finally:
        unconfigure(engine)
