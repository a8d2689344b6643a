"""What each front end shows for one reply, as reviewable text: the terminal's lines, the
Telegram messages (HTML and inline keyboard) and the Slack blocks, from the real renderers.

Files are summarised (columns, row count, first rows), charts appear as their data. Whatever
varies from run to run (temporary paths, wall-clock times) is normalised here, see
docs/golden.md.
"""

from __future__ import annotations

import csv
import io
import re
import struct
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from typing import Any

from bot.messages import File, Image, Reply
from bot.slack import blocks as slack_blocks
from bot.telegram import render as telegram_render

__all__ = ["telegram_lines", "slack_lines", "files_lines", "normalise", "FIRST_ROWS"]

FIRST_ROWS = 3  # rows of an exported file shown in a transcript
_WALL_CLOCK = re.compile(r"\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[+-]\d\d:\d\d|Z)?")


def normalise(text: str, files_dir: str) -> str:
    """An absolute path of the files folder becomes ``<files>``, wall-clock times ``<time>``;
    trailing blanks go."""
    text = text.replace(files_dir, "<files>")
    text = _WALL_CLOCK.sub("<time>", text)
    return "\n".join(line.rstrip() for line in text.splitlines())


def _indent(lines: Iterable[str], by: str = "  ") -> list[str]:
    return [f"{by}{line}" if line else "" for line in lines]


# --- Telegram ------------------------------------------------------------------------------


def telegram_lines(reply: Reply, language: str | None) -> list[str]:
    """The Bot API messages of ``reply`` as the Telegram front end sends them."""
    from bot.telegram.deliver import phrase

    out: list[str] = []
    outs = telegram_render.render_reply(reply, long_note=phrase("long", language))
    for n, item in enumerate(outs, 1):
        if isinstance(item, telegram_render.OutText):
            edit = (
                " (edits the message whose button was pressed)" if reply.replace and n == 1 else ""
            )
            out.append(f"message {n}{edit}:")
            out.extend(_indent(item.html.split("\n")))
            if item.keyboard is not None:
                for row in item.keyboard.inline_keyboard:
                    out.append("  keyboard: " + " ".join(f"[{b.text}]" for b in row))
        elif isinstance(item, telegram_render.OutDocument):
            out.append(f"document {n}: {item.filename}" + _caption(item.caption_html))
        elif isinstance(item, telegram_render.OutPhoto):
            out.append(f"photo {n}: {item.filename}" + _caption(item.caption_html))
    return out


def _caption(text: str) -> str:
    return f" — caption: {text}" if text else ""


# --- Slack ---------------------------------------------------------------------------------


def slack_lines(reply: Reply, language: str | None) -> list[str]:
    """The Block Kit messages and uploads of ``reply``, with the Share button the Slack front
    end adds to a private answer given in a channel."""
    messages, uploads = slack_blocks.render_parts(reply.parts, language=reply.language)
    if messages and reply.private and slack_blocks.has_customer_data(reply):
        messages[-1].blocks.append(_share_block(language))
    out: list[str] = []
    for n, message in enumerate(messages, 1):
        edit = (
            " (replaces the message whose button was pressed)" if reply.replace and n == 1 else ""
        )
        out.append(f"message {n}{edit} — notification: {_one_line(message.text)}")
        for block in message.blocks:
            out.extend(_indent(_block_lines(block)))
    for upload in uploads:
        out.append(f"upload: {upload.filename} — title: {upload.title}" + _comment(upload.comment))
    return out


def _share_block(language: str | None) -> dict[str, Any]:
    return slack_blocks.share_button("<share>", language)


def _comment(text: str) -> str:
    return f" — comment: {text}" if text else ""


def _one_line(text: str) -> str:
    text = " ⏎ ".join(text.splitlines())
    return text if len(text) <= 120 else text[:119] + "…"


