"""Scenarios through the neutral API against a real database: queries, paging to the end,
exports, charts, segments, cards, refusals and rep scope."""

from __future__ import annotations

import io
import logging

import pandas as pd
from sqlalchemy import select, update

from bot.core import ChatCore
from bot.messages import File, Identity, Image
from storage.schema import customers
from tests.bot.conftest import Person, make_settings, tg
from tests.bot.seed import MOSCOW, TODAY

PNG = b"\x89PNG\r\n\x1a\n"


def _names_in_db(engine, **where) -> set[str]:  # type: ignore[no-untyped-def]
    q = select(customers.c.name)
    for col, value in where.items():
        q = q.where(customers.c[col] == value)
    with engine.connect() as conn:
        return set(conn.execute(q).scalars())


def test_a_query_answers_with_echo_count_and_first_page(manager: Person) -> None:
    manager.say("Moscow")
    text = manager.text()
    assert "Moscow" in text and f"{MOSCOW} customers" in text
    [table] = manager.tables()
    assert len(table.rows) == 10
    assert table.columns[1:] == ("name", "city", "rating", "spend, all time", "last purchase")
    assert all(row[2] == "Moscow" for row in table.rows)
    assert {"Next ▶", "Export CSV", "Export XLSX", "Chart", "Rate A"} <= {
        b.label for b in manager.buttons()
    }


def test_paging_reaches_every_customer_exactly_once(manager: Person, core: ChatCore) -> None:
    manager.say("Moscow")
    seen = [row[1] for row in manager.tables()[0].rows]
    pages = 1
    while any(b.label == "Next ▶" for b in manager.buttons()):
        replies = manager.press("Next ▶")
        assert replies[0].replace, "a page is edited in place"
        seen += [row[1] for row in manager.tables()[0].rows]
        pages += 1
    assert pages == 3
    assert len(seen) == MOSCOW and set(seen) == _names_in_db(core.engine, city="Moscow")
    manager.press("◀ Previous")
    assert manager.tables()[0].rows[0][0] == "11"


def test_export_buttons_give_every_row_as_csv_and_xlsx(manager: Person) -> None:
    manager.say("Moscow")
    manager.press("Export CSV")
    [f] = manager.files()
    assert isinstance(f, File) and f.filename.endswith(".csv")
    frame = pd.read_csv(io.BytesIO(f.content))
    assert len(frame) == MOSCOW and set(frame["city"]) == {"Moscow"}
    assert {
        "external_id",
        "name",
        "email",
        "phone",
        "manager",
        "rating",
        "spend",
        "last_purchase",
        "tags",
    } <= set(frame)
    assert frame.loc[frame["name"] == "Romashka", "tags"].item() == "vip"
    manager.say("export Kazan as xlsx")
    [f] = manager.files()
    frame = pd.read_excel(io.BytesIO(f.content))
    assert f.filename.endswith(".xlsx") and len(frame) == 35 - MOSCOW


def test_charts_are_png(manager: Person) -> None:
    manager.say("Moscow")
    manager.press("Chart")
    [img] = manager.files()
    assert isinstance(img, Image) and img.content.startswith(PNG) and len(img.content) > 2000
    manager.say("chart count by city")
    [img] = manager.files()
    assert img.content.startswith(PNG)


def test_a_chart_of_an_open_period_ends_today_or_starts_a_year_before_its_end(
    manager: Person,
) -> None:
    manager.say("chart Moscow since 2026-03-01")
    [img] = manager.files()
    assert img.content.startswith(PNG) and f"2026-03-01..{TODAY}:" in img.caption
    manager.say("chart Moscow before 2026-06-01")
    [img] = manager.files()
    assert img.content.startswith(PNG) and "2025-06-01..2026-05-31:" in img.caption


def test_dynamic_and_static_segments(manager: Person, core: ChatCore) -> None:
    manager.say("save Kazan as kz")
    assert "Saved segment 'kz'" in manager.text()
    manager.say("freeze Kazan as kz-then")
    assert "10 customers" in manager.text()
    with core.engine.begin() as conn:
        conn.execute(
            update(customers).where(customers.c.external_id == "C030").values(city="Moscow")
        )
    manager.say("segment kz")
    assert "9 customers" in manager.text()
    manager.say("in segment kz-then")
    assert "10 customers" in manager.text()
    manager.say("Moscow not in segment kz-then")
    assert f"{MOSCOW} customers" in manager.text()
    manager.say("segments")
    names = {row[0] for row in manager.tables()[0].rows}
    assert {"kz", "kz-then", "bits-offer"} <= names
    manager.say("save Kazan as kz")
    assert "exists already" in manager.text()
    manager.say("drop segment kz")
    manager.say("segment kz")
    assert "no segment is called 'kz'" in manager.text()


