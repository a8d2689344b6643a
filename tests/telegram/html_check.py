"""Telegram's HTML parse mode, as strict as the real server: tags it knows, balanced, and every
``<``, ``>`` and ``&`` outside a tag or entity rejected with 400 "can't parse entities".

Example: ``parse_html("<b>A &amp; B</b>") == "A & B"``.
"""

from __future__ import annotations

import html
import re

__all__ = ["ApiError", "parse_html"]

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z-]*)((?:\s+[a-zA-Z-]+(?:=\"[^\"<]*\"|='[^'<]*')?)*)\s*>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


def parse_html(text: str) -> str:
    """Telegram's HTML parse mode: the plain text, or ApiError 400 like "can't parse entities"."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            m = _TAG.match(text, i)
            name = m.group(2).lower() if m else ""
            if not m or name not in _TAGS:
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: Unsupported start tag "
                    f'"{name or text[i + 1 : i + 8]}" at byte offset {i}',
                )
            if m.group(1):
                if not stack or stack[-1] != name:
                    raise ApiError(
                        400,
                        f"Bad Request: can't parse entities: Unmatched end tag at "
                        f'byte offset {i}, expected "</{stack[-1] if stack else ""}>"',
                    )
                stack.pop()
            else:
                stack.append(name)
            i = m.end()
        elif ch == "&":
            m = _ENTITY.match(text, i)
            if not m:
                raise ApiError(
                    400,
                    "Bad Request: can't parse entities: Character '&' is reserved "
                    f"and must be escaped with the preceding '\\' at byte offset {i}",
                )
            out.append(html.unescape(m.group(0)))
            i = m.end()
        elif ch == ">":
            raise ApiError(
                400, f"Bad Request: can't parse entities: unescaped '>' at byte offset {i}"
            )
        else:
            out.append(ch)
            i += 1
    if stack:
        raise ApiError(
            400,
            f"Bad Request: can't parse entities: Can't find end tag corresponding "
            f'to start tag "{stack[-1]}"',
        )
    return "".join(out)
