"""Segment watches: the calendar's conditions and their reasons, paging, the team channel rule,
who may stop a watch, the Russian commands and the examples of docs/subscriptions.md."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.core import ChatCore
from bot.messages import Buttons, Request, Table
from bot.watch_run import run_watches
from custbot.config import Settings
from tests.bot.conftest import Person, make_settings, tg
from tests.bot.seed import TODAY

LATER = date(2026, 12, 5)  # the seed's last orders are of 2026-10-05: 61 days before
DOC = Path(__file__).resolve().parents[2] / "docs" / "subscriptions.md"


def _run(core: ChatCore, today: date = TODAY):  # type: ignore[no-untyped-def]
    return run_watches(
        core, holder="test", today=today, now=datetime.combine(today, datetime.min.time())
    )


def test_the_calendar_moves_members_with_the_condition_as_reason(
    core: ChatCore, manager: Person
) -> None:
    manager.say("watch bought Super Drill in last 110 days")  # all 35, on 2026-08-10
    manager.say("watch no purchases in last 60 days")  # nobody yet
    assert _run(core) == []  # the same day, nothing written: not even due
    notices = {n.watch_id: n for n in _run(core, LATER)}
    left, came = notices[1], notices[2]
    rows = next(p for p in left.reply.parts if isinstance(p, Table)).rows
    assert len(rows) == 10 and {r[1] for r in rows} == {"left"}
    assert all(r[5].startswith("no longer: ") and "Super Drill" in r[5] for r in rows)
    rows = next(p for p in came.reply.parts if isinstance(p, Table)).rows
    assert {r[5] for r in rows} == {
        "now: bought before 2026-10-07 but nothing in 2026-10-07..2026-12-05"
    }
    assert "Page 1 of 4" in came.reply.text
    (next_b,) = [b for p in came.reply.parts if isinstance(p, Buttons) for b in p.buttons]
    manager.press(next_b.token)  # any member of the chat may page, in their own scope
    assert "Page 2 of 4" in manager.text() and manager.last[0].replace
    assert _run(core, LATER) == []  # told once


def test_a_rep_pages_a_notice_in_their_own_scope(seeded: Engine) -> None:
    core = ChatCore(seeded, make_settings(access__scope="own"), today=TODAY)
    manager, rep = Person(core, tg(1003)), Person(core, tg(1001))
    manager.say("watch no purchases in last 60 days")
    (notice,) = _run(core, LATER)
    (next_b,) = [b for p in notice.reply.parts if isinstance(p, Buttons) for b in p.buttons]
    rep.press(next_b.token)
    ivanovs = {f"Client <{i:02d}> & Co_*[]" for i in range(1, 36) if i % 3 == 1} | {"Romashka"}
    assert {r[2] for t in rep.tables() for r in t.rows} <= ivanovs


def _group(core: ChatCore, who: int, chat: str, text: str) -> str:
    replies = asyncio.run(core.handle(Request(tg(who), chat, text=text, is_group=True)))
    return "\n".join(r.text for r in replies)


def test_only_a_managers_team_channel_gets_a_watch_here(seeded: Engine) -> None:
    users = [
        {
            "name": "Sergei Sidorov",
            "role": "manager",
            "telegram_id": 1003,
            "team_channel": "telegram:-100777",
        }
    ]
    core = ChatCore(seeded, Settings.model_validate({"users": users}), today=TODAY)
    assert "not your team channel" in _group(core, 1003, "-100555", "watch vip here")
    assert "Watch 1" in _group(core, 1003, "-100777", "watch vip here")
    sidorov = Person(core, tg(1003))
    sidorov.say("tag vip Kazan")
    sidorov.press("Confirm")
    demoted = ChatCore(
        seeded,
        Settings.model_validate({"users": [{**users[0], "team_channel": None}]}),
        today=TODAY,
    )
    assert _run(demoted) == []  # no longer the team channel: nothing goes there
    assert _run(core) == []  # and it waits for the next change or the next day
    (notice,) = _run(core, LATER)  # the change is still untold, and told once it may be
    assert notice.chat == "telegram:-100777"


def test_who_may_stop_a_watch(core: ChatCore, rep: Person, manager: Person) -> None:
    rep.say("watch vip")
    Person(core, tg(1002)).say("unwatch 1")  # another rep
    assert "Only its owner or a manager" in Person(core, tg(1002)).say("unwatch 1")[0].text
    assert "There is no watch 7" in manager.say("unwatch 7")[0].text
    assert "Stopped watch 1" in rep.say("unwatch 1")[0].text
    assert "No watches yet" in rep.say("watches")[0].text


def test_the_russian_commands(core: ChatCore, manager: Person) -> None:
    manager.say("следить за vip")
    assert "Наблюдение 1: сейчас 4 клиента." in manager.text()
    manager.say("наблюдения")
    assert manager.tables()[0].rows[0][:2] == ("1", "vip")
    assert "Наблюдение 1 остановлено" in manager.say("не следить 1")[0].text


def _doc_lines() -> list[str]:
    section = DOC.read_text(encoding="utf-8").split("## Watches", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```text\n(.*?)^```", section, flags=re.M | re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("> ")]


@pytest.mark.parametrize("line", _doc_lines())
def test_every_example_of_the_watches_doc_answers(manager: Person, line: str) -> None:
    manager.say("watch vip")  # so that 'unwatch 1' has a watch to stop
    manager.say(line)
    assert "error" not in manager.styles(), f"{line!r} → {manager.text()}"