def test_card_by_command_and_by_name_alone(manager: Person) -> None:
    for text in ("card Romashka", "Romashka"):
        manager.say(text)
        assert "Romashka — B ★★" in manager.text()
        facts = dict(manager.tables()[0].rows)
        assert (
            facts["manager"] == "Ivan Ivanov"
            and facts["tags"] == "vip"
            and facts["phone"] == "+7 900 000 0001"
        )
        assert facts["last purchase"] == "2026-10-05"
        interactions = manager.tables()[1]
        assert interactions.rows[0][1] == "call" and interactions.rows[1][1] == "complaint"
        assert "Rate A" in {b.label for b in manager.buttons()}


def test_unknown_people_get_a_polite_refusal_and_nothing_else(core: ChatCore, caplog) -> None:  # type: ignore[no-untyped-def]
    stranger = Person(core, tg(999))
    with caplog.at_level(logging.WARNING, logger="custbot.access"):
        replies = stranger.say("Moscow")
    assert len(replies) == 1 and len(replies[0].parts) == 1
    assert "Sorry" in stranger.text() and "Moscow" not in stranger.text()
    assert any("999" in r.getMessage() for r in caplog.records)
    outsider = Person(core, Identity("slack", "U1", team_id="T-OTHER"))
    outsider.say("Moscow")
    assert "Sorry" in outsider.text()


def test_rep_with_own_scope_sees_own_customers_and_is_told_about_the_rest(seeded) -> None:  # type: ignore[no-untyped-def]
    core = ChatCore(seeded, make_settings(access__scope="own"), today=TODAY)
    ivanov = Person(core, tg(1001))
    ivanov.say("Moscow")
    own = {n for n in _names_in_db(seeded, city="Moscow", manager_id=1)}
    assert f"{len(own)} customers" in ivanov.text()
    assert {row[1] for row in ivanov.tables()[0].rows} == own
    assert f"{MOSCOW - len(own)} more match among other managers' customers" in ivanov.text()
    ivanov.say("card Client <02> & Co_*[]")  # Petrova's: not even her manager's name shows
    assert ivanov.text() == "None of your customers is called 'Client <02> & Co_*[]'."


def test_rep_cannot_use_manager_commands(rep: Person) -> None:
    rep.say("rate A Moscow")
    assert "Only a manager" in rep.text()
    assert "Rate A" not in {b.label for b in (rep.say("Moscow") and rep.buttons())}


def test_query_errors_point_at_the_word_and_suggest(manager: Person) -> None:
    manager.say("Moskow buyers")
    assert manager.styles()[0] == "error"
    assert "^" in manager.text() and "Moscow" in manager.text()


def test_buttons_of_someone_else_are_refused(manager: Person, other_manager: Person) -> None:
    manager.say("Moscow")
    token = manager.button("Next ▶").token
    other_manager.press(token)
    assert "someone else" in other_manager.text()
    other_manager.press("not-a-token")
    assert "expired" in other_manager.text()


def test_help_lists_every_command_with_an_example_and_whoami(manager: Person) -> None:
    manager.say("help")
    rows = manager.tables()[0].rows
    assert {"card", "export", "chart", "save", "freeze", "segments", "rate", "undo"} <= {
        r[0] for r in rows
    }
    assert all(r[1] for r in rows)  # every command has its example
    manager.say("help rate")  # and says what it does
    assert manager.tables()[0].rows and "rate" in manager.text()
    manager.say("whoami")
    facts = dict(manager.tables()[0].rows)
    assert facts["role"] == "manager" and facts["identity"] == "telegram:1003"


def test_command_words_come_from_each_languages_lexicon(manager: Person) -> None:
    manager.say("карточка Romashka")
    assert "Romashka — B ★★" in manager.text()
    manager.say("сохрани Kazan как kz")
    assert "«kz»" in manager.text() or "'kz'" in manager.text()
    manager.say("экспорт Kazan в xlsx")
    assert manager.files()[0].filename.endswith(".xlsx")
