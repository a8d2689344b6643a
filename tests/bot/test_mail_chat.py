"""Mailings and call lists from chat: templates (two-step and one-step), previews with
suppression counts, confirm, list, cancel, opt-out, call lists."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
from sqlalchemy import select, update

from storage.schema import customers, mailings
from tests.bot.conftest import Person

TEMPLATE = "Subject: We miss you, {{ name }}\nDear {{ name }}, your manager {{ manager }} has news."


def test_template_two_steps_then_preview_for_a_customer(manager: Person) -> None:
    manager.say("template winback")
    assert "Send the text of template 'winback'" in manager.text()
    manager.say(TEMPLATE)
    assert "Saved template 'winback'" in manager.text()
    manager.say("preview template winback for Romashka")
    assert "We miss you, Romashka" in manager.text() and "Ivan Ivanov" in manager.text()
    manager.say("Moscow")  # the awaited message was used once: this is a query again
    assert "25 customers" in manager.text()


def test_mail_preview_counts_suppression_confirm_list_cancel(manager: Person, core) -> None:  # type: ignore[no-untyped-def]
    manager.say("template promo\n" + TEMPLATE)
    with core.engine.begin() as conn:
        conn.execute(update(customers).where(customers.c.id.in_([26, 27])).values(email=None))
        conn.execute(
            update(customers).where(customers.c.id == 28).values(opted_out_at=datetime(2026, 1, 1))
        )
    manager.say("mail promo to Kazan at tomorrow 9:00")
    text = manager.text()
    assert "7 will receive it" in text and "2 without an email, 1 opted out, 0 archived" in text
    assert "Sample for" in text and "We miss you" in text
    manager.press("Confirm")
    assert "Scheduled mailing #1" in manager.text()
    with core.engine.connect() as conn:
        row = conn.execute(select(mailings)).one()
    assert (
        row.query == "Kazan"
        and row.requester_chat["chat"] == "telegram:chat-1"
        and row.frozen_customer_ids is None
    )
    manager.say("mail promo to Moscow every Monday 9:00 frozen")
    manager.press("Confirm")
    manager.say("mailings")
    rows = manager.tables()[0].rows
    assert len(rows) == 2 and {r[3] for r in rows} == {"scheduled"}
    manager.say("cancel mailing 1")
    assert "Cancelled mailing #1" in manager.text()
    with core.engine.connect() as conn:
        frozen = conn.execute(
            select(mailings.c.frozen_customer_ids).where(mailings.c.id == 2)
        ).scalar_one()
    assert len(frozen) == 25


def test_opt_out_and_call_lists(manager: Person, rep: Person, core) -> None:  # type: ignore[no-untyped-def]
    rep.say("opt out Romashka")
    assert "will not be mailed again" in rep.text()
    with core.engine.connect() as conn:
        assert (
            conn.execute(select(customers.c.opted_out_at).where(customers.c.id == 1)).scalar()
            is not None
        )
    manager.say("call list Moscow")
    [f] = manager.files()
    sheets = pd.read_excel(io.BytesIO(f.content), sheet_name=None)
    assert sum(len(s) for s in sheets.values()) == 25 and len(sheets) == 3
    rep.say("call list Moscow for me")
    sheets = pd.read_excel(io.BytesIO(rep.files()[0].content), sheet_name=None)
    assert len(sheets) == 1 and sum(len(s) for s in sheets.values()) == 9