def _block_lines(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [f"header: {block['text']['text']}"]
    if kind == "context":
        return [f"context: {_element_text(e)}" for e in block.get("elements", [])]
    if kind == "section":
        text = block["text"]
        lines = text["text"].split("\n")
        head = f"section ({text['type']}):"
        return [head, *_indent(lines, "    ")] if len(lines) > 1 else [f"{head} {lines[0]}"]
    if kind == "actions":
        out = ["actions:"]
        for e in block.get("elements", []):
            style = f" ({e['style']})" if "style" in e else ""
            out.append(f"    [{e['text']['text']}]{style} action_id={e.get('action_id')}")
            if confirm := e.get("confirm"):
                out.append(
                    "      confirm dialog: "
                    + " | ".join(
                        confirm[k]["text"]
                        for k in ("title", "text", "confirm", "deny")
                        if k in confirm
                    )
                )
        return out
    import json

    return [json.dumps(block, ensure_ascii=False, sort_keys=True)]


def _element_text(element: dict[str, Any]) -> str:
    text = element.get("text", "")
    return text if isinstance(text, str) else str(text)


# --- files and charts ----------------------------------------------------------------------


def files_lines(reply: Reply) -> list[str]:
    """Every file and chart of ``reply``, summarised once (the same for every front end)."""
    out: list[str] = []
    for part in reply.parts:
        if isinstance(part, Image):
            out.append(f"chart {part.filename}" + _caption(part.caption))
            out.extend(_indent(_chart_lines(part)))
        elif isinstance(part, File):
            out.append(f"file {part.filename} ({part.mime})" + _caption(part.caption))
            out.extend(_indent(_file_lines(part)))
    return out


def _chart_lines(image: Image) -> list[str]:
    chart = getattr(image, "chart", None)
    if chart is None:
        width, height = _png_size(image.content)
        return [f"(a {width}×{height} PNG; no chart data attached)"]
    return _data_lines(chart)


def _data_lines(value: Any, name: str = "") -> list[str]:
    """A dataclass (e.g. ``ChartData``) field by field; sequences one item a line."""
    if is_dataclass(value) and not isinstance(value, type):
        out: list[str] = []
        for f in fields(value):
            item = getattr(value, f.name)
            if (
                isinstance(item, list | tuple)
                and item
                and not isinstance(item[0], str | int | float)
            ):
                out.append(f"{f.name}:")
                for sub in item:
                    out.extend(_indent(_data_lines(sub)))
            else:
                out.append(f"{f.name}: {_value(item)}")
        return out
    return [f"{name}{_value(value)}"]


def _value(item: Any) -> str:
    if isinstance(item, float):
        return f"{item:.2f}"
    if isinstance(item, list | tuple):
        return "[" + ", ".join(_value(i) for i in item) + "]"
    return str(item)


def _png_size(content: bytes) -> tuple[int, int]:
    if content[:8] != b"\x89PNG\r\n\x1a\n":
        return (0, 0)
    width, height = struct.unpack(">II", content[16:24])
    return width, height


def _file_lines(part: File) -> list[str]:
    name = part.filename.lower()
    if name.endswith(".csv") or name.endswith(".txt"):
        text = part.content.decode("utf-8-sig", errors="replace")
        if name.endswith(".txt"):
            lines = text.splitlines()
            return [f"{len(lines)} lines", *lines[:FIRST_ROWS]]
        rows = list(csv.reader(io.StringIO(text)))
        return _table_summary(rows)
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(part.content), read_only=True)
        out: list[str] = []
        for sheet in book.worksheets:
            rows = [
                ["" if c is None else str(c) for c in row]
                for row in sheet.iter_rows(values_only=True)
            ]
            out.append(f"sheet {sheet.title}:")
            out.extend(_indent(_table_summary(rows)))
        return out
    return [f"{len(part.content)} bytes"]


def _table_summary(rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["(empty)"]
    header, body = rows[0], rows[1:]
    out = [f"columns: {', '.join(header)}", f"rows: {len(body)}"]
    out.extend(" | ".join(r) for r in body[:FIRST_ROWS])
    return out
