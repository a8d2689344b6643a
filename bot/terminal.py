"""The terminal front end: the same chat as Slack and Telegram get, in a terminal or a pipe.

Tables render with rich; buttons become numbered choices, chosen by typing the number or the
label; files and images are saved to a folder and their paths printed. Piped input is read one
message per line, so sessions can be scripted.

Example::

    chat = TerminalChat(core, Identity("terminal", "local"), console=Console(), files_dir=Path("out"))
    await chat.say("Moscow buyers")
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text as RichText

from bot.core import ChatCore
from bot.messages import Button, Buttons, File, Identity, Image, Reply, Request, Table, Text

__all__ = ["TerminalChat", "run_terminal"]

_STYLES = {"echo": "cyan", "heading": "bold", "error": "red", "note": "yellow", "plain": ""}


class TerminalChat:
    """Converts lines in and renders replies out; the only state is the last buttons shown."""

    def __init__(self, core: ChatCore, who: Identity, *, console: Console, files_dir: Path) -> None:
        self.core = core
        self.who = who
        self.console = console
        self.files_dir = files_dir
        self.choices: list[Button] = []
        self.saved: list[Path] = []

    def _request(self, line: str) -> Request:
        picked = self._pick(line)
        if picked is not None:
            return Request(self.who, "terminal", action=picked.token)
        return Request(self.who, "terminal", text=line)

    def _pick(self, line: str) -> Button | None:
        key = line.strip().lower()
        if key.isdigit() and 1 <= int(key) <= len(self.choices):
            return self.choices[int(key) - 1]
        return next((b for b in self.choices if b.label.lower() == key), None)

    async def say(self, line: str) -> list[Reply]:
        """Send one line (a message, or a choice among the last buttons) and render the replies."""
        replies = await self.core.handle(self._request(line))
        self.choices = []
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
                    self.choices.append(b)
                    labels.append(f"[{len(self.choices)}] {b.label}")
                self.console.print(RichText("  ".join(labels), style="magenta"))
            elif isinstance(part, File | Image):
                path = self._save(part.filename, part.content)
                kind = "chart" if isinstance(part, Image) else "file"
                self.console.print(
                    RichText(
                        f"{kind} saved: {path}" + (f" — {part.caption}" if part.caption else ""),
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
        chat.console.print(
            RichText("custbot — type a question about your customers, 'help', or 'quit'.", "bold")
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
        if line.lower() in ("quit", "exit", "q"):
            break
        if not interactive:
            chat.console.print(RichText(f"> {line}", style="dim"))
        await chat.say(line)


def _read_line(interactive: bool) -> str | None:
    if interactive:
        return input("> ")
    line = sys.stdin.readline()
    return line if line else None
