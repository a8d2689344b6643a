"""Bulk changes from chat: preview, confirm, cancel, expiry, rights, concurrency, failure,
undo and the cap — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from bot.core import ChatCore
from bot.messages import Request
from storage.changes import rating_history, utcnow
from storage.schema import audit_log, batches, chat_state, customer_tags, customers, managers
from tests.bot.conftest import Person, make_settings, tg
from tests.bot.seed import MOSCOW, TODAY


def ratings(engine, city: str | None = None) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    q = select(customers.c.external_id, customers.c.rating)
    if city:
        q = q.where(customers.c.city == city)
    with engine.connect() as conn:
        return dict(conn.execute(q).all())


def count(engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_preview_shows_count_breakdown_sample_and_changes_nothing(
    manager: Person, core: ChatCore
) -> None:
    before = ratings(core.engine)
    manager.say("rate A Moscow")
    now = Counter(ratings(core.engine, "Moscow").values())
    text_ = manager.text()
    assert now["A"] and f"{MOSCOW - now['A']} customers would change" in text_
    assert (
        f"{now['A']} more match but already are so" in text_
        and "now A" not in text_
        and f"{now['B']} now B" in text_
        and f"{now[None]} unrated" in text_
    )
    assert "For example: Client <02> & Co_*[]" in text_
    assert {"Confirm", "Cancel"} <= {b.label for b in manager.buttons()}
    assert ratings(core.engine) == before and count(core.engine, batches) == 0


def test_confirm_applies_once_audited_with_history(manager: Person, core: ChatCore) -> None:
    before = ratings(core.engine, "Moscow")
    manager.say("rate A Moscow")
    token = manager.button("Confirm").token
    manager.press(token)
    changed = sum(1 for v in before.values() if v != "A")
    assert f"rate A for {changed} customers" in manager.text()
    assert set(ratings(core.engine, "Moscow").values()) == {"A"}
    assert ratings(core.engine, "Kazan") != {k: "A" for k in ratings(core.engine, "Kazan")}
    with core.engine.connect() as conn:
        batch = conn.execute(select(batches)).one()
        assert (batch.actor_platform, batch.actor_id, batch.count) == (
            "telegram",
            "telegram:1003",
            changed,
        )
        audit = conn.execute(
            select(audit_log.c.before, audit_log.c.after).where(audit_log.c.batch_id == batch.id)
        ).all()
        assert Counter(b for b, _a in audit) == Counter(v for v in before.values() if v != "A")
        assert {a for _b, a in audit} == {"A"}
        assert (
            conn.execute(select(func.count()).select_from(rating_history)).scalar_one() == changed
        )
    manager.press(token)  # a replay
    assert "already confirmed" in manager.text()
    assert count(core.engine, batches) == 1
    manager.say("card Romashka")
    history = manager.tables()[-1]
    assert (
        history.title == "Rating history"
        and history.rows[0][1] == "B → A"
        and "Sergei Sidorov" in history.rows[0][2]
    )


def test_cancel_and_expiry_change_nothing(manager: Person, core: ChatCore) -> None:
    before = ratings(core.engine)
    manager.say("rate C Kazan")
    token = manager.button("Confirm").token
    manager.press("Cancel")
    assert "Cancelled" in manager.text()
    manager.press(token)
    assert "already confirmed or cancelled" in manager.text()
    manager.say("rate C Kazan")
    token = manager.button("Confirm").token
    with core.engine.begin() as conn:
        conn.execute(
            update(chat_state)
            .where(chat_state.c.token == token)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    manager.press(token)
    assert "expired" in manager.text()
    assert ratings(core.engine) == before and count(core.engine, batches) == 0


def test_only_the_initiator_confirms_and_roles_are_rechecked(
    manager: Person, other_manager: Person, rep: Person, core: ChatCore
) -> None:
    before = ratings(core.engine)
    manager.say("rate A Kazan")
    token = manager.button("Confirm").token
    other_manager.press(token)
    assert "someone else" in other_manager.text()
    rep.press(token)
    assert "someone else" in rep.text()
    with core.engine.begin() as conn:  # demoted between preview and confirm
        conn.execute(update(managers).where(managers.c.id == 3).values(role="rep"))
    manager.press(token)
    assert "Only a manager may confirm" in manager.text()
    assert ratings(core.engine) == before


def test_a_rep_cannot_rate(rep: Person, core: ChatCore) -> None:
    rep.say("rate A Moscow")
    assert "Only a manager" in rep.text() and not rep.buttons()


def test_double_confirm_from_two_concurrent_tasks_applies_once(
    manager: Person, core: ChatCore
) -> None:
    manager.say("tag hot Moscow")
    token = manager.button("Confirm").token

    async def both():  # type: ignore[no-untyped-def]
        req = Request(manager.who, "chat-1", action=token)
        return await asyncio.gather(core.handle(req), core.handle(req))

    results = asyncio.run(both())
    texts = [r[0].text for r in results]
    assert sum("Done" in t for t in texts) == 1, texts
    assert count(core.engine, batches) == 1
    with core.engine.connect() as conn:
        assert (
            conn.execute(
                select(func.count()).select_from(customer_tags).where(customer_tags.c.tag_id != 1)
            ).scalar_one()
            == MOSCOW
        )


def _inject_failure(engine) -> None:  # type: ignore[no-untyped-def]
    """A real database failure in the middle of the apply: updating one customer raises."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER boom BEFORE UPDATE ON customers WHEN NEW.external_id = 'C021' "
                    "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN "
                    "IF NEW.external_id = 'C021' THEN RAISE EXCEPTION 'injected failure'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER boom BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION boom()"
                )
            )


