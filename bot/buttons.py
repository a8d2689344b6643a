"""Buttons across answers: one key per kind of action, what a user's last answer offered, and
the typed words that press one of its buttons.

Every button the core sends gets a ``key`` from what its token means (``next``, ``prev``,
``confirm``, ``cancel``, ``undo``, ``export_csv``, ``rate_B`` …). The keyed buttons of each
answer are remembered per user (one ``chat_state`` row of kind ``shown``, replaced by each answer), so that ``next``,
``далее``, ``confirm`` or a terminal's number for a button no longer shown press the right
button, or say plainly that there is none — never a query error.

Example::

    replies = key_buttons(ctx, replies)     # before ctx.flush()
    press_word(ctx, "далее")                # the next page of the last list, or a note
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.lexicon import BUTTON_WORDS
from bot.messages import Button, Buttons, Reply, Text
from bot.state import get, last_shown

__all__ = ["KEY_PREFIX", "button_key", "key_buttons", "word_key", "press_key"]

KEY_PREFIX = "@"  # an action "@next" means "the button keyed next on my last answer"
_CONFIRMS = {"confirm", "mail_confirm", "recompute"}


def button_key(kind: str, payload: dict[str, Any]) -> str | None:
    """The stable key of a button whose state is ``kind`` with ``payload``; None for one-off
    choices (a customer among namesakes, a reading of an ambiguous query)."""
    if kind in _CONFIRMS:
        return "confirm"
    if kind == "page":
        return str(payload.get("dir") or "next")
    if kind == "export":
        return f"export_{payload.get('format', 'csv')}"
    if kind == "bulk_start":
        value = payload.get("value")
        return f"{payload.get('op')}_{value}" if value is not None else str(payload.get("op"))
    if kind in {"cancel", "chart", "undo_start"}:
        return {"undo_start": "undo"}.get(kind, kind)
    return None


def key_buttons(ctx: Any, replies: list[Reply]) -> list[Reply]:
    """``replies`` with every button of this answer keyed; when it has buttons, the keyed ones
    are remembered as what the user was last offered (written with the answer's other states)."""
    kinds = {row["token"]: (row["kind"], row["payload"]) for row in ctx.pending_states}
    shown: dict[str, str] = {}

    def keyed(button: Button) -> Button:
        found = kinds.get(button.token)
        key = button.key or (button_key(*found) if found else None)
        if key is None:
            return button
        shown.setdefault(key, button.token)
        return replace(button, key=key)

    out = [
        replace(
            reply,
            parts=tuple(
                Buttons(tuple(keyed(b) for b in p.buttons)) if isinstance(p, Buttons) else p
                for p in reply.parts
            ),
        )
        for reply in replies
    ]
    if any(isinstance(p, Buttons) and p.buttons for r in replies for p in r.parts):
        ctx.shown = shown  # an answer without buttons (a note, help) leaves the last ones usable
    return out


def word_key(text: str) -> str | None:
    """The button key a typed word means (``next``, ``ещё`` → ``next``), or None."""
    typed = " ".join(text.lower().split()).strip(".!")
    return next((words[typed] for words in BUTTON_WORDS.values() if typed in words), None)


def _settled(conn: Any, key: str, token: str) -> bool:
    """A Confirm or Cancel whose change was already confirmed or cancelled: nothing waits."""
    if key not in ("confirm", "cancel"):
        return False
    st = get(conn, token)
    if st is not None and key == "cancel":
        st = get(conn, str(st.payload.get("confirm", "")))
    return st is None or st.used


def press_key(ctx: Any, key: str, press: Callable[[Any, str], list[Reply]]) -> list[Reply]:
    """Press the button keyed ``key`` on the user's last answer, or say there is none."""
    with ctx.engine.connect() as conn:
        shown = last_shown(conn, ctx.user.identity.key)
        if key in shown and not _settled(conn, key, shown[key]):
            return press(ctx, shown[key])
        shown.pop(key, None)
    _ = ctx._
    if key == "confirm":
        message = _("Nothing to confirm: no change is waiting for you.")
    elif key == "cancel":
        message = _("Nothing to cancel: no change is waiting for you.")
    elif key == "next":
        message = (
            _("This is the last page.")
            if "prev" in shown
            else _("There is no list to page through: ask a question first.")
        )
    elif key == "prev":
        message = (
            _("This is the first page.")
            if "next" in shown
            else _("There is no list to page through: ask a question first.")
        )
    else:
        message = _("That button is not on your last answer; ask again to get it.")
    return [Reply((Text(message, "note"),))]
