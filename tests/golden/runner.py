"""Golden conversations: a scenario file played through the real chat core and rendered as
every front end shows it. See docs/golden.md.

A scenario (``tests/golden/scenarios/NAME.chat``) is a few settings, ``---``, then one line per
thing the person does, typed into the terminal chat exactly as a person would type it: a
message, a button's number or its label. ``[Label]`` taps that button on an earlier message
(as Telegram and Slack keep them: double presses, stale buttons). ``^D`` / ``^C`` end the terminal's input; ``@as NAME``
switches to another user in the same database. Example::

    # Paging a long list to its last page
    data: demo-en
    user: local
    ---
    Kazan customers
    Next ▶
    2
"""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Engine

from bot.core import ChatCore
from bot.messages import Buttons, Identity, Reply, Request
from bot.terminal import TerminalChat, run_terminal
from tests.golden.transcript import files_lines, normalise, slack_lines, telegram_lines

__all__ = ["Scenario", "parse_scenario", "play", "SCENARIOS_DIR", "TRANSCRIPTS_DIR", "DATA_KINDS"]

HERE = Path(__file__).resolve().parent
SCENARIOS_DIR = HERE / "scenarios"
TRANSCRIPTS_DIR = HERE / "transcripts"
DATA_KINDS = (
    "demo-en",
    "demo-ru",
    "demo-en-computed",
    "demo-ru-computed",
    "empty",
    "demo-en-loyalty",  # as `custbot demo` leaves it: classes, rules, [loyalty] and first tiers
    "demo-ru-loyalty",
)
WIDTH = 110  # the terminal's columns
_KEYS = {"data", "user", "as-of", "scope", "language", "currency", "interactive"}
_DEFAULTS = {
    "data": "demo-en",
    "user": "local",
    "as-of": "2026-11-22",
    "scope": "all",
    "language": "en",
    "currency": "RUB",
    "interactive": "yes",
}


class ScenarioError(Exception):
    """A scenario file that cannot be played: says which file, which line and why."""


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    settings: dict[str, str]
    steps: tuple[str, ...]
    comment: tuple[str, ...] = field(default_factory=tuple)

    @property
    def golden(self) -> Path:
        return TRANSCRIPTS_DIR / f"{self.name}.txt"

    @property
    def data(self) -> str:
        return self.settings["data"]


def parse_scenario(path: Path) -> Scenario:
    """Read one ``.chat`` file: ``# comments``, ``key: value`` settings, ``---``, steps."""
    settings = dict(_DEFAULTS)
    comment: list[str] = []
    steps: list[str] = []
    in_steps = False
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not in_steps:
            if not line:
                continue
            if line.startswith("#"):
                comment.append(line.lstrip("#").strip())
            elif line == "---":
                in_steps = True
            else:
                key, sep, value = line.partition(":")
                key = key.strip().lower()
                if not sep or key not in _KEYS:
                    raise ScenarioError(
                        f"{path.name}:{n}: expected 'key: value' with a key among "
                        f"{', '.join(sorted(_KEYS))}, or '---' before the steps"
                    )
                settings[key] = value.strip()
        elif line and not line.startswith("#"):
            steps.append(line)
    steps = [expanded for step in steps for expanded in _expand(step, settings, path)]
    if settings["data"] not in DATA_KINDS:
        raise ScenarioError(f"{path.name}: data must be one of {', '.join(DATA_KINDS)}")
    if not steps:
        raise ScenarioError(f"{path.name}: no steps after '---'")
    return Scenario(path.stem, path, settings, tuple(steps), tuple(comment))


REPO = HERE.parent.parent
_CYRILLIC = re.compile("[А-Яа-яЁё]")


