"""Block Kit rendering: one neutral :class:`~bot.messages.Reply` → Slack messages and uploads.

Every limit Slack enforces is respected here, so no reply is ever rejected: long texts and
tables are split over several sections, more than 50 blocks over several messages, and a table
too large for a chat message becomes a CSV file.

Example::

    out = render_reply(Reply((Text("Moscow buyers", "echo"), Table(("Name",), (("Acme",),)))))
    out[0].blocks[0]["type"]   # 'context'
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.i18n import plural_translator, translator
from bot.messages import Button, Buttons, File, Image, Part, Reply, Table, Text

__all__ = [
    "ACTION_PREFIX",
    "SHARE_ACTION",
    "MAX_BLOCKS",
    "SlackMessage",
    "SlackUpload",
    "render_reply",
    "render_parts",
    "share_button",
    "has_customer_data",
]

ACTION_PREFIX = "custbot:"  # action_id of a core button: custbot:<n>; its value is the token
SHARE_ACTION = "custbot_share"
MAX_BLOCKS = 50  # a message; a Home tab takes 100
SECTION_CHARS = 3000
BUTTON_TEXT = 75
ACTIONS_PER_BLOCK = 25
CELL_CHARS = 40  # one table cell in the monospace rendering
TABLE_MAX_SECTIONS = 12  # beyond this a table goes as a CSV file
FALLBACK_CHARS = 3000  # the notification text of a message


@dataclass
class SlackMessage:
    """One chat message: ``blocks`` plus the notification ``text``."""

    blocks: list[dict] = field(default_factory=list)
    text: str = ""


@dataclass(frozen=True)
class SlackUpload:
    """A file to send with ``files_upload_v2``."""

    filename: str
    content: bytes
    title: str
    comment: str = ""


def _escape(text: str) -> str:
    """Slack's three control characters as entities, in every text we send (block text, button
    labels, the notification text, file titles and comments): a customer named ``<!channel>``
    reaches Slack as those characters, never as a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escaped(text: str, limit: int) -> str:
    """``text`` escaped, cut (with an ellipsis) so that it fits ``limit`` characters escaped,
    never in the middle of an entity."""
    out = _escape(text)
    if len(out) <= limit:
        return out
    raw = text[: limit - 1]
    while len(_escape(raw)) > limit - 1:
        raw = raw[:-1]
    return _escape(raw) + "…"


