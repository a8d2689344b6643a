"""Templates: subject line, per-customer fields, clear errors, the sandbox."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from mailing import (
    MailingError,
    get_template,
    load_templates_from_folder,
    render_for_customer,
    save_template,
)
from mailing.facts import months_before, stars
from storage.schema import customers
from tests.mailing.conftest import TODAY, add_interaction, add_order

TEXT = """Subject: Hello {{ name }} from {{ city }}

Dear {{ name }},
your manager {{ manager }} ({{ manager_email }}) rates you {{ stars }} ({{ rating }}).
You spent {{ spend_12m|money }} in 12 months; last purchase {{ last_purchase }}.
Last talk: {{ last_interaction }}.
"""


def test_render_for_customer_fills_every_field(seeded: Engine) -> None:
    with seeded.begin() as conn:
        cid = conn.scalar(select(customers.c.id).order_by(customers.c.id))
        add_order(conn, cid, date(2026, 10, 1), 1000.0)
        add_order(conn, cid, date(2026, 11, 20), 234.5)
        add_order(conn, cid, date(2025, 10, 1), 99999.0)  # older than 12 months
        add_order(conn, cid, date(2026, 12, 1), 5.0)  # after today
        add_interaction(conn, cid, datetime(2026, 11, 21, 10, 30))
        tpl = save_template(conn, "Hello", TEXT, owner_id=None)
        assert (tpl.name, tpl.subject) == ("hello", "Hello {{ name }} from {{ city }}")
        out = render_for_customer(conn, "hello", cid, TODAY)
    assert out.subject == "Hello Customer 1 from Berlin"
    assert out.to_address == "c1@example.com"
    assert "your manager Anna Ivanova (anna@shop.example) rates you ★★★ (A)." in out.body
    assert (
        "You spent 1,234 in 12 months; last purchase 2026-11-20." in out.body
    )  # as answers write it
    assert "Last talk: 2026-11-21." in out.body


def test_saving_again_replaces_the_template(seeded: Engine) -> None:
    with seeded.begin() as conn:
        first = save_template(conn, "news", "Subject: One\nBody one", None)
        second = save_template(conn, "news", "Subject: Two\nBody two", None)
        assert first.id == second.id
        assert get_template(conn, "news").subject == "Two"
        assert get_template(conn, first.id).body == "Body two"


@pytest.mark.parametrize(
    "text, message",
    [
        ("Hello {{ name }}", "first line must be 'Subject: ...'"),
        ("Subject:\nbody", "subject line is empty"),
        ("Subject: Hi\n\n", "has no body"),
        ("Subject: Hi {{ nmae }}\nbody", "unknown field nmae; allowed fields: name, external_id"),
        ("Subject: Hi\n{{ revenue }}", "unknown field revenue"),
        (
            "Subject: Hi\n{{ name.__class__.__mro__ }}",
            "attribute access ('__mro__') is not allowed",
        ),
        ("Subject: Hi\n{{ name['__class__'] }}", "attribute access ('__class__') is not allowed"),
        ("Subject: Hi\n{{ name|attr('__class__') }}", "refused by the sandbox"),
        ("Subject: Hi\n{{ name.format(1) }}", "attribute access ('format') is not allowed"),
        ("Subject: Hi\n{% if %}", "line"),
    ],
)
def test_bad_templates_are_refused_with_a_clear_error(
    seeded: Engine, text: str, message: str
) -> None:
    with seeded.begin() as conn, pytest.raises(MailingError, match="template 'bad'") as err:
        save_template(conn, "bad", text, None)
    assert message in str(err.value)


def test_unknown_template_lists_the_known_ones(seeded: Engine) -> None:
    with seeded.begin() as conn:
        save_template(conn, "welcome", "Subject: Hi\nBody", None)
        with pytest.raises(MailingError, match="no template 'nope'; known templates: welcome"):
            get_template(conn, "nope")


def test_load_templates_from_folder(seeded: Engine, tmp_path: Path) -> None:
    (tmp_path / "welcome.txt").write_text("Subject: Welcome {{ name }}\nHi!", encoding="utf-8")
    (tmp_path / "winback.j2").write_text("Subject: We miss you\nCome back, {{ name }}", "utf-8")
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    with seeded.begin() as conn:
        loaded = load_templates_from_folder(conn, tmp_path)
        assert [t.name for t in loaded] == ["welcome", "winback"]
        cid = conn.scalar(select(customers.c.id).order_by(customers.c.id))
        assert render_for_customer(conn, "winback", cid, TODAY).body == "Come back, Customer 1"
    with seeded.begin() as conn, pytest.raises(MailingError, match="no such folder"):
        load_templates_from_folder(conn, tmp_path / "missing")


def test_empty_fields_render_as_empty_text(seeded: Engine) -> None:
    with seeded.begin() as conn:
        cid = conn.scalar(select(customers.c.id).order_by(customers.c.id))
        conn.execute(
            customers.update()
            .where(customers.c.id == cid)
            .values(city=None, rating=None, manager_id=None)
        )
        save_template(
            conn,
            "t",
            "Subject: x\n[{{ city }}|{{ stars }}|{{ manager }}|{{ last_purchase }}]",
            None,
        )
        assert render_for_customer(conn, "t", cid, TODAY).body == "[|||]"


@pytest.mark.parametrize("rating, drawn", [("A", "★★★"), ("B", "★★"), ("C", "★"), (None, "")])
def test_stars(rating: str | None, drawn: str) -> None:
    assert stars(rating) == drawn


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 11, 22), date(2025, 11, 22)),
        (date(2024, 2, 29), date(2023, 2, 28)),
        (date(2026, 3, 31), date(2025, 3, 31)),
    ],
)
def test_months_before(day: date, expected: date) -> None:
    assert months_before(day, 12) == expected


def test_the_money_filter_writes_money_as_every_answer_does() -> None:
    """One money format everywhere (issue #15): the template filter is storage.formatting.money."""
    from mailing.templates import _ENV
    from storage.formatting import money

    spend = 1234567.891
    assert _ENV.from_string("{{ v|money }}").render(v=spend) == money(spend) == "1,234,568"
    assert _ENV.from_string("{{ v|money(2) }}").render(v=spend) == "1,234,567.89"
    russian = _ENV.from_string("{{ v|money(locale='ru') }}").render(v=spend)
    assert russian == money(spend, "", "ru") == "1\u00a0234\u00a0568"
    assert _ENV.from_string("{{ v|money }}").render(v=None) == "0"
