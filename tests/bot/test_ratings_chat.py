"""Recompute ratings from chat (previewed, confirmed, undoable, pins respected) and explain."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.core import ChatCore
from storage.large_write import checkpoints_started
from storage.schema import customers, managers
from tests.bot.conftest import Person, make_settings, tg
from tests.bot.seed import TODAY

RULES = {"A": "spent over 50k", "C": "anyone"}


def _expected(i: int) -> str:
    return "A" if (i % 5 + 1) * 12000 + 1800 > 50_000 else "C"


def test_recompute_previews_applies_respects_pins_and_undoes(seeded) -> None:  # type: ignore[no-untyped-def]
    with seeded.begin() as conn:
        conn.execute(
            update(customers).where(customers.c.id == 4).values(rating="B", rating_pinned=True)
        )
        before = dict(conn.execute(select(customers.c.id, customers.c.rating)).all())
    core = ChatCore(seeded, make_settings(rating__rules=RULES), today=TODAY)
    manager = Person(core, tg(1003))
    manager.say("recompute ratings")
    assert (
        "Rating rules for 2026-11-22:" in manager.text()
        and "1 pinned by hand, left alone." in manager.text()
    )
    with seeded.connect() as conn:
        assert dict(conn.execute(select(customers.c.id, customers.c.rating)).all()) == before
    started = checkpoints_started()
    manager.press("Confirm")
    assert "Done:" in manager.text()
    # a large write: on SQLite its checkpoint runs in a thread (storage/large_write.py)
    assert checkpoints_started() == started + (seeded.dialect.name == "sqlite")
    with seeded.connect() as conn:
        after = dict(conn.execute(select(customers.c.id, customers.c.rating)).all())
    assert after[4] == "B"  # pinned
    assert all(after[i] == _expected(i) for i in range(1, 36) if i != 4)
    manager.say("explain Romashka")
    assert "Romashka" in manager.text() and "rule" in manager.text().lower()
    manager.press("Undo") if any(b.label == "Undo" for b in manager.buttons()) else manager.say(
        "undo"
    )
    manager.press("Confirm undo")
    with seeded.connect() as conn:
        assert dict(conn.execute(select(customers.c.id, customers.c.rating)).all()) == before


def test_recompute_needs_a_manager_and_rules(seeded) -> None:  # type: ignore[no-untyped-def]
    rep = Person(ChatCore(seeded, make_settings(rating__rules=RULES), today=TODAY), tg(1001))
    rep.say("recompute ratings")
    assert "Only a manager" in rep.text()
    manager = Person(ChatCore(seeded, make_settings(), today=TODAY), tg(1003))
    manager.say("recompute ratings")
    assert "No rating rules are configured" in manager.text()


def test_recompute_report_and_explain_come_in_the_users_language(seeded) -> None:  # type: ignore[no-untyped-def]
    with seeded.begin() as conn:
        conn.execute(update(managers).where(managers.c.id == 3).values(language="ru"))
    manager = Person(ChatCore(seeded, make_settings(rating__rules=RULES), today=TODAY), tg(1003))
    manager.say("recompute ratings")
    assert "Правила рейтинга на 2026-11-22:" in manager.text() and "повышено" in manager.text()
    manager.say("explain Romashka")
    assert "Подходит правило" in manager.text() and "С 2025-11-23 по 2026-11-22" in manager.text()
