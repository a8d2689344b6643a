"""Follow-ups (issue 21): set from the chat in the author's time zone, listed with the overdue
flagged, reminded once — across a restart (a new ChatCore) and two concurrent runs — with the
card and Done / Snooze; within the rep's scope. Real chat core, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update

from bot.core import ChatCore
from bot.messages import Buttons, Reply
from bot.outbound import OutboundRouter
from bot.reminders import due_reminders
from bot.when import find_when
from custbot.follow_up_job import follow_up_job
from storage.schema import batches, follow_ups, managers
from tests.bot.conftest import Person, make_settings, tg
from tests.bot.seed import TODAY

FRIDAY_10_MSK = datetime(2026, 11, 27, 7, 0)  # 10:00 in Moscow (UTC+3), naive UTC


def _rows(engine: Engine) -> list[tuple[int, str, datetime, datetime | None]]:
    with engine.connect() as conn:
        return [
            (r.customer_id, r.text, r.due_at, r.done_at)
            for r in conn.execute(select(follow_ups).order_by(follow_ups.c.id))
        ]


def _buttons(reply: Reply) -> dict[str, str]:
    return {b.label: b.token for p in reply.parts if isinstance(p, Buttons) for b in p.buttons}


def test_the_moment_is_read_in_english_and_russian() -> None:
    from zoneinfo import ZoneInfo

    now = datetime(2026, 11, 22, 15, 0, tzinfo=ZoneInfo("Europe/Moscow"))  # a Sunday

    def due(text: str) -> tuple[str, str]:
        found = find_when(text, now=now)
        assert found is not None, text
        local = found[0].astimezone(ZoneInfo("Europe/Moscow"))
        return f"{local:%Y-%m-%d %H:%M}", found[1]

    assert due("friday 10:00 call Romashka") == ("2026-11-27 10:00", "call Romashka")
    assert due("Romashka in 2 weeks") == ("2026-12-06 09:00", "Romashka")
    assert due("tomorrow at 8:30 Romashka") == ("2026-11-23 08:30", "Romashka")
    assert due("in 3 hours Romashka") == ("2026-11-22 18:00", "Romashka")
    assert due("в пятницу 10:00 позвонить Ромашка") == ("2026-11-27 10:00", "позвонить Ромашка")
    assert due("Ромашка через 2 недели") == ("2026-12-06 09:00", "Ромашка")
    assert due("послезавтра Ромашка") == ("2026-11-24 09:00", "Ромашка")
    assert due("14:00 Romashka") == ("2026-11-23 14:00", "Romashka")  # 14:00 today has passed
    assert find_when("call Romashka", now=now) is None


def test_remind_me_is_stored_in_utc_from_the_authors_time_zone(rep: Person, seeded: Engine) -> None:
    rep.say("remind me friday 10:00 call Romashka about the trial")
    assert (
        "Follow-up set: Romashka, 2026-11-27 at 10:00 Europe/Moscow — call Romashka about the trial"
        in rep.text()
    )
    with seeded.begin() as conn:
        conn.execute(
            update(managers).where(managers.c.id == 1).values(timezone="Asia/Yekaterinburg")
        )
    rep.say("follow up Romashka in 2 weeks")
    assert "2026-12-06 at 09:00 Asia/Yekaterinburg" in rep.text()
    assert _rows(seeded) == [
        (1, "call Romashka about the trial", FRIDAY_10_MSK, None),
        (1, "", datetime(2026, 12, 6, 4, 0), None),  # nothing but the name: no text
    ]
    with seeded.connect() as conn:
        assert conn.execute(select(batches.c.action)).scalars().all() == ["follow-up", "follow-up"]


def test_tomorrow_on_a_pinned_day_is_the_next_day_in_every_authors_zone(
    rep: Person, seeded: Engine
) -> None:
    """On the day the core is pinned to, "tomorrow" is that day + 1 wherever the author lives,
    whatever the hour the clock says: the real time of day put it two days on in Vladivostok
    after 14:00 UTC and in Los Angeles before 08:00 UTC (a golden conversation failed at night)."""
    for zone in ("Europe/Moscow", "Asia/Vladivostok", "America/Los_Angeles"):
        with seeded.begin() as conn:
            conn.execute(update(managers).where(managers.c.id == 1).values(timezone=zone))
        rep.say("follow up Romashka tomorrow")
        tomorrow = TODAY + timedelta(days=1)
        assert f"{tomorrow:%Y-%m-%d} at 09:00 {zone}" in rep.text(), (zone, rep.text())


def test_my_follow_ups_lists_the_open_ones_with_the_overdue_flagged(
    rep: Person, seeded: Engine
) -> None:
    rep.say("my follow-ups")
    assert "You have no open follow-ups." in rep.text()
    rep.say("remind me friday 10:00 call Romashka about the trial")
    rep.say("follow up Romashka tomorrow")
    with seeded.begin() as conn:  # the second one was due two days ago
        conn.execute(
            update(follow_ups).where(follow_ups.c.id == 2).values(due_at=datetime(2026, 11, 20, 6))
        )
    rep.say("my follow-ups")
    rows = rep.tables()[0].rows
    assert [(r[2], r[3], r[4]) for r in rows] == [
        ("Romashka", "—", "overdue"),
        ("Romashka", "call Romashka about the trial", ""),
    ]
    rep.press("Done #1")
    assert "Done: Romashka — follow up" in rep.text()
    rep.say("my follow-ups")
    assert len(rep.tables()[0].rows) == 1


def test_a_follow_up_is_reminded_once_across_a_restart_with_done_and_snooze(
    core: ChatCore, seeded: Engine
) -> None:
    ivanov = Person(core, tg(1001))
    ivanov.say("remind me friday 10:00 call Romashka about the trial")
    assert due_reminders(core, now=FRIDAY_10_MSK - timedelta(minutes=1)) == []
    sent = due_reminders(core, now=FRIDAY_10_MSK)
    assert [chat for chat, _r in sent] == ["telegram:1001"]
    reply = sent[0][1]
    assert "Reminder: Romashka — call Romashka about the trial" in reply.text
    assert "Romashka — A ★★★" in reply.text or "Romashka — " in reply.text  # the card follows
    assert {"Done", "Snooze 1 hour", "Snooze 1 day"} <= set(_buttons(reply))
    assert due_reminders(core, now=FRIDAY_10_MSK + timedelta(hours=1)) == []
    restarted = ChatCore(seeded, make_settings(), today=TODAY)
    assert due_reminders(restarted, now=FRIDAY_10_MSK + timedelta(days=1)) == []
    again = Person(restarted, tg(1001))
    again.press(_buttons(reply)["Snooze 1 day"])
    assert "Snoozed: Romashka, again" in again.text()
    (due,) = [d for _c, _t, d, _done in _rows(seeded)]
    later = due_reminders(restarted, now=due)
    assert len(later) == 1 and due_reminders(restarted, now=due + timedelta(days=3)) == []
    again.press(_buttons(later[0][1])["Done"])
    assert "Done: Romashka — call Romashka about the trial" in again.text()
    assert _rows(seeded)[0][3] is not None
    again.press(_buttons(later[0][1])["Done"])  # a second press
    assert "Already done" in again.text()


def test_two_concurrent_runs_send_it_once(core: ChatCore, seeded: Engine) -> None:
    Person(core, tg(1001)).say("remind me friday 10:00 call Romashka about the trial")
    Person(core, tg(1002)).say("remind me friday 10:00 call Client <02> & Co_*[] back")
    cores = [core, ChatCore(seeded, make_settings(), today=TODAY)]
    barrier = threading.Barrier(2)
    results: list[list[tuple[str, Reply]]] = []

    def run(c: ChatCore) -> None:
        barrier.wait()
        results.append(due_reminders(c, now=FRIDAY_10_MSK))

    threads = [threading.Thread(target=run, args=(c,)) for c in cores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    chats = sorted(chat for r in results for chat, _reply in r)
    assert chats == ["telegram:1001", "telegram:1002"]


class _Sink:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Reply]] = []

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.sent.append((chat_id, reply))


def test_the_serve_job_takes_the_lease_and_sends_through_the_router(
    core: ChatCore, seeded: Engine
) -> None:
    Person(core, tg(1001)).say("remind me friday 10:00 call Romashka about the trial")
    sink = _Sink()
    router = OutboundRouter({"telegram": sink})

    async def both() -> list[int]:
        return list(
            await asyncio.gather(
                follow_up_job(core, router, "replica-1"), follow_up_job(core, router, "replica-2")
            )
        )

    counts = asyncio.run(both())  # the due time (2026-11-27) has passed by the real clock
    assert sum(counts) == 1 and [c for c, _r in sink.sent] == ["1001"]
    assert asyncio.run(follow_up_job(core, router, "replica-2")) == 0


def test_a_rep_with_scope_own_sets_follow_ups_only_for_their_own(seeded: Engine) -> None:
    core = ChatCore(seeded, make_settings(access__scope="own"), today=TODAY)
    ivanov = Person(core, tg(1001))
    ivanov.say("remind me tomorrow call Client <02> & Co_*[] back")
    assert "None of your customers is named" in ivanov.text()
    ivanov.say("follow up Romashka in 2 weeks")
    assert "Follow-up set" in ivanov.text()
    assert len(_rows(seeded)) == 1


def test_the_cards_follow_up_button_and_russian(rep: Person, seeded: Engine) -> None:
    rep.say("card Romashka")
    rep.press("Follow up")
    rep.press("In a week")
    assert "Follow-up set: Romashka, 2026-11-29 at 09:00 Europe/Moscow" in rep.text()
    rep.say("напомни в пятницу 10:00 позвонить Romashka про пробный заказ")
    assert "Напоминание поставлено: Romashka, 2026-11-27 в 10:00 Europe/Moscow" in rep.text()
    rep.say("мои напоминания")
    assert rep.tables()[0].title == "Ваши открытые напоминания"
    rep.say("напомни позвонить Romashka")
    assert "Когда и о ком?" in rep.text()


def test_a_follow_up_shows_on_the_card_and_in_the_reps_history(rep: Person) -> None:
    rep.say("remind me friday 10:00 call Romashka about the trial")
    rep.say("log call Romashka: agreed on a trial order")
    rep.say("card Romashka")
    (table,) = [t for t in rep.tables() if t.title == "Open follow-ups"]
    assert table.rows == (
        ("2026-11-27 at 10:00 Europe/Moscow", "call Romashka about the trial", ""),
    )
    rep.say("history")
    what = [r[2] for r in rep.tables()[0].rows]
    assert what[0] == "log call: Romashka: agreed on a trial order"
    assert what[1].startswith("follow up Romashka at 2026-11-27 07:00 UTC")


def test_a_configured_users_time_zone_is_used_for_their_follow_ups(seeded: Engine) -> None:
    import pytest
    from pydantic import ValidationError

    from bot.settings import UserEntry

    users = [{"name": "Ivan Ivanov", "role": "rep", "telegram_id": 1001, "timezone": "Asia/Omsk"}]
    from custbot.config import Settings

    settings = Settings.model_validate({"slack": {"allowed_teams": ["T1"]}, "users": users})
    core = ChatCore(seeded, settings, today=TODAY)
    ivanov = Person(core, tg(1001))
    ivanov.say("remind me friday 10:00 call Romashka about the trial")
    assert "2026-11-27 at 10:00 Asia/Omsk" in ivanov.text()
    assert _rows(seeded)[0][2] == datetime(2026, 11, 27, 4, 0)  # Omsk is UTC+6
    with pytest.raises(ValidationError, match="unknown time zone"):
        UserEntry(name="X", timezone="Mars/Olympus")


def test_a_backlog_of_reminders_goes_out_in_one_job_run(core: ChatCore, seeded: Engine) -> None:
    from sqlalchemy import insert

    with seeded.begin() as conn:
        conn.execute(
            insert(follow_ups),
            [
                {
                    "customer_id": 1,
                    "manager_id": 1,
                    "author_key": "telegram:1001",
                    "text": f"call {i}",
                    "due_at": FRIDAY_10_MSK,
                    "created_at": FRIDAY_10_MSK - timedelta(days=7),
                }
                for i in range(150)
            ],
        )
    sink = _Sink()
    assert asyncio.run(follow_up_job(core, OutboundRouter({"telegram": sink}), "r1")) == 150
    assert len({r.text for _c, r in sink.sent}) == 150


def test_done_and_snooze_are_audited_and_undone_by_their_author(
    core: ChatCore, seeded: Engine
) -> None:
    """Each press is a batch in history (who, when, the state before and after); its Undo
    button (or `undo log`) puts the follow-up back: a snooze to its old moment and claim, a
    Done reopened. Someone else may not undo it; an undo after a later move changes nothing."""
    from storage.schema import audit_log

    ivanov = Person(core, tg(1001))
    ivanov.say("remind me friday 10:00 call Romashka about the trial")
    ((_chat, reminder),) = due_reminders(core, now=FRIDAY_10_MSK)
    ivanov.press(_buttons(reminder)["Snooze 1 day"])
    snoozed = ivanov.last[0]
    assert "Snoozed: Romashka" in snoozed.text and "Undo" in _buttons(snoozed)
    with seeded.connect() as conn:
        due, reminded = conn.execute(select(follow_ups.c.due_at, follow_ups.c.reminded_at)).one()
        audit = conn.execute(
            select(audit_log.c.field, audit_log.c.before, audit_log.c.after).where(
                audit_log.c.batch_id
                == select(batches.c.id).order_by(batches.c.id.desc()).limit(1).scalar_subquery()
            )
        ).one()
    assert due != FRIDAY_10_MSK and reminded is None  # a day after the press
    assert audit.field == "follow_up_state" and audit.before.startswith("1|2026-11-27T07:00:00|")
    petrov = Person(core, tg(1002))
    petrov.press(_buttons(snoozed)["Undo"])
    assert "belongs to someone else" in petrov.text()
    ivanov.press(_buttons(snoozed)["Undo"])
    assert "error" not in ivanov.styles(), ivanov.text()
    with seeded.connect() as conn:
        back = conn.execute(select(follow_ups.c.due_at, follow_ups.c.reminded_at)).one()
    assert back.due_at == FRIDAY_10_MSK and back.reminded_at == FRIDAY_10_MSK  # as before

    ivanov.press(_buttons(reminder)["Done"])
    assert _rows(seeded)[0][3] is not None
    ivanov.say("history")
    assert "follow-up done: Romashka: call Romashka about the trial" in ivanov.text() or any(
        "follow-up done: Romashka" in " ".join(row) for t in ivanov.tables() for row in t.rows
    )
    ivanov.say("undo log")
    assert "error" not in ivanov.styles(), ivanov.text()
    assert _rows(seeded)[0][3] is None  # open again
    ivanov.say("my follow-ups")
    assert any(
        "call Romashka about the trial" in " ".join(r) for t in ivanov.tables() for r in t.rows
    )
