"""Logging an interaction from the chat (issue 21): stored with author, time and text, on the
card and in the query language at once, audited, undone by its author, within the rep's scope —
through the real chat core on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from bot.core import ChatCore
from storage.schema import audit_log, batches, interactions
from tests.bot.conftest import Person, make_settings, tg
from tests.bot.seed import TODAY


def _logged(engine: Engine) -> list[tuple[int, str, int | None, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)  # type: ignore[misc]
            for r in conn.execute(
                select(
                    interactions.c.customer_id,
                    interactions.c.kind,
                    interactions.c.manager_id,
                    interactions.c.note,
                ).where(interactions.c.note.like("%trial%"))
            )
        ]


def test_a_logged_call_is_stored_shown_on_the_card_and_counted_at_once(
    rep: Person, seeded: Engine
) -> None:
    rep.say("called in last 7 days")
    assert "\n1 customer" not in rep.text()
    rep.say("log call Romashka: agreed on a trial order")
    assert "Logged: call with Romashka — agreed on a trial order" in rep.text()
    assert _logged(seeded) == [(1, "call", 1, "agreed on a trial order")]
    with seeded.connect() as conn:
        when = conn.execute(select(interactions.c.date).where(interactions.c.note.like("%trial%")))
        assert {d.date() for (d,) in when} == {TODAY}
    rep.say("card Romashka")
    last = [t for t in rep.tables() if t.title == "Last interactions"][0]
    assert last.rows[0] == (f"{TODAY:%Y-%m-%d}", "call", "Ivanov", "agreed on a trial order")
    rep.say("called in last 7 days")
    assert "\n1 customer" in rep.text()
    assert any("Romashka" in r for r in rep.tables()[0].rows)
    rep.say("count contacted in last 7 days")
    assert "\n1 customer" in rep.text()


def test_the_author_undoes_a_log_and_it_is_in_the_history(
    rep: Person, manager: Person, seeded: Engine
) -> None:
    rep.say("log meeting Romashka: showed the trial catalogue")
    undo = rep.button("Undo").token
    rep.press(undo)
    assert "Undone: log meeting: Romashka: showed the trial catalogue" in rep.text()
    assert _logged(seeded) == []
    with seeded.connect() as conn:
        fields = conn.execute(select(audit_log.c.field, audit_log.c.before, audit_log.c.after))
        rows = list(fields)
    assert [f for f, _b, _a in rows] == ["interaction", "interaction"]
    assert rows[0][2] == rows[1][1] and rows[1][2] is None  # the row's id, then gone
    rep.press(undo)  # again: nothing more to take back
    assert "undone already" in rep.text()
    manager.say("log note Romashka: a trial order is likely")
    manager.say("history")
    assert "log note: Romashka: a trial order is likely" in str(manager.tables()[0].rows[0])
    manager.say("undo")
    manager.press("Confirm undo")
    assert "Undone: 1 customer" in manager.text()
    assert _logged(seeded) == []


def test_someone_else_cannot_press_the_authors_undo(core: ChatCore, seeded: Engine) -> None:
    ivanov, petrova = Person(core, tg(1001)), Person(core, tg(1002))
    ivanov.say("log call Romashka: agreed on a trial order")
    token = ivanov.button("Undo").token
    petrova.press(token)
    assert "someone else" in petrova.text()
    assert len(_logged(seeded)) == 1


def test_a_rep_with_scope_own_logs_only_for_their_own_customers(seeded: Engine) -> None:
    core = ChatCore(seeded, make_settings(access__scope="own"), today=TODAY)
    ivanov = Person(core, tg(1001))  # customers 1, 4, 7, … are Ivanov's; 2 is Petrova's
    ivanov.say("log call Client <02>: asked about prices")
    assert "None of your customers is called" in ivanov.text()
    ivanov.say("log call Romashka: agreed on a trial order")
    assert "Logged" in ivanov.text()
    # a button of a customer out of scope (from before the scope changed) is refused as well
    other = ChatCore(seeded, make_settings(), today=TODAY)
    everyone = Person(other, tg(1001))
    everyone.say("card Client <02>")
    everyone.press("Log")
    token = everyone.button("call").token
    ivanov.press(token)
    assert "only see your own customers" in ivanov.text()
    with seeded.connect() as conn:
        assert conn.execute(select(func.count()).select_from(batches)).scalar() == 1


def test_the_cards_log_button_asks_the_kind_then_the_text(rep: Person, seeded: Engine) -> None:
    rep.say("card Romashka")
    rep.press("Log")
    rep.press("complaint")
    assert "Type what happened" in rep.text()
    rep.say("a late trial delivery")
    assert "Logged: complaint with Romashka — a late trial delivery" in rep.text()
    assert _logged(seeded) == [(1, "complaint", 1, "a late trial delivery")]


def test_russian_forms_log_and_answer_in_russian(rep: Person, seeded: Engine) -> None:
    rep.say("звонок Romashka: договорились о пробном заказе (trial)")
    assert "Записано: звонок, клиент Romashka — договорились о пробном заказе (trial)" in rep.text()
    rep.say("записать встречу Romashka: показали каталог trial")
    assert "Записано: встреча" in rep.text()
    assert [k for _c, k, _m, _n in _logged(seeded)] == ["call", "meeting"]
    rep.say("записать Romashka без двоеточия")
    assert "Запишите" in rep.text()


def test_replayed_buttons_about_another_reps_customer_write_nothing(seeded: Engine) -> None:
    from bot import state
    from storage.schema import follow_ups

    core = ChatCore(seeded, make_settings(access__scope="own"), today=TODAY)
    ivanov = Person(core, tg(1001))
    other = {"customer_id": 2}  # Petrova's
    replays = {
        "log_pick": {**other, "kind": "note", "note": "x"},
        "log_kind": {**other, "kind": "call"},
        "await:log_text": {**other, "kind": "call"},
        "follow_up_pick": {**other, "due": "2026-12-01T09:00:00", "text": "x"},
        "follow_up_in": {**other, "when": "tomorrow"},
    }
    for kind, payload in replays.items():
        row = state.new_row(kind, tg(1001).key, payload)
        with seeded.begin() as conn:
            state.put_rows(conn, [row])
        ivanov.press(row["token"])
        if kind.startswith("await:"):
            ivanov.say("typed after the button")
        assert "own customers" in ivanov.text(), (kind, ivanov.text())
    with seeded.connect() as conn:
        assert conn.execute(select(func.count()).select_from(follow_ups)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(batches)).scalar() == 0


def test_a_logged_call_counts_at_once_when_the_duckdb_copy_answers(
    rep: Person, seeded: Engine, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from query_language.route import configure, router_for, unconfigure
    from storage.columnar import ColumnarSettings

    settings = ColumnarSettings(engine="duckdb", refresh="on_query", threads=1)
    router = configure(seeded, settings, tmp_path / "copy.duckdb")
    assert router is not None
    try:
        router.copy.refresh(seeded)
        rep.say("count called in last 7 days")
        before = rep.text()
        rep.say("log call Romashka: agreed on a trial order")
        rep.say("count called in last 7 days")
        assert "\n1 customer" in rep.text() and "\n1 customer" not in before
        assert router_for(seeded).counts.get("copy", 0) >= 2  # type: ignore[union-attr]
    finally:
        unconfigure(seeded)


def test_undo_log_takes_back_the_authors_last_log_or_follow_up(rep: Person, seeded: Engine) -> None:
    rep.say("undo log")
    assert "You have no log or follow-up to take back." in rep.text()
    rep.say("log call Romashka: agreed on a trial order")
    rep.say("follow up Romashka in 2 weeks")
    rep.say("undo log")
    assert "Undone: follow up Romashka" in rep.text()
    rep.say("отмени запись")
    assert "Отменено: запись (звонок): Romashka: agreed on a trial order" in rep.text()
    assert _logged(seeded) == []
    rep.say("undo log")  # the answer stays in the language of the last words typed
    assert "Нет записей или напоминаний, которые можно отменить." in rep.text()