def _escaped_chunks(text: str, size: int) -> list[str]:
    """``text`` in escaped pieces of at most ``size`` characters (entities stay whole)."""
    out: list[str] = []
    for piece in _chunks(text, size):
        escaped = _escape(piece)
        out += [escaped] if len(escaped) <= size else _escaped_chunks(piece, max(1, size // 2))
    return out


def _chunks(text: str, size: int) -> list[str]:
    """Split ``text`` into pieces of at most ``size`` characters, on line ends when possible."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:size])
            line = line[size:]
        if len(current) + len(line) > size:
            pieces.append(current)
            current = ""
        current += line
    if current or not pieces:
        pieces.append(current)
    return [p.rstrip("\n") or " " for p in pieces]


def _text_blocks(part: Text) -> list[dict]:
    if part.style == "heading" and len(_escape(part.text)) <= 150 and "\n" not in part.text:
        return [
            {"type": "header", "text": {"type": "plain_text", "text": _escape(part.text) or " "}}
        ]
    text = f"⚠️ {part.text}" if part.style == "error" else part.text
    if part.style in ("echo", "note"):  # plain text: names full of * _ ~ stay as typed
        return [
            {"type": "context", "elements": [{"type": "plain_text", "text": c, "emoji": False}]}
            for c in _escaped_chunks(text, SECTION_CHARS)
        ]
    return [
        {"type": "section", "text": {"type": "plain_text", "text": c, "emoji": False}}
        for c in _escaped_chunks(text, SECTION_CHARS)
    ]


def _cell(value: str) -> str:
    value = " ".join(str(value).split()).replace("```", "'''")
    return value if len(value) <= CELL_CHARS else value[: CELL_CHARS - 1] + "…"


def _table_lines(table: Table) -> list[str]:
    rows = [tuple(_cell(c) for c in table.columns)] + [
        tuple(_cell(c) for c in r) for r in table.rows
    ]
    widths = [max(len(r[i]) if i < len(r) else 0 for r in rows) for i in range(len(table.columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def _table_blocks(table: Table) -> list[dict] | None:
    """Monospace sections of at most 3000 characters, or None when the table is too large."""
    budget = SECTION_CHARS - 10  # the ``` fences
    sections: list[str] = []
    current = ""
    for line in _table_lines(table):
        line = _escape(line)[:budget]
        if current and len(current) + len(line) + 1 > budget:
            sections.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    sections.append(current)
    if len(sections) > TABLE_MAX_SECTIONS:
        return None
    blocks: list[dict] = []
    if table.title:
        blocks += _text_blocks(Text(table.title, "heading"))
    blocks += [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"```\n{s}\n```"}} for s in sections
    ]
    return blocks


def _table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return out.getvalue().encode("utf-8-sig")


def _button(button: Button, index: int, _: Callable[[str], str]) -> dict:
    label = _escaped(button.label, BUTTON_TEXT)
    element: dict = {
        "type": "button",
        "text": {"type": "plain_text", "text": label or "…"},
        "value": button.token[:2000],
        "action_id": f"{ACTION_PREFIX}{index}",
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    if button.style == "danger":
        element["confirm"] = {
            "title": {"type": "plain_text", "text": _("Are you sure?")},
            "text": {
                "type": "plain_text",
                "text": _("{label}: this cannot be undone from here.").format(label=label),
            },
            "confirm": {"type": "plain_text", "text": _escaped(button.label, 30)},
            "deny": {"type": "plain_text", "text": _("Cancel")},
            "style": "danger",
        }
    return element


def _buttons_blocks(buttons: Buttons, start: int, _: Callable[[str], str]) -> list[dict]:
    elements = [_button(b, start + i, _) for i, b in enumerate(buttons.buttons)]
    return [
        {"type": "actions", "elements": elements[i : i + ACTIONS_PER_BLOCK]}
        for i in range(0, len(elements), ACTIONS_PER_BLOCK)
    ]


def share_button(token: str, language: str | None = None) -> dict:
    """The "Share in channel" actions block, in ``language``; ``token`` names the stored copy."""
    _ = translator(language)
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": _("Share in channel")},
                "value": token,
                "action_id": SHARE_ACTION,
            }
        ],
    }


def has_customer_data(reply: Reply) -> bool:
    """Whether the reply shows data worth sharing: a table or a heading, and no Confirm button
    (refusals, notes and pending confirmations are not shared)."""
    confirming = any(
        b.style != "default" for p in reply.parts if isinstance(p, Buttons) for b in p.buttons
    )
    shows = any(
        isinstance(p, Table) or (isinstance(p, Text) and p.style == "heading") for p in reply.parts
    )
    return shows and not confirming


def render_parts(
    parts: tuple[Part, ...] | list[Part],
    max_blocks: int = MAX_BLOCKS,
    language: str | None = None,
) -> tuple[list[SlackMessage], list[SlackUpload]]:
    """Messages of at most ``max_blocks`` blocks, and the files among ``parts`` (in order).

    Example::

        messages, uploads = render_parts([Text("hi")])
    """
    _ = translator(language)
    blocks: list[dict] = []
    uploads: list[SlackUpload] = []
    texts: list[str] = []
    buttons = 0
    for part in parts:
        if isinstance(part, Text):
            blocks += _text_blocks(part)
            texts.append(part.text)
        elif isinstance(part, Table):
            rendered = _table_blocks(part)
            if rendered is None:
                name = (part.title or "table").strip().replace(" ", "-")[:60] or "table"
                note = _("{n} rows: too long for a message, sent as {name}.csv").format(
                    n=len(part.rows), name=name
                )
                title = _escape(part.title or name)
                uploads.append(SlackUpload(f"{name}.csv", _table_csv(part), title, _escape(note)))
                blocks += _text_blocks(Text(note, "note"))
            else:
                blocks += rendered
            ngettext = plural_translator(language)
            texts.append(
                part.title
                or ngettext("{n} row", "{n} rows", len(part.rows)).format(n=len(part.rows))
            )
        elif isinstance(part, Buttons):
            blocks += _buttons_blocks(part, buttons, _)
            buttons += len(part.buttons)
        elif isinstance(part, File | Image):
            uploads.append(
                SlackUpload(
                    part.filename, part.content, _escape(part.filename), _escape(part.caption)
                )
            )
    summary = _escaped("\n".join(t for t in texts if t), FALLBACK_CHARS) or "custbot"
    messages = [
        SlackMessage(blocks[i : i + max_blocks], summary) for i in range(0, len(blocks), max_blocks)
    ]
    return messages, uploads


def render_reply(reply: Reply) -> list[SlackMessage]:
    """The messages of ``reply`` (files aside: see :func:`render_parts`)."""
    return render_parts(reply.parts, language=reply.language)[0]