def _expand(step: str, settings: dict[str, str], path: Path) -> list[str]:
    """``@demo-hints``: every example the demo prints for its language; ``@examples FILE.md``:
    every chat line of the file's ``text`` blocks in the data's language (the ``> `` lines of a
    transcript, else each line; ``$`` shell lines and ``<placeholders>`` skipped)."""
    if step == "@demo-hints":
        from storage.demo_words import TEXT

        return list(TEXT[settings["data"].removeprefix("demo-")]["examples"])
    if step.startswith("@examples "):
        russian = settings["data"] == "demo-ru"  # the lines in the data's language
        return [
            line
            for line in _doc_examples(REPO / step.split(maxsplit=1)[1])
            if bool(_CYRILLIC.search(line)) == russian
        ]
    return [step]


def _doc_examples(doc: Path) -> list[str]:
    out: list[str] = []
    block: list[str] | None = None
    for line in doc.read_text(encoding="utf-8").splitlines():
        if block is None:
            block = [] if line.strip() == "```text" else None
            continue
        if line.strip() == "```":
            typed = [b[2:] for b in block if b.startswith("> ")] or block
            out += [
                t.strip() for t in typed if t.strip() and not t.startswith("$") and "<" not in t
            ]
            block = None
        else:
            block.append(line)
    return out


def scenarios() -> list[Scenario]:
    """Every scenario, by name."""
    return [parse_scenario(p) for p in sorted(SCENARIOS_DIR.glob("*.chat"))]


def _settings(s: dict[str, str]) -> Any:
    from custbot.config import Settings

    data: dict[str, Any] = {
        "currency": s["currency"],
        "language": s["language"],
        "access": {"scope": s["scope"]},
        "slack": {"allowed_teams": ["T1"]},
    }
    if s["data"].endswith(("-computed", "-loyalty")):  # the rules `custbot demo` writes
        from analytics.demo import DEMO_RULES

        data["rating"] = {"rules": DEMO_RULES[s["data"][5:7]]}
    if s["data"].endswith("-loyalty"):  # and its [loyalty]
        from analytics.demo import DEMO_LOYALTY

        data["loyalty"] = DEMO_LOYALTY[s["data"][5:7]].model_dump()
    return Settings.model_validate(data)


