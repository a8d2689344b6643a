"""Every change to a customer is an audited batch that ``undo`` reverts: opt-outs and opt-ins
from chat and the command line, and what an import changes (issue #16, defect 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.core import ChatCore
from custbot.cli import main
from storage.schema import audit_log, batches, customer_tags, customers, tags
from tests.bot.conftest import Person, make_settings, tg
from tests.bot.seed import TODAY

OTHER = "Client <02> & Co_*[]"  # Petrova's customer (id 2)


def _customer(engine: Engine, cid: int) -> dict:
    with engine.connect() as conn:
        row = dict(conn.execute(select(customers).where(customers.c.id == cid)).mappings().one())
        row["tags"] = sorted(
            conn.execute(
                select(tags.c.name)
                .join(customer_tags, customer_tags.c.tag_id == tags.c.id)
                .where(customer_tags.c.customer_id == cid)
            ).scalars()
        )
    return row


def _audit(engine: Engine, batch: int) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(
                    audit_log.c.customer_id,
                    audit_log.c.field,
                    audit_log.c.before,
                    audit_log.c.after,
                )
                .where(audit_log.c.batch_id == batch)
                .order_by(audit_log.c.customer_id, audit_log.c.field)
            )
        ]


def _last_batch(engine: Engine):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(batches).order_by(batches.c.id.desc()).limit(1)).first()


def test_a_rep_with_own_scope_cannot_opt_out_another_reps_customer(seeded: Engine) -> None:
    ivanov = Person(ChatCore(seeded, make_settings(access__scope="own"), today=TODAY), tg(1001))
    before = _customer(seeded, 2)
    ivanov.say(f"opt out {OTHER}")
    assert ivanov.text() == f"None of your customers is called '{OTHER}'."
    assert _customer(seeded, 2) == before and _last_batch(seeded) is None
    ivanov.say("opt out Romashka")  # his own
    assert "Romashka will not be mailed again (batch #" in ivanov.text()
    assert _customer(seeded, 1)["opted_out_at"] is not None


def test_undo_right_after_an_opt_out_offers_that_opt_out_and_restores_it(
    manager: Person, seeded: Engine
) -> None:
    manager.say("rate A Kazan")
    manager.press("Confirm")  # an earlier, unrelated batch of the same person
    before = _customer(seeded, 1)
    manager.say("opt out Romashka")
    opt_out = _last_batch(seeded)
    assert opt_out.action == "opt-out" and opt_out.actor_id == "telegram:1003"
    assert opt_out.manager_id == 3 and opt_out.count == 1
    [(cid, field, was, now)] = _audit(seeded, opt_out.id)
    assert (cid, field, was) == (1, "opted_out_at", None) and now is not None
    manager.say("undo")
    assert f"Undo batch #{opt_out.id}: opt out: Romashka" in manager.text()
    assert "1 customer goes back to their values before it." in manager.text()
    manager.press("Confirm undo")
    assert "Undone: 1 customer is back" in manager.text()
    assert _customer(seeded, 1) | {"updated_at": None} == before | {"updated_at": None}


def test_opt_in_from_chat_is_audited_and_undo_restores_the_first_opt_out_date(
    manager: Person, seeded: Engine
) -> None:
    manager.say("opt out Romashka")
    opted = _customer(seeded, 1)["opted_out_at"]
    manager.say("opt out Romashka")
    assert manager.text() == "Romashka had opted out already; nothing changed."
    manager.say("opt in Romashka")
    assert "Romashka may be mailed again (batch #" in manager.text()
    opt_in = _last_batch(seeded)
    assert opt_in.action == "opt-in" and _customer(seeded, 1)["opted_out_at"] is None
    [(_cid, _field, was, now)] = _audit(seeded, opt_in.id)
    assert was is not None and now is None
    manager.press("Undo")
    manager.press("Confirm undo")
    assert _customer(seeded, 1)["opted_out_at"] == opted  # the very timestamp, not a new one
    manager.say("opt in Vasilek")
    assert manager.text() == "No customer is called 'Vasilek'."


def test_opt_in_and_out_from_the_command_line_are_batches_of_the_acting_user(
    seeded: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    url = seeded.url.render_as_string(hide_password=False)
    assert main(["optout", "c4@example.com", "--db", url, "--as", "Sidorov"]) == 0
    out = _last_batch(seeded)
    assert (out.action, out.actor_id, out.manager_id) == ("opt-out", "cli:Sergei Sidorov", 3)
    assert main(["optin", "C4@example.com", "--db", url]) == 0
    assert "Opted in 1 customer with C4@example.com." in capsys.readouterr().out
    back = _last_batch(seeded)
    assert (back.action, back.actor_id) == ("opt-in", "cli:local")
    assert _customer(seeded, 4)["opted_out_at"] is None
    assert main(["optin", "c4@example.com", "--db", url]) == 1
    assert "no opted-out customer has the address c4@example.com" in capsys.readouterr().err


def test_an_import_that_changes_ratings_status_and_tags_is_one_undoable_batch(
    seeded: Engine, manager: Person, tmp_path: Path
) -> None:
    before = {cid: _customer(seeded, cid) for cid in (1, 2, 3, 4)}
    path = tmp_path / "customers.csv"
    # C001 Romashka: B -> A and a new tag; C002: C -> A and status check; C003 the same values;
    # C004 empty cells keep what is stored; NEW1 is created, not changed
    assert (before[1]["rating"], before[2]["rating"]) == ("B", "C")
    path.write_text(
        "external_id,name,rating,status,tags\n"
        "C001,Romashka,A,active,vip;key-account\n"
        f"C002,{OTHER},A,check,\n"
        f"C003,{before[3]['name']},{before[3]['rating'] or ''},active,vip\n"
        f"C004,{before[4]['name']},,,\n"
        "NEW1,Brand New,A,active,vip\n",
        encoding="utf-8",
    )
    url = seeded.url.render_as_string(hide_password=False)
    assert main(["import", "customers", str(path), "--db", url, "--as", "Sidorov"]) == 0
    batch = _last_batch(seeded)
    assert (batch.action, batch.actor_id, batch.manager_id) == ("import", "cli:Sergei Sidorov", 3)
    assert batch.description == f"import customers: {path}"
    assert _audit(seeded, batch.id) == [
        (1, "rating", "B", "A"),
        (1, "tag:key-account", "no", "yes"),
        (2, "rating", "C", "A"),
        (2, "status", "active", "check"),
    ]
    assert _customer(seeded, 1)["tags"] == ["key-account", "vip"]
    manager.say("card Romashka")
    assert f"import {path} by Sergei Sidorov (cli)" in str(manager.tables())
    manager.say(f"undo {batch.id}")
    assert f"Undo batch #{batch.id}: import customers:" in manager.text()
    manager.press("Confirm undo")
    for cid in (1, 2, 3, 4):
        assert _customer(seeded, cid) | {"updated_at": None} == before[cid] | {"updated_at": None}
    # the same file again: the import re-applies its values as a new batch
    assert main(["import", "customers", str(path), "--db", url]) == 0
    assert _last_batch(seeded).id > batch.id


def test_an_import_that_changes_nothing_writes_no_batch(seeded: Engine, tmp_path: Path) -> None:
    row = _customer(seeded, 1)
    path = tmp_path / "same.csv"
    path.write_text(
        f"external_id,name,rating,tags\nC001,Romashka,{row['rating'] or ''},vip\n", encoding="utf-8"
    )
    url = seeded.url.render_as_string(hide_password=False)
    assert main(["import", "customers", str(path), "--db", url]) == 0
    assert _last_batch(seeded) is None
