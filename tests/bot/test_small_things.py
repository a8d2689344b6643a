"""Small things a user notices (issue #15 defect 9, the part of this branch): a yes/no property
reads yes/no (да/нет) on the card, exports carry the custom properties, a grouped answer's
Export buttons export its groups — through the real chat core, en and ru, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from storage.demo import DemoSummary
from storage.schema import customer_properties, customers, property_definitions
from tests.bot.chat_driver import Chat
from tests.storage.demo_fixture import TODAY
from tests.storage.demo_fixture import demo as demo  # noqa: F401 - the shared fixture
from tests.storage.demo_fixture import demo_backend as demo_backend  # noqa: F401
from tests.storage.demo_fixture import demo_ru as demo_ru  # noqa: F401 - the shared fixture


def _yesno_customer(engine: Engine, flag: bool) -> tuple[str, str]:
    """A customer with a yes-no property set to ``flag``: (its name, the property's label)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(customers.c.name, property_definitions.c.label)
            .join(customer_properties, customer_properties.c.customer_id == customers.c.id)
            .join(
                property_definitions, property_definitions.c.id == customer_properties.c.property_id
            )
            .where(
                property_definitions.c.type == "yesno", customer_properties.c.bool_value.is_(flag)
            )
            .order_by(customers.c.name)
            .limit(1)
        ).one()
    return row[0], row[1]


@pytest.mark.parametrize(
    ("language", "words"), [("en", ("card", "yes", "no")), ("ru", ("карточка", "да", "нет"))]
)
def test_the_card_says_yes_or_no(
    demo: tuple[Engine, DemoSummary],
    demo_ru: tuple[Engine, DemoSummary],
    language: str,
    words: tuple[str, str, str],
) -> None:
    engine = (demo if language == "en" else demo_ru)[0]
    chat = Chat(engine, TODAY, language=language)
    for flag, word in ((True, words[1]), (False, words[2])):
        name, label = _yesno_customer(engine, flag)
        chat.say(f"{words[0]} {name}")
        facts = dict(chat.table().rows)
        assert facts[label] == word, facts


def test_exports_carry_every_custom_property(demo: tuple[Engine, DemoSummary]) -> None:
    engine = demo[0]
    chat = Chat(engine, TODAY, language="en")
    chat.say("export vip")
    rows = chat.csv_rows()
    with engine.connect() as conn:
        labels = conn.execute(select(property_definitions.c.label)).scalars().all()
        stored = {
            (ext, label): (num, flag, text, day)
            for ext, label, num, flag, text, day in conn.execute(
                select(
                    customers.c.external_id,
                    property_definitions.c.label,
                    customer_properties.c.number_value,
                    customer_properties.c.bool_value,
                    customer_properties.c.text_value,
                    customer_properties.c.date_value,
                )
                .join(customer_properties, customer_properties.c.customer_id == customers.c.id)
                .join(
                    property_definitions,
                    property_definitions.c.id == customer_properties.c.property_id,
                )
            )
        }
    assert labels and set(labels) <= set(rows[0])
    checked = 0
    for row in rows:
        for label in labels:
            value = stored.get((row["external_id"], label))
            if value is None:
                assert row[label] == ""
                continue
            num, flag, text, day = value
            expected = (
                ("yes" if flag else "no")
                if flag is not None
                else str(day)
                if day is not None
                else text
                if text is not None
                else f"{num:g}"
            )
            assert row[label] == expected, (row["external_id"], label)
            checked += 1
    assert checked > 10


_GROUP_COLUMNS = {
    "en": ("city", "customers", "spend 2026-01-01..2026-11-22"),
    "ru": ("город", "клиентов", "выручка 01.01.2026–22.11.2026"),
}


@pytest.mark.parametrize(
    ("language", "answer", "button"),
    [
        ("en", "spend by city this year", "Export CSV"),
        ("ru", "выручка по городам в этом году", "Экспорт CSV"),
    ],
)
def test_a_grouped_answer_exports_its_groups(
    demo: tuple[Engine, DemoSummary],
    demo_ru: tuple[Engine, DemoSummary],
    language: str,
    answer: str,
    button: str,
) -> None:
    chat = Chat((demo if language == "en" else demo_ru)[0], TODAY, language=language)
    chat.say(answer)
    table = chat.table()
    shown = table.rows
    chat.press(button)
    rows = chat.csv_rows()
    # the columns are titled as the answer's table titles them, in the reader's language
    assert table.columns == _GROUP_COLUMNS[language]
    assert list(rows[0]) == list(table.columns)
    city, count, spend = table.columns
    assert [(r[city], r[count]) for r in rows] == [(g, n) for g, n, _spend in shown]
    from bot.views import money

    assert [money(float(r[spend]), "RUB", language) for r in rows] == [s for _g, _n, s in shown]
