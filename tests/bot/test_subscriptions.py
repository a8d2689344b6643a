"""Subscriptions through the real chat core with a fake clock, on SQLite and PostgreSQL: a weekly
post goes out once per week across a restart and with two replicas, a failed delivery is
retried and shown, a rep cannot subscribe a channel, a removed user stops receiving."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from bot.core import ChatCore
from bot.messages import Identity, Reply, Request, Table
from bot.outbound import OutboundRouter
from bot.scheduled import run_due
from custbot.config import Settings
from storage import subscriptions as subs
from storage.schema import managers, subscription_runs, subscriptions
from tests.bot.conftest import Person, tg
from tests.bot.seed import TODAY

TEAM_CHANNEL = "telegram:-100777"


class Recorder:
    """A front end that keeps what it was given (and can refuse the first ``fail`` messages)."""

    def __init__(self, fail: int = 0) -> None:
        self.sent: list[tuple[str, Reply]] = []
        self.fail = fail

    async def send(self, chat_id: str, reply: Reply) -> None:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("telegram is down")
        self.sent.append((chat_id, reply))


def settings(**extra: Any) -> Settings:
    users = [
        {"name": "Sergei Sidorov", "role": "manager", "telegram_id": 1003},
        {"name": "Boris Bossov", "role": "manager", "telegram_id": 1005},
    ]
    users[0]["team_channel"] = TEAM_CHANNEL
    return Settings.model_validate(
        {"slack": {"allowed_teams": ["T1"]}, "users": users, "access": {"scope": "own"}} | extra
    )


def new_core(engine: Engine, **extra: Any) -> ChatCore:
    """A fresh process: a new chat core over the same database."""
    return ChatCore(engine, settings(**extra), today=TODAY)


def run(core: ChatCore, recorder: Recorder, now: datetime, holder: str = "test") -> Any:
    return asyncio.run(run_due(core, OutboundRouter({"telegram": recorder}), now, holder))


def next_run(engine: Engine, sid: int) -> datetime:
    with engine.connect() as conn:
        sub = subs.get(conn, sid)
    assert sub is not None
    return sub.next_run_at


def subscribe(person: Person, text: str) -> int:
    reply = person.say(text)[0].text
    assert "Subscription" in reply, reply
    return int(reply.split()[1].rstrip(":"))


def test_weekly_posts_once_a_week_across_a_restart(seeded: Engine) -> None:
    core = new_core(seeded)
    rep = Person(core, tg(1001))
    sid = subscribe(rep, "every monday 9:00 post Moscow")
    first = next_run(seeded, sid)
    assert first == datetime(2026, 11, 23, 6, 0)  # Monday 9:00 in Moscow, stored in UTC
    box = Recorder()
    assert run(core, box, first - timedelta(minutes=1)).sent == 0  # not yet
    assert run(core, box, first + timedelta(minutes=1)).sent == 1
    restarted = new_core(seeded)  # a new process: nothing remembered but the database
    assert run(restarted, box, first + timedelta(minutes=2)).sent == 0
    assert run(restarted, box, first + timedelta(days=3)).sent == 0
    assert next_run(seeded, sid) == first + timedelta(days=7)
    assert run(new_core(seeded), box, first + timedelta(days=7, minutes=1)).sent == 1
    assert [chat for chat, _r in box.sent] == ["chat-1", "chat-1"]
    # the normal answer: a heading, the echo, the count and the list, as the rep sees it
    reply = box.sent[0][1]
    assert reply.text.startswith(f"Subscription {sid} · every monday 9:00")
    table = next(p for p in reply.parts if isinstance(p, Table))
    assert table.rows
    with seeded.connect() as conn:
        keys = conn.execute(select(subscription_runs.c.run_key)).scalars().all()
    assert sorted(keys) == [
        f"{sid}@2026-11-23T06:00>telegram:chat-1",
        f"{sid}@2026-11-30T06:00>telegram:chat-1",
    ]


def test_two_replicas_post_once(seeded: Engine) -> None:
    sid = subscribe(Person(new_core(seeded), tg(1001)), "weekly 9:00 post vip Moscow")
    at = next_run(seeded, sid) + timedelta(minutes=1)
    a, b = Recorder(), Recorder()

    async def both() -> list[Any]:
        ra = run_due(new_core(seeded), OutboundRouter({"telegram": a}), at, "replica-a")
        rb = run_due(new_core(seeded), OutboundRouter({"telegram": b}), at, "replica-b")
        return list(await asyncio.gather(ra, rb))

    asyncio.run(both())
    assert len(a.sent) + len(b.sent) == 1
    # a replica that died before moving the schedule on: the next one finds the run claimed
    with seeded.begin() as conn:
        conn.execute(
            update(subscriptions)
            .where(subscriptions.c.id == sid)
            .values(next_run_at=at - timedelta(minutes=1))
        )
    assert run(new_core(seeded), b, at + timedelta(minutes=1), "replica-b").sent == 0
    assert len(a.sent) + len(b.sent) == 1


def test_failed_delivery_is_retried_and_shown(seeded: Engine) -> None:
    core = new_core(seeded)
    rep = Person(core, tg(1001))
    sid = subscribe(rep, "daily 8:00 post Kazan")
    at = next_run(seeded, sid)
    box = Recorder(fail=1)
    assert run(core, box, at).failed == 1
    rep.say("subscriptions")
    row = rep.tables()[0].rows[0]
    assert row[0] == str(sid) and "failed, retrying at" in row[5] and row[6] == "1", row
    assert run(core, box, at + timedelta(seconds=30)).sent == 0  # the backoff: not yet
    assert run(core, box, at + timedelta(minutes=1)).sent == 1
    rep.say("subscriptions")
    assert rep.tables()[0].rows[0][5].endswith("sent"), rep.tables()[0].rows


def test_a_rep_cannot_subscribe_a_channel(seeded: Engine) -> None:
    core = new_core(seeded)

    def in_channel(user: int, chat: str, text: str) -> str:
        request = Request(Identity("telegram", str(user)), chat, text=text, is_group=True)
        return "\n".join(r.text for r in asyncio.run(core.handle(request)))

    said = in_channel(1001, "-100777", "every monday 9:00 post vip here")
    assert "A rep may subscribe only their own private chat" in said
    said = in_channel(1005, "-100777", "every monday 9:00 post vip here")  # not Bossov's channel
    assert "only if it is your team channel" in said
    said = in_channel(1003, "-100777", "every monday 9:00 post Moscow here")
    assert "to this channel, as your team sees it" in said
    said = in_channel(1001, "-100777", "every monday 9:00 post vip")  # no 'here': privately
    assert "to your private chat" in said
    with seeded.connect() as conn:
        chats = conn.execute(select(subscriptions.c.chat, subscriptions.c.channel)).all()
    assert sorted(chats) == [("telegram:-100777", True), ("telegram:1001", False)]


def test_a_removed_user_stops_receiving(seeded: Engine) -> None:
    core = new_core(seeded)
    sid = subscribe(Person(core, tg(1002)), "daily 8:00 post Moscow")
    at = next_run(seeded, sid)
    box = Recorder()
    assert run(core, box, at).sent == 1
    with seeded.begin() as conn:  # Petrova leaves: her Telegram account is unlinked
        conn.execute(update(managers).where(managers.c.id == 2).values(telegram_id=None))
    report = run(new_core(seeded), box, at + timedelta(days=1))
    assert (report.sent, report.skipped) == (0, 1)
    with seeded.connect() as conn:
        last = conn.execute(
            select(subscription_runs.c.status, subscription_runs.c.error).order_by(
                subscription_runs.c.id.desc()
            )
        ).first()
    assert last == ("skipped", "the owner is no longer a user")


def test_a_team_channel_gets_the_team_view_until_it_is_no_longer_the_team_channel(
    seeded: Engine,
) -> None:
    import io

    import openpyxl

    from bot.messages import File

    with seeded.begin() as conn:  # Petrova moves to Bossov's team: Sidorov's team is him and Ivanov
        conn.execute(update(managers).where(managers.c.id == 2).values(team_lead_id=5))
    core = new_core(seeded)
    request = Request(
        tg(1003), "-100777", text="every monday 9:00 post Moscow here as xlsx", is_group=True
    )
    said = asyncio.run(core.handle(request))[0].text
    sid = int(said.split()[1].rstrip(":"))
    at = next_run(seeded, sid) + timedelta(minutes=1)
    box = Recorder()
    assert run(core, box, at).sent == 1
    chat, reply = box.sent[0]
    assert chat == "-100777" and reply.text.startswith(f"Subscription {sid} · every monday 9:00")
    file = next(p for p in reply.parts if isinstance(p, File))
    sheet = openpyxl.load_workbook(io.BytesIO(file.content)).active
    assert sheet is not None
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    with seeded.connect() as conn:
        from storage.schema import customers

        team = set(
            conn.execute(
                select(customers.c.name).where(
                    customers.c.city == "Moscow", customers.c.manager_id.in_((1, 3))
                )
            ).scalars()
        )
    assert names == team, (len(names), len(team))
    # the configuration no longer names the channel: nothing more goes there
    moved = settings()
    moved.users[0] = moved.users[0].model_copy(update={"team_channel": "telegram:-100888"})
    later = ChatCore(seeded, moved, today=TODAY)
    report = run(later, box, at + timedelta(days=7))
    assert (report.sent, report.skipped, len(box.sent)) == (0, 1, 1)


def test_a_russian_subscription_arrives_in_russian(seeded: Engine) -> None:
    core = new_core(seeded)
    person = Person(core, tg(1002))
    said = person.say("каждый понедельник 9:00 присылай vip")[0].text
    assert said.startswith("Подписка "), said
    sid = int(said.split()[1].rstrip(":"))
    box = Recorder()
    assert run(core, box, next_run(seeded, sid) + timedelta(minutes=1)).sent == 1
    reply = box.sent[0][1]
    assert reply.language == "ru"
    assert reply.text.startswith(f"Подписка {sid} · каждый понедельник 9:00"), reply.text
    person.say("отписаться " + str(sid))
    assert person.text() == f"Подписка {sid} остановлена: «vip»."
    assert run(core, box, next_run(seeded, sid) + timedelta(days=8)).sent == 0


def test_serve_schedules_the_job(seeded: Engine) -> None:
    from custbot.serve import SUBSCRIPTIONS_EVERY_SECONDS, build_scheduler

    job = build_scheduler(new_core(seeded), OutboundRouter()).get_job("subscriptions")
    assert job is not None and job.trigger.interval.total_seconds() == SUBSCRIPTIONS_EVERY_SECONDS


def test_why_a_delivery_failed_is_said_in_the_readers_language(seeded: Engine) -> None:
    core = new_core(seeded)
    petrova = Person(core, tg(1002))
    sid = subscribe(petrova, "daily 8:00 post Moscow")
    no_telegram = OutboundRouter()  # no front end runs for its platform: the delivery fails
    assert asyncio.run(run_due(core, no_telegram, next_run(seeded, sid), "x")).failed == 1
    petrova.say("подписки")
    row = petrova.tables()[0].rows[0]
    assert "не доставлено, повтор в" in row[5] and "мессенджер этого чата не подключён" in row[5]
