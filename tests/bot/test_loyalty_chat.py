"""Loyalty through the real chat core, on SQLite and PostgreSQL: tiers alone (no rating rules)
are recomputed from chat, shown on the card, asked for in queries; a return demotes, `demoted
this month` finds it, and undo puts the tier back (and out of `demoted`)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from storage.changes import utcnow
from tests.analytics.factories import add_customer, add_sale
from tests.bot.chat_driver import Chat

TIERS = {"bronze": 0, "silver": 500, "gold": 2000}


def _text(chat: Chat) -> str:
    return "\n".join(r.text for r in chat.last)


def _names(chat: Chat) -> set[str]:
    table = chat.table()
    i = table.columns.index("name")
    return {row[i] for row in table.rows}


def _card(chat: Chat, name: str) -> dict[str, str]:
    chat.say(f"card {name}")
    return {k: v for k, v in chat.table().rows}


def test_tiers_from_chat_card_query_demotion_and_undo(engine: Engine) -> None:
    today = utcnow().date()  # tier moves are stamped with the clock, "this month" reads today
    with engine.begin() as conn:
        big = add_customer(conn, "big", name="Big Co")
        mid = add_customer(conn, "mid", name="Mid Co")
        add_customer(conn, "small", name="Small Co")
        gone = add_customer(conn, "gone", name="Gone Co", status="archived")
        add_sale(conn, big, today - timedelta(days=30), 250_000.0)
        add_sale(conn, mid, today - timedelta(days=60), 60_000.0)
        add_sale(conn, gone, today - timedelta(days=60), 900_000.0)
    chat = Chat(engine, today, loyalty={"tiers": TIERS})

    chat.say("recompute ratings")  # no rating rules: the tiers alone
    assert "Loyalty tiers: 0 promoted, 0 demoted, 3 joined a tier." in _text(chat)
    chat.press("Confirm")
    assert "0 promoted, 0 demoted, 3 joined a tier (batch #" in _text(chat)
    chat.say("tier gold")
    assert _names(chat) == {"Big Co"}  # the archived customer keeps having no tier
    chat.say("tier silver or bronze")
    assert _names(chat) == {"Mid Co", "Small Co"}
    chat.say("points over 600")
    assert _names(chat) == {"Big Co"}  # Gone Co is archived, so not listed
    card = _card(chat, "Big Co")
    assert card["loyalty points"] == "2,500 (2,500 in 12 months)"
    assert card["tier"].startswith("gold (joined ")

    with engine.begin() as conn:  # a return: 100 000 back, 1 000 points off
        add_sale(conn, big, today, -100_000.0, quantity=-1.0)
    chat.say("recompute ratings")
    assert "Demoted: Big Co (gold → silver)" in _text(chat)
    chat.press("Confirm")
    chat.say("demoted this month")
    assert _names(chat) == {"Big Co"}
    chat.say("promoted this month")
    assert "0 customers" in _text(chat)
    assert _card(chat, "Big Co")["tier"].startswith("silver (demoted ")
    history = next(
        p
        for r in chat.last
        for p in r.parts
        if getattr(p, "title", None) == "Loyalty points, latest orders"
    )
    assert [row[2] for row in history.rows] == ["-1 000", "+2 500"]  # the return, the order
    chat.say("explain Big Co")
    assert "Loyalty: 1,500 points (1,500 in " in _text(chat)
    assert "demoted (gold → silver)" in _text(chat)

    chat.say("recompute ratings")
    assert "Nothing would change." in _text(chat)
    chat.say("history")
    chat.say("undo")  # the last batch: the demotion
    chat.press("Confirm undo")
    assert _card(chat, "Big Co")["tier"].startswith("gold (undone ")
    chat.say("demoted this month")
    assert "0 customers" in _text(chat)  # an undone demotion is no demotion


def test_loyalty_rows_stay_off_the_card_without_tiers(engine: Engine) -> None:
    with engine.begin() as conn:
        add_customer(conn, "c", name="Plain Co")
    chat = Chat(engine, date(2026, 11, 22))
    assert "tier" not in _card(chat, "Plain Co")
