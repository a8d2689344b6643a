"""Block Kit rendering: every reply fits Slack's limits (checked by the stand-in's own rules)."""

from __future__ import annotations

import csv
import io

import pytest

from bot.messages import Button, Buttons, File, Image, Reply, Table, Text
from bot.slack import clean_text, render_parts
from bot.slack.blocks import has_customer_data
from tests.slack.web_api import block_errors

BIG_TABLE = Table(
    ("name", "city"), tuple((f"Customer {i} " + "x" * 30, "Moscow") for i in range(2000)), "All"
)
WIDE_TEXT = "word " * 3000
MANY_PARTS = tuple(Text(f"line {i}") for i in range(180))
MANY_BUTTONS = Buttons(tuple(Button(f"Button {i}", f"tok{i}") for i in range(30)))
LONG_LABEL = Buttons((Button("L" * 120, "t1", "danger"), Button("ok", "t2", "primary")))


@pytest.mark.parametrize(
    "parts",
    [
        (
            Text("Moscow buyers", "echo"),
            Table(("name",), (("Acme & <Sons>",),)),
            Text("note", "note"),
        ),
        (Text("H" * 400, "heading"), Text("bad", "error")),
        (BIG_TABLE,),
        (Text(WIDE_TEXT),),
        MANY_PARTS,
        (MANY_BUTTONS,),
        (LONG_LABEL,),
        (Table(("a",) * 12, tuple(tuple("v" * 300 for _ in range(12)) for _ in range(40))),),
    ],
    ids=[
        "mixed",
        "long-heading",
        "big-table",
        "wide-text",
        "many-parts",
        "many-buttons",
        "long-label",
        "wide-table",
    ],
)
def test_every_rendering_is_within_limits(parts: tuple) -> None:
    messages, _uploads = render_parts(parts)
    assert messages
    for m in messages:
        assert block_errors(m.blocks) == []
        assert 0 < len(m.text) <= 3000


def test_a_table_too_large_for_a_message_becomes_a_csv_file() -> None:
    messages, uploads = render_parts((BIG_TABLE,))
    assert len(uploads) == 1 and uploads[0].filename == "All.csv"
    rows = list(csv.reader(io.StringIO(uploads[0].content.decode("utf-8-sig"))))
    assert rows[0] == ["name", "city"] and len(rows) == 2001
    assert "2000 rows" in messages[0].blocks[0]["elements"][0]["text"]


def test_more_than_fifty_blocks_are_split_over_messages() -> None:
    messages, _ = render_parts(MANY_PARTS)
    assert [len(m.blocks) for m in messages] == [50, 50, 50, 30]
    assert messages[3].blocks[-1]["text"]["text"] == "line 179"


def test_a_table_is_monospace_and_escaped() -> None:
    messages, _ = render_parts(
        (Table(("name", "city"), (("Acme & <Sons>", "Moscow"), ("`Tick` Co", "Kazan")), "Top"),)
    )
    title, body = messages[0].blocks
    assert title == {"type": "header", "text": {"type": "plain_text", "text": "Top"}}
    assert body["text"]["text"].startswith("```\nname")
    assert "Acme &amp; &lt;Sons&gt;" in body["text"]["text"]


def test_buttons_carry_tokens_styles_and_a_confirm_dialog_when_dangerous() -> None:
    messages, _ = render_parts((LONG_LABEL,))
    danger, primary = messages[0].blocks[0]["elements"]
    assert (
        danger["value"] == "t1"
        and danger["style"] == "danger"
        and len(danger["text"]["text"]) == 75
    )
    assert danger["confirm"]["style"] == "danger"
    assert primary["style"] == "primary" and "confirm" not in primary
    assert danger["action_id"] != primary["action_id"]


def test_files_and_images_become_uploads_in_order() -> None:
    messages, uploads = render_parts(
        (Text("here"), File("a.csv", b"x", "text/csv", "cap"), Image("c.png", b"\x89PNG"))
    )
    assert [u.filename for u in uploads] == ["a.csv", "c.png"]
    assert uploads[0].comment == "cap" and len(messages) == 1


@pytest.mark.parametrize(
    "reply, expected",
    [
        (Reply((Table(("a",), ()),)), True),
        (Reply((Text("x", "error"),)), False),
        (Reply((Text("Sorry, I can only talk to the sales team."),)), False),
        (
            Reply(
                (
                    Text("3 customers", "heading"),
                    Table(("a",), ()),
                    Buttons((Button("Confirm", "t", "primary"),)),
                )
            ),
            False,
        ),
        (Reply((Text("3 customers", "heading"), Buttons((Button("Next", "t"),)))), True),
    ],
)
def test_what_counts_as_shareable(reply: Reply, expected: bool) -> None:
    assert has_customer_data(reply) is expected


@pytest.mark.parametrize(
    "wire, typed",
    [
        ("<@UBOT> Moscow buyers", "Moscow buyers"),
        ("email <mailto:a@b.ru|a@b.ru>", "email a@b.ru"),
        ("Smith &amp; Sons &lt;3", "Smith & Sons <3"),
        ("see <https://x.ru>", "see https://x.ru"),
    ],
)
def test_clean_text(wire: str, typed: str) -> None:
    assert clean_text(wire) == typed
