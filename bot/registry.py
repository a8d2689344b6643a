"""Commands are registered explicitly, documented where they are defined.

A handler's docstring is its help line; ``example`` is what ``help`` shows and what the tests
run. Words are matched case-insensitively at the start of the message, longest first.

Example::

    @command("card", example="card Romashka")
    def card(ctx: Context, args: str) -> list[Reply]:
        \"\"\"Show one customer's card.\"\"\"
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.messages import Reply

__all__ = ["Command", "Action", "command", "action", "COMMANDS", "ACTIONS", "match_command"]

Handler = Callable[..., list[Reply]]


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]  # the phrases that start it, e.g. ("set rating",)
    handler: Handler
    example: str
    role: str  # the least role that may use it
    topic: str  # help topic

    @property
    def name(self) -> str:
        return self.words[0]

    @property
    def help(self) -> str:
        doc = inspect.getdoc(self.handler) or ""
        return doc.splitlines()[0] if doc else ""


@dataclass(frozen=True)
class Action:
    kind: str  # the chat_state kind a button token points at
    handler: Handler
    owner_only: bool  # only the user who got the button may press it


COMMANDS: list[Command] = []
ACTIONS: dict[str, Action] = {}


def command(
    *words: str, example: str, role: str = "rep", topic: str = "general"
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        COMMANDS.append(Command(tuple(w.lower() for w in words), handler, example, role, topic))
        return handler

    return register


def action(kind: str, *, owner_only: bool = True) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ACTIONS[kind] = Action(kind, handler, owner_only)
        return handler

    return register


def drop_words(text: str, n: int) -> str:
    """``text`` without its first ``n`` words, the rest as typed (line breaks kept)."""
    return (
        re.sub(rf"^\s*(?:\S+\s+){{{n}}}", "", text.strip() + " ", count=1).rstrip(" ")
        if n
        else text.strip()
    )


def match_command(text: str) -> tuple[Command, str] | None:
    """The command ``text`` starts with (longest phrase wins, in any language of
    :mod:`bot.lexicon`) and the rest of the text, as typed."""
    from bot.lexicon import canonical

    text = canonical(text)
    lowered = " ".join(text.lower().split())
    best: tuple[Command, int] | None = None
    for cmd in COMMANDS:
        for phrase in cmd.words:
            if lowered == phrase or lowered.startswith(phrase + " "):
                if best is None or len(phrase.split()) > best[1]:
                    best = (cmd, len(phrase.split()))
    return (best[0], drop_words(text, best[1]).strip()) if best else None