class _RecordingChat(TerminalChat):
    """The real terminal chat; also keeps each step's replies for the other renderers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.replies: list[Reply] = []
        self.seen: dict[str, str] = {}  # label -> token of the latest button with that label

    async def say(self, line: str) -> list[Reply]:
        if line.startswith("[") and line.endswith("]"):
            replies = await self._tap(line[1:-1].strip())
        else:
            replies = await super().say(line)
        self.replies.extend(replies)
        for reply in replies:
            for part in reply.parts:
                if isinstance(part, Buttons):
                    self.seen.update({b.label: b.token for b in part.buttons})
        return replies

    async def _tap(self, label: str) -> list[Reply]:
        """Tap a button of an earlier message (as in Telegram or Slack, where old messages keep
        their buttons): the latest button with that label, even when no longer current."""
        if label not in self.seen:
            raise ScenarioError(f"no button labelled {label!r} was shown before [{label}]")
        replies = await self.core.handle(Request(self.who, "terminal", action=self.seen[label]))
        if any(isinstance(p, Buttons) and p.buttons for r in replies for p in r.parts):
            self.choices = {}
        for reply in replies:
            self.render(reply)
        return replies


class _Player:
    def __init__(self, scenario: Scenario, engine: Engine, files_dir: Path) -> None:
        self.scenario = scenario
        self.files_dir = files_dir
        self.core = ChatCore(
            engine,
            _settings(scenario.settings),
            today=date.fromisoformat(scenario.settings["as-of"]),
        )
        self.buffer = io.StringIO()
        self.console = Console(
            file=self.buffer, width=WIDTH, color_system=None, force_terminal=False, highlight=False
        )
        self.out: list[str] = []
        self.chat = self._chat(scenario.settings["user"])

    def _chat(self, user: str) -> _RecordingChat:
        who = Identity("terminal", user)
        if self.core.identify(who) is None and user != "stranger":
            raise ScenarioError(
                f"{self.scenario.name}: no user '{user}' in the {self.scenario.data} data"
            )
        return _RecordingChat(self.core, who, console=self.console, files_dir=self.files_dir)

    def _language(self) -> str:
        finder = getattr(self.core, "language_for", None)
        return finder(self.chat.who) if finder else self.scenario.settings["language"]

    def _flush(self, title: str | None) -> None:
        """Write what the terminal printed and what the others would show since the last step."""
        terminal = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        replies, self.chat.replies = self.chat.replies, []
        if title is not None:
            self.out.append(title)
        if terminal and not terminal.strip():
            self.out.append("terminal: (a line break: the shell's prompt starts on a new line)")
        elif terminal:
            self.out.append("terminal:")
            self.out.extend(
                f"  {line}" if line else "" for line in terminal.rstrip("\n").split("\n")
            )
        language = self._language()
        for n, reply in enumerate(replies, 1):
            label = f" (reply {n} of {len(replies)})" if len(replies) > 1 else ""
            self.out.append(f"telegram{label}:")
            self.out.extend(f"  {line}" for line in telegram_lines(reply, language))
            self.out.append(f"slack{label}:")
            self.out.extend(f"  {line}" for line in slack_lines(reply, language))
            if files := files_lines(reply):
                self.out.append(f"files{label}:")
                self.out.extend(f"  {line}" for line in files)
        self.out.append("")

    def _run_watches(self) -> None:
        """Run the due watches as ``custbot serve`` would at 09:00 of the scenario's day and
        show each notice as its chat receives it."""
        from datetime import datetime, time

        from bot.watch_run import run_watches

        today = self.core.today()
        notices = run_watches(
            self.core, holder="golden", today=today, now=datetime.combine(today, time(9))
        )
        for notice in notices:
            self.chat.render(notice.reply)
            self.chat.replies.append(notice.reply)
            for part in notice.reply.parts:
                if isinstance(part, Buttons):
                    self.chat.seen.update({b.label: b.token for b in part.buttons})
        self._flush(
            f"@ watches run: {len(notices)} notices, to {sorted({n.chat for n in notices})}"
        )

    async def run(self) -> str:
        s = self.scenario.settings
        header = f"# {self.scenario.name}: " + " · ".join(f"{k} {s[k]}" for k in sorted(s))
        self.out = [header, *(f"# {c}" for c in self.scenario.comment), ""]
        pending = list(self.scenario.steps)
        state: dict[str, str | None] = {"title": "(start)"}

        def read() -> str | None:
            self._flush(state["title"])
            while pending:
                step = pending.pop(0)
                if step == "@watches":  # serve's watches job, its notices shown as sent
                    self._run_watches()
                    continue
                if step.startswith("@as "):
                    other = self._chat(step[4:].strip())  # the terminal loop keeps its chat:
                    self.chat.who, self.chat.choices, self.chat.numbers = other.who, {}, {}
                    self.out.extend([f"@ now typing as {step[4:].strip()}", ""])
                    continue
                state["title"] = f"> {step}"
                if step == "^D":
                    raise EOFError
                if step == "^C":
                    raise KeyboardInterrupt
                return step
            state["title"] = None
            return None

        await run_terminal(self.chat, interactive=s["interactive"] == "yes", read=read)
        if state["title"] is not None:  # the chat ended before the input did
            self._flush(state["title"])
            if pending:
                self.out.append(f"(the chat has ended; {len(pending)} steps were not typed)")
            else:
                self.out.append("(the chat has ended)")
        return normalise("\n".join(self.out).rstrip() + "\n", str(self.files_dir.resolve())) + "\n"


def play(scenario: Scenario, engine: Engine, files_dir: Path) -> str:
    """The transcript of ``scenario`` played on ``engine`` (a fresh copy of its data)."""
    return asyncio.run(_Player(scenario, engine, files_dir).run())
