"""The command line: global options anywhere, --as scope, one-line errors with exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from custbot.cli import COMMAND_MODULE, _past_globals, hoist_global_options, main
from tests.bot.seed import MOSCOW, seed


def test_global_options_are_honoured_before_or_after_the_subcommand() -> None:
    assert hoist_global_options(["ask", "vip", "--db", "x", "--json", "--as-of=2026-11-22"]) == [
        "--db",
        "x",
        "--as-of=2026-11-22",
        "ask",
        "vip",
        "--json",
    ]
    assert hoist_global_options(["ask", "--", "--db"]) == ["ask", "--", "--db"]


def test_each_command_imports_the_module_that_registers_it() -> None:
    """Running a command imports only its module (issue #19), so the map must name, for every
    command and group the modules register, the one that registers it."""
    probe = (
        "import importlib, json\n"
        "from custbot.cli import COMMAND_MODULES, app\n"
        "def names():\n"
        "    return {c.name for c in app.registered_commands} | "
        "{g.name for g in app.registered_groups}\n"
        "seen, where = names(), {}\n"
        "for module in COMMAND_MODULES:\n"
        "    importlib.import_module(module)\n"
        "    where.update(dict.fromkeys(names() - seen, module))\n"
        "    seen = names()\n"
        "print(json.dumps(where))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == COMMAND_MODULE


@pytest.mark.parametrize(
    "argv, first",
    [
        (["ask", "vip", "--db", "x"], "ask"),
        (["--db", "x", "--as-of=2026-11-22", "demo"], "demo"),
        (["--as", "Ivanov", "db", "upgrade"], "db"),
        (["--help"], "--help"),  # no command: every module is imported, help lists them all
        ([], None),
    ],
)
def test_the_command_is_found_past_the_global_options(argv: list[str], first: str | None) -> None:
    assert next(iter(_past_globals(hoist_global_options(argv))), None) == first


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"custbot {metadata.version('custbot')}\n"


def _ask(capsys, *args: str) -> tuple[int, dict, str]:  # type: ignore[no-untyped-def]
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, json.loads(out) if out.strip().startswith("{") else {}, err


def test_as_user_applies_their_scope(engine, db_url: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    config = tmp_path / "custbot.toml"
    config.write_text('[access]\nscope = "own"\n', encoding="utf-8")
    base = [
        "ask",
        "--json",
        "--all",
        "Moscow",
        "--db",
        db_url,
        "--as-of",
        "2026-11-22",
        "--config",
        str(config),
    ]
    status, everyone, _err = _ask(capsys, *base)
    assert status == 0 and everyone["count"] == MOSCOW
    status, own, _err = _ask(capsys, *base, "--as", "Ivanov")
    assert status == 0 and 0 < own["count"] < MOSCOW
    assert {c["manager"] for c in own["customers"]} <= {"Ivanov", "Ivan Ivanov"}
    status, _out, err = _ask(capsys, *base, "--as", "Nobody")
    assert status == 2 and "--as Nobody: no single user" in err


@pytest.mark.parametrize(
    "args, status, message",
    [
        (["ask", "vip", "--as-of", "22.11.2026"], 2, "is not a date; use YYYY-MM-DD"),
        (["frobnicate"], 2, "No such command"),
        (["ask", "vip", "--db", "sqlite:////nonexistent/dir/x.db"], 1, "database error"),
    ],
)
def test_errors_are_one_line_and_a_status(capsys, args, status, message) -> None:  # type: ignore[no-untyped-def]
    assert main(args) == status
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("command", [[], ["ask"], ["demo"], ["import"], ["recompute"], ["chat"]])
def test_help_shows_no_type_for_on_off_flags(command: list[str], capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--help" in out and "<bool>" not in out