def test_a_failure_mid_apply_changes_nothing_and_can_be_retried(
    manager: Person, core: ChatCore
) -> None:
    before = ratings(core.engine)
    manager.say("rate A Moscow")
    token = manager.button("Confirm").token
    _inject_failure(core.engine)
    manager.press(token)
    assert "failed and nothing was changed" in manager.text()
    assert ratings(core.engine) == before
    assert count(core.engine, batches) == 0 and count(core.engine, audit_log) == 0
    with core.engine.begin() as conn:
        conn.execute(
            text(
                "DROP TRIGGER boom"
                if core.engine.dialect.name == "sqlite"
                else "DROP TRIGGER boom ON customers"
            )
        )
    manager.press(token)  # the pending change was not spent by the failed attempt
    assert "Done" in manager.text() and set(ratings(core.engine, "Moscow").values()) == {"A"}


def test_undo_restores_exact_values(manager: Person, core: ChatCore) -> None:
    before = ratings(core.engine)
    manager.say("rate C Moscow")
    manager.press("Confirm")
    manager.say("archive Kazan")
    manager.press("Confirm")
    manager.say("undo")  # the last batch: the archive
    assert "Undo batch #2" in manager.text()
    manager.press("Confirm undo")
    assert "Undone" in manager.text()
    with core.engine.connect() as conn:
        assert set(conn.execute(select(customers.c.status)).scalars()) == {"active"}
    manager.say("undo 1")
    manager.press("Confirm undo")
    assert ratings(core.engine) == before
    manager.say("undo 1")
    assert "undone already" in manager.text()
    manager.say("history")  # newest first; each undone batch names the batch that undid it
    assert [(r[0], r[4]) for r in manager.tables()[0].rows] == [
        ("4", ""),
        ("3", ""),
        ("2", "#3"),
        ("1", "#4"),
    ]


def test_undo_leaves_customers_changed_since_by_someone_else(
    manager: Person, other_manager: Person, core: ChatCore
) -> None:
    before = ratings(core.engine)
    manager.say("rate A Moscow")
    manager.press("Confirm")
    other_manager.say("card Romashka")
    other_manager.press("Rate C")
    other_manager.press("Confirm")
    manager.say("undo 1")
    assert "changed since by someone else and are left alone: Romashka" in manager.text()
    manager.press("Confirm undo")
    after = ratings(core.engine)
    assert after["C001"] == "C"
    assert {k: v for k, v in after.items() if k != "C001"} == {
        k: v for k, v in before.items() if k != "C001"
    }


