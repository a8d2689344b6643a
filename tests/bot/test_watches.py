"""Segment watches through the real chat core, on SQLite and PostgreSQL, with a fixed clock:
who entered and who left after a bulk change and after an import, the silent baseline, two
replicas telling once, and a rep's watch showing only their customers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from bot.core import ChatCore
from bot.messages import Table
from bot.outbound import OutboundRouter
from bot.watch_run import Notice, run_watches
from storage.importing import import_file
from storage.schema import customers
from storage.watch_pages import run_changes
from tests.bot.conftest import Person, make_settings, tg
from tests.bot.seed import TODAY

AT = datetime(2026, 11, 22, 9, 0)


def _run(core: ChatCore, holder: str = "test:1", today: date = TODAY) -> list[Notice]:
    return run_watches(core, holder=holder, today=today, now=AT)


def _names(notice: Notice) -> dict[str, set[str]]:
    """{"entered": names, "left": names} of a notice's first page."""
    table = next(p for p in notice.reply.parts if isinstance(p, Table))
    out: dict[str, set[str]] = {"entered": set(), "left": set()}
    for row in table.rows:
        out[row[1]].add(row[2])
    return out


def _reasons(notice: Notice) -> set[str]:
    table = next(p for p in notice.reply.parts if isinstance(p, Table))
    return {row[5] for row in table.rows}


def _ids_named(engine: Engine, ids: list[int]) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(customers.c.name).where(customers.c.id.in_(ids))).scalars()
        return set(rows)


def _watch(person: Person, text: str) -> int:
    person.say(text)
    assert "error" not in person.styles(), person.text()
    heading = next(line for line in person.text().splitlines() if line.startswith("Watch "))
    return int(heading.split()[1].rstrip(":"))


def _confirm(person: Person, text: str) -> None:
    person.say(text)
    person.press("Confirm")
    assert "error" not in person.styles(), person.text()


def _tell(core: ChatCore, router: OutboundRouter, at: datetime) -> list[str | None]:
    """One pass of the watches at ``at`` and the delivery of its notices: each one's error."""
    import asyncio

    from bot.watch_run import deliver_notices

    notices = run_watches(core, holder="test:1", today=TODAY, now=at)
    return asyncio.run(deliver_notices(core, router, notices, at))


def _listed(manager: Person) -> str:
    """What `watches` shows the manager, row by row."""
    manager.say("watches")
    return "\n".join(" | ".join(row) for t in manager.tables() for row in t.rows)


def test_a_bulk_change_is_told_exactly_once_with_reasons(
    core: ChatCore, manager: Person, seeded: Engine
) -> None:
    _watch(manager, "watch vip rated A")  # vip: 1, 2, 3, 30, none rated A (i % 4 == 0)
    assert _run(core) == []  # nothing changed since the baseline
    _confirm(manager, "rate A vip")  # all four enter
    notices = _run(core)
    assert len(notices) == 1
    assert notices[0].chat == "telegram:1003"
    assert _names(notices[0]) == {"entered": _ids_named(seeded, [1, 2, 3, 30]), "left": set()}
    assert _reasons(notices[0]) == {"rating B → A", "rating C → A", "rating — → A"}
    assert _run(core) == []  # told once: the next run has nothing new
    _confirm(manager, "untag vip Romashka")  # Romashka leaves
    (notice,) = _run(core)
    assert _names(notice) == {"entered": set(), "left": {"Romashka"}}
    assert _reasons(notice) == {"tag vip removed"}


def test_the_baseline_is_silent(core: ChatCore, manager: Person) -> None:
    manager.say("watch Moscow")
    assert "25 customers now" in manager.text()
    assert _run(core) == []


def test_an_import_is_told(core: ChatCore, manager: Person, seeded: Engine, tmp_path: Path) -> None:
    _watch(manager, "watch rated C in Kazan")  # Kazan 26..35, rated C: i % 4 == 2 → 26, 30, 34
    csv = tmp_path / "customers.csv"
    csv.write_text(
        "external_id,name,city,rating\n"
        "C027,Client <27> & Co_*[],Kazan,C\n"  # enters: unrated → C
        "C030,Client <30> & Co_*[],Kazan,A\n"  # leaves: C → A
        "N001,Newcomer,Kazan,C\n",  # new customer, enters
        encoding="utf-8",
    )
    import_file(seeded, "customers", csv, today=TODAY)
    notices = _run(core)
    assert len(notices) == 1
    names = _names(notices[0])
    assert names["entered"] == _ids_named(seeded, [27]) | {"Newcomer"}
    assert names["left"] == _ids_named(seeded, [30])
    assert _reasons(notices[0]) == {"new customer", "rating — → C", "rating C → A"}


