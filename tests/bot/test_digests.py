"""Digests through the real chat core with a fake clock, on SQLite and PostgreSQL: one
definition, each manager and rep gets their own version (their customers only, in their
language), a manager sees their team's total, an empty digest is not sent, and someone who
left the team stops receiving."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from bot.core import ChatCore
from bot.messages import Reply, Table
from storage.schema import customers, managers
from tests.bot.conftest import Person, tg
from tests.bot.seed import TODAY
from tests.bot.test_subscriptions import Recorder, run, settings

SATURDAY_NOON = datetime(2026, 11, 22, 12, 0)  # UTC; the digest then runs at 8:00 Moscow
SUNDAY_8 = datetime(2026, 11, 23, 5, 1)


def digest_core(engine: Engine, **digest: Any) -> ChatCore:
    entry = {"name": "morning", "schedule": "daily 8:00", "query": "Moscow", "reps": True}
    s = settings(digests=[entry | digest])
    s.users.append(s.users[0].model_copy(update={"name": "Olga Petrova", "role": "rep"}))
    s.users[-1] = s.users[-1].model_copy(
        update={"telegram_id": 1002, "language": "ru", "team_channel": None}
    )
    return ChatCore(engine, s, today=TODAY)


def names(reply: Reply) -> set[str]:
    table = next(p for p in reply.parts if isinstance(p, Table))
    return {row[1] for row in table.rows}


def by_chat(box: Recorder) -> dict[str, Reply]:
    return {chat: reply for chat, reply in box.sent}


def visible(engine: Engine, *owners: int) -> int:
    with engine.connect() as conn:
        return len(
            conn.execute(
                select(customers.c.id).where(
                    customers.c.city == "Moscow", customers.c.manager_id.in_(owners)
                )
            ).all()
        )


def test_each_manager_and_rep_gets_their_own_version(seeded: Engine) -> None:
    with seeded.begin() as conn:  # Petrova moves to Bossov's team: two disjoint teams
        conn.execute(update(managers).where(managers.c.id == 2).values(team_lead_id=5))
    core = digest_core(seeded)
    box = Recorder()
    run(core, box, SATURDAY_NOON)  # stores the configured digest; nothing is due yet
    assert box.sent == []
    report = run(core, box, SUNDAY_8)
    got = by_chat(box)
    assert sorted(got) == ["1001", "1002", "1003", "1005"], sorted(got)
    assert report.sent == 4
    sidorov, ivanov, bossov, petrova = got["1003"], got["1001"], got["1005"], got["1002"]
    # the manager sees their team's total; each rep only their own customers
    assert f"{visible(seeded, 3, 1)} customers" in sidorov.text, sidorov.text
    assert f"{visible(seeded, 1)} customers" in ivanov.text, ivanov.text
    assert f"{visible(seeded, 5, 2)} customers" in bossov.text, bossov.text
    assert names(ivanov) and names(petrova) and names(sidorov) and names(bossov)
    assert names(ivanov) & names(petrova) == set()
    assert names(ivanov) <= names(sidorov) or len(names(sidorov)) == 10
    assert names(sidorov) & names(bossov) == set()
    assert sidorov.text.startswith("Digest morning · daily 8:00 · you and your team")
    assert ivanov.text.startswith("Digest morning · daily 8:00 · your customers")
    assert petrova.language == "ru" and ivanov.language == "en"
    assert not any("cannot see" in r.text for r in got.values())  # their own scope, no hint
    # the same run again (a restart, another replica): nothing is sent twice
    assert run(digest_core(seeded), box, SUNDAY_8 + timedelta(minutes=1)).sent == 0
    assert len(box.sent) == 4


def test_someone_who_left_the_team_stops_receiving(seeded: Engine) -> None:
    core = digest_core(seeded)
    box = Recorder()
    run(core, box, SATURDAY_NOON)
    run(core, box, SUNDAY_8)
    assert {"1001", "1002", "1003"} <= set(by_chat(box))
    with seeded.begin() as conn:  # Ivanov leaves Sidorov's team
        conn.execute(update(managers).where(managers.c.id == 1).values(team_lead_id=None))
    box.sent.clear()
    run(digest_core(seeded), box, SUNDAY_8 + timedelta(days=1))
    assert sorted(by_chat(box)) == ["1002", "1003"]


def test_an_empty_digest_is_not_sent_unless_configured(seeded: Engine) -> None:
    box = Recorder()
    run(digest_core(seeded), box, SATURDAY_NOON)
    report = run(digest_core(seeded), box, SUNDAY_8)
    assert "1005" not in by_chat(box)  # Bossov has no customers and no team
    assert report.empty == 1
    box.sent.clear()
    run(digest_core(seeded, send_empty=True), box, SUNDAY_8 + timedelta(days=1))
    assert "0 customers" in by_chat(box)["1005"].text


def test_a_manager_makes_a_team_digest_in_chat(seeded: Engine) -> None:
    core = ChatCore(seeded, settings(), today=TODAY)
    sidorov, ivanov = Person(core, tg(1003)), Person(core, tg(1001))
    said = sidorov.say("digest daily 8:00 Moscow")[0].text
    assert "to you and each rep of your team" in said, said
    assert "Only a manager" in ivanov.say("digest daily 8:00 Moscow")[0].text
    box = Recorder()
    run(core, box, SUNDAY_8)
    assert sorted(by_chat(box)) == ["1001", "1002", "1003"]
    assert by_chat(box)["1003"].text.startswith("Digest #1 · daily 8:00 · you and your team")
    sidorov.say("subscriptions")
    assert sidorov.tables()[0].rows[0][5].endswith("sent"), sidorov.tables()[0].rows
