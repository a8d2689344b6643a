"""Rendering neutral replies into Bot API messages: escaping, tables, splitting, keyboards."""

from __future__ import annotations

import pytest

from bot.messages import Button, Buttons, File, Image, Reply, Table, Text
from bot.telegram.render import (
    MAX_CAPTION,
    MAX_TEXT,
    OutDocument,
    OutPhoto,
    OutText,
    render_reply,
    tg_len,
)
from tests.telegram.standin import ApiError, parse_html

NASTY = "<Romashka & Sons> _*[]()~>#+-=|{}.!\"'"


def texts(outs: list) -> list[OutText]:
    return [o for o in outs if isinstance(o, OutText)]


@pytest.mark.parametrize("style", ["plain", "echo", "heading", "error", "note"])
def test_every_style_escapes_data(style: str) -> None:
    (out,) = render_reply(Reply((Text(NASTY, style),)))
    assert NASTY in parse_html(out.html)  # valid HTML that reads back as the original


def test_unescaped_markup_is_what_telegram_rejects() -> None:
    with pytest.raises(ApiError, match="can't parse entities"):
        parse_html(f"<b>{NASTY}</b>")


def test_table_is_a_pre_block_with_aligned_columns() -> None:
    table = Table(("name", "spend"), ((NASTY, "1 200"), ("Kazan Parts", "35")), title="Top & co")
    (out,) = render_reply(Reply((table,)))
    assert "<pre>" in out.html and "<b>Top &amp; co</b>" in out.html
    plain = parse_html(out.html)
    lines = plain.splitlines()
    assert (
        lines[0] == "Top & co" and lines[2].startswith("name") and lines[-1].endswith("   35")
    )  # numbers right-aligned
    assert "<Romashka & Sons>" in plain


def test_long_text_is_split_at_lines_and_every_chunk_is_valid() -> None:
    body = "\n".join(f"{i:04d} {NASTY} " + "x" * 60 for i in range(120))
    outs = texts(render_reply(Reply((Text(body),))))
    assert len(outs) >= 3
    for o in outs:
        assert tg_len(parse_html(o.html)) <= MAX_TEXT and tg_len(o.html) <= MAX_TEXT
    joined = "\n".join(parse_html(o.html) for o in outs)
    assert joined.count(NASTY) == 120  # nothing lost, no line cut in two


def test_long_table_repeats_its_header_in_each_chunk() -> None:
    rows = tuple((f"Customer {i} {NASTY}", str(i)) for i in range(200))
    outs = texts(
        render_reply(Reply((Table(("name", "n"), rows), Buttons((Button("Next", "tok1"),)))))
    )
    assert 1 < len(outs) <= 4
    assert all(o.html.count("<pre>") == o.html.count("</pre>") == 1 for o in outs)
    assert all(parse_html(o.html).startswith("name") for o in outs)
    assert outs[-1].keyboard is not None and all(o.keyboard is None for o in outs[:-1])


def test_huge_answer_goes_as_a_file() -> None:
    rows = tuple((f"Customer {i} {NASTY}", str(i)) for i in range(2000))
    outs = render_reply(Reply((Text("Moscow"), Table(("name", "n"), rows))))
    assert isinstance(outs[0], OutText) and isinstance(outs[1], OutDocument)
    content = outs[1].content.decode()
    assert content.count(NASTY) == 2000 and "Customer 1999" in content


def test_one_enormous_line_is_cut_without_breaking_entities() -> None:
    outs = texts(render_reply(Reply((Text("&" * 3000),))))
    assert len(outs) == 4 and sum(len(parse_html(o.html)) for o in outs) == 3000


def test_emoji_count_as_two_units() -> None:
    outs = texts(render_reply(Reply((Text("\n".join(["😀" * 50] * 60)),))))
    assert len(outs) == 2 and all(tg_len(parse_html(o.html)) <= MAX_TEXT for o in outs)


def test_buttons_become_rows_with_only_the_token() -> None:
    reply = Reply(
        (
            Text("pick"),
            Buttons((Button("◀ Previous", "a" * 32), Button("Next ▶", "b" * 32))),
            Buttons((Button("Confirm", "c1", "primary"), Button("Cancel", "c2", "danger"))),
        )
    )
    (out,) = render_reply(reply)
    rows = out.keyboard.inline_keyboard
    assert [[b.callback_data for b in r] for r in rows] == [["a" * 32, "b" * 32], ["c1", "c2"]]


def test_buttons_alone_still_make_a_message() -> None:
    (out,) = render_reply(Reply((Buttons((Button("Confirm", "t"),)),)))
    assert out.html and out.keyboard is not None


def test_files_and_images_keep_bytes_and_cut_captions() -> None:
    reply = Reply(
        (
            File("list.csv", b"a,b\n1,2\n", "text/csv", "Moscow & co"),
            Image("chart.png", b"\x89PNG\r\n\x1a\nxx", NASTY * 100),
        )
    )
    doc, photo = render_reply(reply)
    assert isinstance(doc, OutDocument) and doc.content == b"a,b\n1,2\n"
    assert doc.caption_html == "Moscow &amp; co"
    assert isinstance(photo, OutPhoto) and tg_len(parse_html(photo.caption_html)) <= MAX_CAPTION
    assert tg_len(photo.caption_html) <= MAX_CAPTION and photo.caption_html.endswith("…")
