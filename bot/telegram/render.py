"""Neutral replies → what the Bot API is sent: HTML text chunks, inline keyboards, files, photos.

Everything that comes from the data is escaped with ``html.escape``; tables become ``<pre>``
blocks; a text over 4096 UTF-16 units is split at line boundaries (a table repeats its header
in each chunk), and an answer that would need more than a few messages goes as a text file.

Example::

    for out in render_reply(Reply((Text("Moscow: 3 customers"),))):
        print(out.html)          # 'Moscow: 3 customers'
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import Buttons, File, Image, Reply, Table, Text

__all__ = [
    "MAX_TEXT",
    "MAX_CAPTION",
    "OutText",
    "OutDocument",
    "OutPhoto",
    "Outgoing",
    "render_reply",
    "keyboard",
    "tg_len",
    "table_lines",
    "plain_text",
    "caption",
]

MAX_TEXT = 4096  # characters of a message, counted in UTF-16 code units
MAX_CAPTION = 1024
MAX_CHUNKS = 4  # more messages than this: send the answer as a file instead
MAX_CELL = 40  # a table cell wider than this is cut with an ellipsis


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


_STYLE = {
    "plain": ("", ""),
    "echo": ("<i>", "</i>"),
    "note": ("<i>", "</i>"),
    "heading": ("<b>", "</b>"),
    "error": ("⚠️ ", ""),
}


@dataclass(frozen=True)
class OutText:
    html: str
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class OutDocument:
    filename: str
    content: bytes
    caption_html: str = ""


@dataclass(frozen=True)
class OutPhoto:
    filename: str
    content: bytes
    caption_html: str = ""


Outgoing = OutText | OutDocument | OutPhoto


@dataclass(frozen=True)
class _Block:
    """Lines (already HTML) between an opening and a closing tag; ``head`` lines repeat."""

    lines: tuple[str, ...]
    open: str = ""
    close: str = ""
    head: int = 0

    def html(self) -> str:
        return self.open + "\n".join(self.lines) + self.close


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): ``tg_len("😀") == 2``."""
    return len(text.encode("utf-16-le")) // 2


def keyboard(groups: list[Buttons]) -> InlineKeyboardMarkup:
    """An inline keyboard whose callback_data is only the opaque token (≤ 64 bytes); each
    ``Buttons`` part starts a new row, and long rows wrap."""
    rows: list[list[InlineKeyboardButton]] = []
    for group in groups:
        rows.append([])
        width = 0
        for b in group.buttons:
            if len(b.token.encode()) > 64:
                raise ValueError(f"button {b.label!r}: token longer than Telegram's 64 bytes")
            if rows[-1] and (len(rows[-1]) >= 3 or width + len(b.label) > 36):
                rows.append([])
                width = 0
            rows[-1].append(InlineKeyboardButton(b.label[:64], callback_data=b.token))
            width += len(b.label)
    return InlineKeyboardMarkup([r for r in rows if r])


def _split_raw(line: str, budget: int) -> list[str]:
    """Cut one raw line into pieces whose escaped form fits ``budget``."""
    if tg_len(_esc(line)) <= budget:
        return [line]
    pieces: list[str] = []
    cur: list[str] = []
    size = 0
    for ch in line:
        n = tg_len(_esc(ch))
        if size + n > budget and cur:
            pieces.append("".join(cur))
            cur, size = [], 0
        cur.append(ch)
        size += n
    pieces.append("".join(cur))
    return pieces


def _text_block(part: Text, budget: int) -> _Block:
    opening, closing = _STYLE.get(part.style, ("", ""))
    lines: list[str] = []
    for raw in part.text.split("\n"):
        lines.extend(_esc(p) for p in _split_raw(raw, budget))
    if opening.startswith("<"):
        return _Block(tuple(lines), opening, closing)
    return _Block((opening + lines[0], *lines[1:]) if lines else (opening,))


def _cell(value: object, width: int | None = MAX_CELL) -> str:
    text = " ".join(str("" if value is None else value).split())
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def _numeric(values: list[str]) -> bool:
    cleaned = [v.replace(" ", "").replace(",", "").replace("%", "") for v in values if v]
    return bool(cleaned) and all(c.lstrip("-+").replace(".", "", 1).isdigit() for c in cleaned)


