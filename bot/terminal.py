"""The terminal front end: the same chat as Slack and Telegram get, in a terminal or a pipe.

Tables render with rich; buttons become numbered choices, chosen by typing the number or the
label; files and images are saved to a folder and their paths printed. Piped input is read one
message per line, so sessions can be scripted.

Example::

    chat = TerminalChat(core, Identity("terminal", "local"), console=Console(), files_dir=Path("out"))
    await chat.say("Moscow buyers")
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text as RichText

from bot.buttons import KEY_PREFIX
from bot.core import ChatCore
from bot.i18n import translator
from bot.messages import Button, Buttons, File, Identity, Image, Reply, Request, Table, Text

__all__ = ["TerminalChat", "run_terminal"]

QUIT_WORDS = ("quit", "exit", "q", "выход", "выйти")  # end the terminal chat
_PAIRED = {"next": "prev"}  # numbered together, the earlier first: [1] ◀ Previous [2] Next ▶
_STYLES = {"echo": "cyan", "heading": "bold", "error": "red", "note": "yellow", "plain": ""}


class TerminalChat:
    """Converts lines in and renders replies out; the only state is the last buttons shown."""

    def __init__(self, core: ChatCore, who: Identity, *, console: Console, files_dir: Path) -> None:
        self.core = core
        self.who = who
        self.console = console
        self.files_dir = files_dir
        self.choices: dict[int, Button] = {}  # the last answer's buttons by their number
        self.numbers: dict[str, int] = {}  # a kind of button -> its number in this conversation
        self.saved: list[Path] = []

    def _request(self, line: str) -> Request:
        picked = self._pick(line)
        if picked is not None:
            return Request(self.who, "terminal", action=picked)
        return Request(self.who, "terminal", text=line)

    def _pick(self, line: str) -> str | None:
        """The action a line presses: a shown button's token (by number or label); for the
        number of a kind of button this answer does not show, ``@key``, which the core answers
        ("nothing to confirm", "this is the last page"); None for a message."""
        typed = line.strip().lower()
        if typed.isdigit():
            kind = next((k for k, n in self.numbers.items() if n == int(typed)), None)
            if kind and kind.startswith("key:"):
                return KEY_PREFIX + kind[4:]
            button = self.choices.get(int(typed))
        else:
            button = next((b for b in self.choices.values() if b.label.lower() == typed), None)
        if button is None:
            return None
        return KEY_PREFIX + button.key if button.key else button.token

    def _number(self, button: Button) -> int:
        """One number per kind of button for the whole conversation, never reused: ``Confirm``
        keeps its number after the change is done, and ◀ Previous / Next ▶ keep theirs on
        every page."""
        kind = f"key:{button.key}" if button.key else f"label:{button.label}"
        if kind not in self.numbers:
            partner = _PAIRED.get(button.key or "")
            if partner and f"key:{partner}" not in self.numbers:
                self.numbers[f"key:{partner}"] = len(self.numbers) + 1
            self.numbers[kind] = len(self.numbers) + 1
        return self.numbers[kind]

    async def say(self, line: str) -> list[Reply]:
        """Send one line (a message, or a choice among the last buttons) and render the replies."""
        replies = await self.core.handle(self._request(line))
        if any(isinstance(p, Buttons) and p.buttons for r in replies for p in r.parts):
            self.choices = {}  # an answer without buttons leaves the last ones usable
        for reply in replies:
            self.render(reply)
        return replies

    def render(self, reply: Reply) -> None:
        for part in reply.parts:
            if isinstance(part, Text):
                style = _STYLES[part.style]
                self.console.print(
                    RichText(part.text, style=style) if style else RichText(part.text)
                )
            elif isinstance(part, Table):
                table = RichTable(title=part.title, show_lines=False)
                for col in part.columns:
                    table.add_column(col, overflow="fold")
                for row in part.rows:
                    table.add_row(*row)
                self.console.print(table)
            elif isinstance(part, Buttons):
                labels = []
                for b in part.buttons:
                    number = self._number(b)
                    self.choices[number] = b
                    labels.append(f"[{number}] {b.label}")
                self.console.print(RichText("  ".join(labels), style="magenta"))
            elif isinstance(part, File | Image):
                path = self._save(part.filename, part.content)
                _ = translator(reply.language)
                saved = (
                    _("chart saved: {path}") if isinstance(part, Image) else _("file saved: {path}")
                )
                self.console.print(
                    RichText(
                        saved.format(path=path) + (f" — {part.caption}" if part.caption else ""),
                        style="green",
                    )
                )

    def _save(self, filename: str, content: bytes) -> Path:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        stem, dot, ext = Path(filename).name.partition(".")
        path = self.files_dir / filename
        n = 1
        while path.exists():
            n += 1
            path = self.files_dir / f"{stem}-{n}{dot}{ext}"
        path.write_bytes(content)
        self.saved.append(path)
        return path


async def run_terminal(
    chat: TerminalChat, *, interactive: bool, read: Callable[[], str | None] | None = None
) -> None:
    """Read lines until end of input, Ctrl-C, Ctrl-D or a quit word, and answer each.

    ``read`` returns the next line (None at the end; it may raise EOFError or KeyboardInterrupt
    as ``input`` does); by default the prompt, or standard input when it is a pipe.
    """
    reader = read or (lambda: _read_line(interactive))
    if interactive:
        _ = translator(await asyncio.to_thread(chat.core.language_for, chat.who))
        chat.console.print(
            RichText(
                _("custbot — type a question about your customers, 'help', or 'quit'."), "bold"
            )
        )
    while True:
        try:
            line = reader()
        except (EOFError, KeyboardInterrupt):
            if interactive:
                chat.console.print()  # the prompt's line ends before the shell's comes back
            break
        if line is None:
            break
        line = line.strip()
        if not line:
            continue
        if line.lower() in QUIT_WORDS:
            break
        if not interactive:
            chat.console.print(RichText(f"> {line}", style="dim"))
        await chat.say(line)


def _read_line(interactive: bool) -> str | None:
    if interactive:
        return input("> ")
    line = sys.stdin.readline()
    return line if line else None