def test_two_replicas_tell_once(core: ChatCore, manager: Person, seeded: Engine) -> None:
    _watch(manager, "watch vip")
    _confirm(manager, "tag vip Kazan")
    other = ChatCore(seeded, make_settings(), today=TODAY)
    first = _run(core, "replica:1")
    second = _run(other, "replica:2")
    assert len(first) + len(second) == 1


def test_a_reps_watch_shows_only_their_customers(seeded: Engine) -> None:
    core = ChatCore(seeded, make_settings(access__scope="own"), today=TODAY)
    rep, manager = Person(core, tg(1001)), Person(core, tg(1003))
    _watch(rep, "watch vip")
    _confirm(manager, "tag vip Kazan")  # Kazan 26..35: Ivanov's are i % 3 == 1 → 28, 31, 34
    notices = _run(core)
    assert len(notices) == 1 and notices[0].chat == "telegram:1001"
    assert _names(notices[0])["entered"] == _ids_named(seeded, [28, 31, 34])


def test_a_rep_may_not_watch_into_a_group(core: ChatCore) -> None:
    import asyncio

    from bot.messages import Request

    replies = asyncio.run(
        core.handle(Request(tg(1001), "-100123", text="watch vip here", is_group=True))
    )
    assert any("private chat only" in r.text for r in replies)


def test_an_undo_is_told_as_the_way_back(core: ChatCore, manager: Person, seeded: Engine) -> None:
    _watch(manager, "watch vip rated A")
    _confirm(manager, "rate A vip")
    _run(core)
    manager.say("undo")
    manager.press("Confirm undo")
    (notice,) = _run(core)
    assert _names(notice) == {"entered": set(), "left": _ids_named(seeded, [1, 2, 3, 30])}
    assert _reasons(notice) == {"rating A → B", "rating A → C", "rating A → —"}


def test_a_saved_segment_is_watched_by_its_name_in_either_language(
    core: ChatCore, manager: Person
) -> None:
    manager.say("watch drill-buyers")
    assert "Watch 1: 35 customers now." in manager.text()
    manager.say("следить за drill-buyers")
    assert "Наблюдение 2: сейчас 35 клиентов." in manager.text()
    manager.say("watches")
    assert [r[1] for r in manager.tables()[0].rows] == [
        "segment drill-buyers",
        "сегмент drill-buyers",
    ]


def test_a_recompute_of_ratings_is_told_with_each_rating_move(seeded: Engine) -> None:
    rules = {"A": "spent over 50k", "C": "anyone"}  # A: (i % 5 + 1) * 12000 + 1800 > 50 000
    core = ChatCore(seeded, make_settings(rating__rules=rules), today=TODAY)
    manager = Person(core, tg(1003))
    _watch(manager, "watch rated A")  # i % 4 == 0
    manager.say("recompute ratings")
    manager.press("Confirm")
    (notice,) = _run(core)
    assert "Page 1 of 2" in notice.reply.text
    with seeded.connect() as conn:
        rows = run_changes(conn, notice.watch_id, notice.run_no)
    told = {
        "entered": {r.name for r in rows if r.entered},
        "left": {r.name for r in rows if not r.entered},
    }
    now_a = {i for i in range(1, 36) if (i % 5 + 1) * 12000 + 1800 > 50_000}
    was_a = {i for i in range(1, 36) if i % 4 == 0}
    assert told == {
        "entered": _ids_named(seeded, sorted(now_a - was_a)),
        "left": _ids_named(seeded, sorted(was_a - now_a)),
    }


def test_a_run_read_before_another_replica_recorded_it_records_nothing(
    core: ChatCore, manager: Person
) -> None:
    from bot.watch_run import run_watch
    from storage.watches import data_generation, get_watch

    _watch(manager, "watch vip")
    _confirm(manager, "tag vip Kazan")
    with core.engine.connect() as conn:
        stale, generation = get_watch(conn, 1), data_generation(conn)
    assert stale is not None
    first = run_watch(core, stale, today=TODAY, now=AT, generation=generation)
    again = run_watch(core, stale, today=TODAY, now=AT, generation=generation)
    assert first is not None and again is None


