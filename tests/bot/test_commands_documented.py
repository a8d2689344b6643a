"""Every command has a help line and an example, and every example runs without an error."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import bot.commands  # noqa: F401 - registers the commands
from bot.commands.help import TOPICS
from bot.registry import ACTIONS, COMMANDS
from tests.bot.conftest import Person


def test_every_command_has_help_and_example() -> None:
    assert COMMANDS
    for cmd in COMMANDS:
        assert cmd.help, f"command {cmd.name!r} has no docstring (its help line)"
        assert cmd.example.lower().startswith(cmd.name), f"{cmd.name!r}: example {cmd.example!r}"
    for act in ACTIONS.values():
        assert inspect.getdoc(act.handler), f"button action {act.kind!r} has no docstring"


EXAMPLES = sorted({c.example for c in COMMANDS} | {e for _t, ex in TOPICS.values() for e in ex})


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_answers_without_error(admin: Person, example: str) -> None:
    admin.say(example)
    assert "error" not in admin.styles(), f"{example!r} → {admin.text()}"


def test_the_core_never_imports_a_chat_sdk() -> None:
    root = Path(__file__).resolve().parents[2] / "bot"
    for path in root.rglob("*.py"):
        if path.parts[-2] in ("telegram", "slack"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert name.split(".")[0] not in ("telegram", "slack_bolt", "slack_sdk"), (
                    f"{path} imports {name}"
                )
