"""``custbot watches run --at`` and serve's watches job, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from bot.core import ChatCore
from bot.messages import Reply
from bot.outbound import OutboundRouter
from custbot.cli import main
from custbot.serve import build_scheduler, watches_job
from storage.watches import add_demo_watch
from tests.bot.conftest import Person, make_settings, tg
from tests.bot.seed import TODAY, seed


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Reply]] = []

    async def send(self, chat: str, reply: Reply) -> None:
        self.sent.append((chat, reply))


def test_cli_runs_the_due_watches_once_and_prints_what_no_front_end_serves(
    engine: Engine, db_url: str, capsys
) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    with engine.begin() as conn:
        assert add_demo_watch(conn, "en") == 1
        assert add_demo_watch(conn, "en") is None  # one demo watch
    run = ["watches", "run", "--db", db_url, "--at", "2026-11-22T09:00"]
    assert main(run) == 0
    assert capsys.readouterr().out.endswith("0 notices.\n")  # the baseline, silent
    assert main([*run[:-1], "2027-03-01T09:00"]) == 0  # 'vip no purchases in last 90 days'
    out = capsys.readouterr().out
    assert "watch 1 → cli:local:" in out and "4 customers entered" in out
    assert out.endswith("1 notice.\n")
    assert main(["watches", "list", "--db", db_url]) == 0
    assert "vip no purchases in last 90 days\t4 customers\tchecked 2027-03-01" in (
        capsys.readouterr().out
    )
    assert main([*run[:-1], "not-a-date"]) == 2


def test_serve_runs_the_watches_job_and_sends_through_the_router(engine: Engine) -> None:
    seed(engine)
    core = ChatCore(engine, make_settings(), today=TODAY)
    rec = Recorder()
    router = OutboundRouter({"telegram": rec})
    assert build_scheduler(core, router).get_job("watches") is not None
    manager = Person(core, tg(1003))
    manager.say("watch vip")
    manager.say("tag vip Kazan")  # 26..35, of whom 30 is vip already
    manager.press("Confirm")
    asyncio.run(watches_job(core, router))
    asyncio.run(watches_job(core, router))
    assert [chat for chat, _r in rec.sent] == ["1003"]
    assert "9 customers entered" in rec.sent[0][1].text