def table_lines(table: Table, max_cell: int | None = MAX_CELL) -> list[str]:
    """Plain monospace lines: header, rule, rows (numbers right-aligned)."""
    header = [_cell(c, max_cell) for c in table.columns]
    rows = [[_cell(v, max_cell) for v in row] for row in table.rows]
    ncol = max([len(header), *(len(r) for r in rows)], default=0)
    header += [""] * (ncol - len(header))
    rows = [r + [""] * (ncol - len(r)) for r in rows]
    widths = [max(len(x[i]) for x in [header, *rows]) for i in range(ncol)]
    right = [_numeric([r[i] for r in rows]) for i in range(ncol)]

    def fmt(cells: list[str]) -> str:
        out = [
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)
        ]
        return "  ".join(out).rstrip()

    return [fmt(header), "  ".join("─" * w for w in widths), *(fmt(r) for r in rows)]


def _table_blocks(table: Table, budget: int) -> list[_Block]:
    blocks = [_Block((f"<b>{_esc(table.title)}</b>",))] if table.title else []
    lines: list[str] = []
    for line in table_lines(table):
        lines.extend(_esc(p) for p in _split_raw(line, budget - 200))
    blocks.append(_Block(tuple(lines), "<pre>", "</pre>", head=min(2, len(lines))))
    return blocks


def _pieces(block: _Block, limit: int) -> list[str]:
    """The block's HTML in pieces of at most ``limit`` units, cut between lines."""
    if tg_len(block.html()) <= limit:
        return [block.html()]
    head, body = list(block.lines[: block.head]), list(block.lines[block.head :])
    fixed = tg_len(block.open + block.close) + sum(tg_len(h) + 1 for h in head)
    out, cur, size = [], list(head), fixed
    for line in body:
        n = tg_len(line) + 1
        if size + n > limit and len(cur) > len(head):
            out.append(block.open + "\n".join(cur) + block.close)
            cur, size = list(head), fixed
        cur.append(line)
        size += n
    out.append(block.open + "\n".join(cur) + block.close)
    return out


def _pack(blocks: list[_Block], limit: int) -> list[str]:
    chunks: list[str] = []
    size = 0
    for block in blocks:
        for piece in _pieces(block, limit):
            n = tg_len(piece)
            if chunks and size + 2 + n <= limit:
                chunks[-1] += "\n\n" + piece
                size += 2 + n
            else:
                chunks.append(piece)
                size = n
    return chunks


def plain_text(reply: Reply) -> str:
    """The whole reply as plain text, for an answer too long for messages."""
    out: list[str] = []
    for part in reply.parts:
        if isinstance(part, Text):
            out.append(part.text)
        elif isinstance(part, Table):
            out.append("\n".join(([part.title] if part.title else []) + table_lines(part, None)))
    return "\n\n".join(out) + "\n"


def caption(text: str) -> str:
    """Escaped caption cut to Telegram's 1024 units."""
    escaped = _esc(text)
    while tg_len(escaped) > MAX_CAPTION:
        text = text[: max(0, len(text) - max(1, (tg_len(escaped) - MAX_CAPTION) // 5))]
        escaped = _esc(text.rstrip()) + "…"
    return escaped


def render_reply(
    reply: Reply,
    *,
    long_note: str = "The answer is long, so here it is as a file.",
    limit: int = MAX_TEXT,
) -> list[Outgoing]:
    """Turn one neutral reply into Bot API messages, in order.

    Example: ``render_reply(Reply((Table(("name",), (("A&B",),)),)))[0].html``
    is ``'<pre>name\\n────\\nA&amp;B</pre>'``.
    """
    blocks: list[_Block] = []
    groups: list[Buttons] = []
    media: list[Outgoing] = []
    for part in reply.parts:
        if isinstance(part, Text):
            blocks.append(_text_block(part, limit - 100))
        elif isinstance(part, Table):
            blocks.extend(_table_blocks(part, limit))
        elif isinstance(part, Buttons) and part.buttons:
            groups.append(part)
        elif isinstance(part, File):
            media.append(OutDocument(part.filename, part.content, caption(part.caption)))
        elif isinstance(part, Image):
            media.append(OutPhoto(part.filename, part.content, caption(part.caption)))
    markup = keyboard(groups) if groups else None
    chunks = _pack(blocks, limit)
    if len(chunks) > MAX_CHUNKS:
        body = plain_text(reply).encode("utf-8")
        return [OutText(_esc(long_note), markup), OutDocument("answer.txt", body), *media]
    if markup is not None and not chunks:
        chunks = ["👇"]
    texts: list[Outgoing] = [OutText(c) for c in chunks]
    if markup is not None:
        texts[-1] = OutText(chunks[-1], markup)
    return [*texts, *media]
