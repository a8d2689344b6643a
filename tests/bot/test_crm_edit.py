"""Editing, creating and reassigning one customer from chat, through the real chat core, on both
databases: who may do what, and that undo puts back exactly what was there."""

from __future__ import annotations

from sqlalchemy import Engine, select

from bot.core import ChatCore
from storage.schema import batches, customers
from tests.bot.conftest import Person, make_settings, tg
from tests.bot.seed import TODAY


def _customer(engine: Engine, name: str) -> dict[str, object]:
    with engine.connect() as conn:
        row = conn.execute(select(customers).where(customers.c.name == name)).mappings().one()
    return {k: v for k, v in row.items() if k != "updated_at"}


def test_a_rep_edits_their_own_customer_and_undoes_it(seeded: Engine) -> None:
    core = ChatCore(seeded, make_settings(access__scope="own"), today=TODAY)
    ivanov = Person(core, tg(1001))
    before = _customer(seeded, "Romashka")
    ivanov.say("set phone Romashka 8 912 345-67-89")
    assert "Done: phone of Romashka" in ivanov.text()
    after = _customer(seeded, "Romashka")
    assert (after["phone"], after["phone_e164"]) == ("8 912 345-67-89", "+79123456789")
    ivanov.say("card +7 (912) 345-67-89")
    assert "Romashka" in ivanov.text()
    ivanov.say("undo")
    ivanov.press("Confirm undo")
    assert "Undone: 1 customer" in ivanov.text()
    assert _customer(seeded, "Romashka") == before


def test_a_rep_with_scope_own_cannot_edit_or_find_another_reps_customer(seeded: Engine) -> None:
    core = ChatCore(seeded, make_settings(access__scope="own"), today=TODAY)
    petrova = Person(core, tg(1002))  # Romashka is Ivanov's
    before = _customer(seeded, "Romashka")
    petrova.say("set phone Romashka +7 912 000-00-00")
    assert "None of your customers is called 'Romashka'" in petrova.text()
    petrova.say("c1@example.com")
    assert petrova.text() == "None of your customers has the email c1@example.com."
    petrova.say("+7 900 000 0001")
    assert "None of your customers has the phone" in petrova.text()
    assert _customer(seeded, "Romashka") == before


def test_a_rep_may_not_confirm_the_undo_of_someone_elses_change(seeded: Engine) -> None:
    core = ChatCore(seeded, make_settings(), today=TODAY)
    manager, rep = Person(core, tg(1003)), Person(core, tg(1001))
    manager.say("set city Romashka Samara")
    with seeded.connect() as conn:
        batch = conn.execute(select(batches.c.id).order_by(batches.c.id.desc())).scalar()
    rep.say(f"undo {batch}")
    assert "You may undo only your own changes" in rep.text()
    assert _customer(seeded, "Romashka")["city"] == "Samara"


def test_assign_is_for_managers_and_undo_restores_the_managers(seeded: Engine) -> None:
    core = ChatCore(seeded, make_settings(), today=TODAY)
    manager, rep = Person(core, tg(1003)), Person(core, tg(1001))
    rep.say("assign Kazan to Ivanov")
    assert "Only a manager may use 'assign'" in rep.text()
    with seeded.connect() as conn:
        before = dict(conn.execute(select(customers.c.id, customers.c.manager_id)).all())
    manager.say("assign Kazan to Ivanov")
    kazan_ivanov = sum(1 for c in range(26, 36) if before[c] == 1)
    assert f"{10 - kazan_ivanov} customers would change." in manager.text()
    assert f"{kazan_ivanov} more match but already are so" in manager.text()
    manager.press("Confirm")
    assert f"for {10 - kazan_ivanov} customers" in manager.text()
    manager.press("Undo")
    manager.press("Confirm undo")
    with seeded.connect() as conn:
        assert dict(conn.execute(select(customers.c.id, customers.c.manager_id)).all()) == before


def test_a_new_customer_duplicate_is_offered_instead_and_undo_removes_a_created_one(
    seeded: Engine,
) -> None:
    core = ChatCore(seeded, make_settings(), today=TODAY)
    manager = Person(core, tg(1003))
    manager.say("new customer Romashka, Moscow")
    assert "exists already; nothing was created" in manager.text()
    assert "Open Romashka (Moscow)" in [b.label for b in manager.buttons()]
    manager.say("new customer Fresh Co, Kazan, email bad")
    assert manager.text() == "'bad' is not an email address, e.g. office@romashka.ru."
    manager.say("new customer Fresh Co, Kazan, manager Ivanov, phone 8 912 777-66-55")
    assert "Created customer Fresh Co" in manager.text()
    created = _customer(seeded, "Fresh Co")
    assert (created["city"], created["manager_id"], created["phone_e164"]) == (
        "Kazan",
        1,
        "+79127776655",
    )
    manager.press("Undo")
    manager.press("Confirm undo")
    with seeded.connect() as conn:
        assert (
            conn.execute(select(customers.c.id).where(customers.c.name == "Fresh Co")).first()
            is None
        )


def test_a_rep_creates_customers_for_themselves_only(seeded: Engine) -> None:
    core = ChatCore(seeded, make_settings(access__scope="own"), today=TODAY)
    rep = Person(core, tg(1001))
    rep.say("new customer Mine Co, Kazan, manager Petrova")
    assert rep.text() == "Only a manager may create a customer for another manager."
    rep.say("new customer Mine Co, Kazan")
    assert _customer(seeded, "Mine Co")["manager_id"] == 1
    rep.say("card Mine Co")
    assert "Mine Co" in rep.text()