def test_a_notice_no_front_end_took_is_retried_with_backoff_and_shown(
    core: ChatCore, manager: Person, seeded: Engine
) -> None:
    """Telegram refuses the notice twice: it is not lost. `watches` says it is owed and when it
    is tried again; the pass before that time sends nothing, the pass after it sends it once;
    a notice refused past the backoff is given up and `watches` says so."""

    from bot.deliver import REFUSED
    from bot.outbound import OutboundRouter
    from bot.scheduled import BACKOFF
    from tests.bot.test_subscriptions import Recorder

    telegram = Recorder(fail=2)
    router = OutboundRouter({"telegram": telegram})

    wid = _watch(manager, "watch vip rated A")
    _confirm(manager, "rate A vip")
    assert _tell(core, router, AT) == [REFUSED]
    assert "notice not delivered, retrying at 2026-11-22 12:01" in _listed(manager), _listed(
        manager
    )
    assert (
        _tell(core, router, AT + BACKOFF[0] / 2) == []
    )  # not due yet, and the data did not change
    assert len(_tell(core, router, AT + BACKOFF[0])) == 1 and telegram.sent == []  # refused again
    assert "retrying at 2026-11-22 12:06" in _listed(manager), _listed(manager)
    at = AT + BACKOFF[0] + BACKOFF[1]
    assert _tell(core, router, at) == [None]
    ((chat, reply),) = telegram.sent
    assert chat == "1003" and f"Watch {wid}: vip rated A" in reply.text
    assert "4 customers entered" in reply.text
    assert _tell(core, router, at + BACKOFF[-1]) == []  # delivered: nothing owed any more
    assert "not delivered" not in _listed(manager) and "2026-11-22" in _listed(manager)

    telegram.fail = 99
    _confirm(manager, "untag vip Romashka")
    at += BACKOFF[-1]
    for wait in (timedelta(0), *BACKOFF):
        at += wait
        assert len(_tell(core, router, at)) == 1  # the first try and one retry per backoff step
    assert _tell(core, router, at + timedelta(days=1)) == []  # given up
    assert "notice not delivered, gave up: the chat platform did not take it" in _listed(manager)


def test_notices_owed_through_an_outage_are_all_told_in_order(
    core: ChatCore, manager: Person, seeded: Engine
) -> None:
    """Telegram is down across two runs of a watch: the second run's notice waits behind the
    first (a newer delivery used to settle the older one, which was then never told); when the
    platform takes messages again both arrive, oldest first. A refusal in the middle holds the
    later one back for the next retry, so they never arrive out of order."""

    from bot.deliver import REFUSED
    from bot.outbound import OutboundRouter
    from bot.scheduled import BACKOFF
    from bot.watch_run import HELD
    from tests.bot.test_subscriptions import Recorder

    telegram = Recorder(fail=99)
    router = OutboundRouter({"telegram": telegram})

    _watch(manager, "watch vip rated A")
    _confirm(manager, "rate A vip")
    assert _tell(core, router, AT) == [REFUSED]  # run 2: four entered
    _confirm(manager, "untag vip Romashka")
    assert (
        _tell(core, router, AT + BACKOFF[0] / 2) == []
    )  # run 3 is recorded, and waits behind run 2
    assert "notice not delivered, retrying at 2026-11-22 12:01" in _listed(manager), _listed(
        manager
    )
    telegram.fail = 1
    assert _tell(core, router, AT + BACKOFF[0]) == [
        REFUSED,
        HELD,
    ]  # run 2 refused again: run 3 not sent
    assert telegram.sent == []
    at = AT + BACKOFF[0] + BACKOFF[1]
    assert _tell(core, router, at) == [None, None]
    told = [reply.text for _chat, reply in telegram.sent]
    assert "4 customers entered" in told[0] and "1 left" in told[1], told
    from bot.messages import Table

    (table,) = [p for p in telegram.sent[1][1].parts if isinstance(p, Table)]
    assert [(row[1], row[2]) for row in table.rows] == [("left", "Romashka")]
    assert _tell(core, router, at + BACKOFF[-1]) == []  # nothing owed any more
    assert "not delivered" not in _listed(manager)