def test_who_may_undo_what(
    manager: Person, other_manager: Person, admin: Person, core: ChatCore
) -> None:
    ivanov_batch_by_admin = admin
    ivanov_batch_by_admin.say("rate B Kazan")
    ivanov_batch_by_admin.press("Confirm")
    other_manager.say("undo 1")
    assert "only your own changes" in other_manager.text()
    admin.say("undo 1")
    assert "Confirm undo" in {b.label for b in admin.buttons()}


def test_the_cap_needs_an_admin(seeded) -> None:  # type: ignore[no-untyped-def]
    core = ChatCore(seeded, make_settings(bulk__row_cap=10), today=TODAY)
    manager, admin = Person(core, tg(1003)), Person(core, tg(1004))
    manager.say("rate A Moscow")
    assert "only an admin may confirm" in manager.text()
    manager.press("Confirm")
    assert "over the limit" in manager.text() and count(seeded, batches) == 0
    admin.say("rate A Moscow")
    admin.press("Confirm")
    assert "Done" in admin.text() and set(ratings(seeded, "Moscow").values()) == {"A"}


def test_the_query_is_re_evaluated_at_confirm(manager: Person, core: ChatCore) -> None:
    manager.say("set status check Moscow")
    with core.engine.begin() as conn:
        conn.execute(
            update(customers).where(customers.c.external_id == "C030").values(city="Moscow")
        )
    manager.press("Confirm")
    assert f"matched {MOSCOW} customers at preview and {MOSCOW + 1} at confirm" in manager.text()


@pytest.mark.parametrize(
    "command, field, expected",
    [
        ("tag hot Kazan", "tag", 10),
        ("pin rating Kazan", "rating_pinned", True),
        ("unrate Kazan", "rating", None),
    ],
)
def test_other_bulk_operations(
    manager: Person, core: ChatCore, command: str, field: str, expected
) -> None:  # type: ignore[no-untyped-def]
    manager.say(command)
    manager.press("Confirm")
    assert "Done" in manager.text()
    with core.engine.connect() as conn:
        if field == "tag":
            assert (
                conn.execute(
                    select(func.count())
                    .select_from(customer_tags)
                    .where(customer_tags.c.tag_id != 1)
                ).scalar_one()
                == expected
            )
        else:
            assert set(
                conn.execute(
                    select(customers.c[field]).where(customers.c.city == "Kazan")
                ).scalars()
            ) == {expected}


def test_rating_one_customer_from_the_card(manager: Person, core: ChatCore) -> None:
    before = ratings(core.engine)
    manager.say("card Romashka")
    manager.press("Rate A")
    assert "rate A: Romashka" in manager.text() and "1 customer would change" in manager.text()
    assert "Now: 1 now B" in manager.text()
    manager.press("Confirm")
    assert "Done: rate A for 1 customer " in manager.text()
    assert ratings(core.engine) == {**before, "C001": "A"}


def test_a_query_matching_nobody_offers_nothing_to_confirm(manager: Person, core: ChatCore) -> None:
    manager.say("rate A archived")
    assert "No customers match, so there is nothing to change." in manager.text()
    assert (
        "Confirm" not in {b.label for b in manager.buttons()}
        and count(core.engine, chat_state) == 0
    )


def test_confirms_leave_sqlites_checkpoint_to_a_thread(
    manager: Person, core: ChatCore, backend: str
) -> None:
    """The commits a person waits for (a bulk change, its undo) run as large writes
    (storage/large_write.py): on SQLite a thread checkpoints after each; not on PostgreSQL."""
    from storage.large_write import checkpoints_started, wait_for_checkpoints

    started = checkpoints_started()
    manager.say("rate A Moscow")
    manager.press("Confirm")
    assert "Done" in manager.text()
    per_confirm = 1 if backend == "sqlite" else 0
    assert checkpoints_started() == started + per_confirm
    manager.press("Undo")
    manager.press("Confirm undo")
    assert "Undone" in manager.text()
    assert checkpoints_started() == started + 2 * per_confirm
    assert wait_for_checkpoints()
