"""The terminal front end: rich tables, numbered buttons chosen by number or label, files saved
to a folder, and a scripted session read from a pipe through the real command line."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from rich.console import Console

from bot.core import ChatCore
from bot.messages import Identity
from bot.terminal import TerminalChat
from tests.bot.seed import MOSCOW, TODAY


def _chat(core: ChatCore, tmp_path: Path) -> tuple[TerminalChat, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    return TerminalChat(
        core, Identity("terminal", "Sidorov"), console=console, files_dir=tmp_path / "files"
    ), out


def test_buttons_are_numbered_and_chosen_by_number_or_label(core: ChatCore, tmp_path: Path) -> None:
    chat, out = _chat(core, tmp_path)
    asyncio.run(chat.say("Moscow"))
    screen = out.getvalue()
    assert (
        f"{MOSCOW} customers" in screen
        and "[2] Next ▶" in screen  # [1] is kept for ◀ Previous
        and "Client <02> & Co_*[]" in screen
    )
    asyncio.run(chat.say("2"))  # Next by number
    assert "│ 11 " in out.getvalue() or " 11 " in out.getvalue()
    assert "[1] ◀ Previous  [2] Next ▶" in out.getvalue()  # the same numbers on every page
    asyncio.run(chat.say("1"))  # ◀ Previous: page 1 again
    assert out.getvalue().count("Page 1 of") == 2
    asyncio.run(chat.say("export csv"))  # a button chosen by its label
    [path] = chat.saved
    assert path.exists() and len(pd.read_csv(path)) == MOSCOW
    assert f"file saved: {path}" in out.getvalue().replace("\n", "")


def test_charts_and_exports_are_saved_with_distinct_names(core: ChatCore, tmp_path: Path) -> None:
    chat, out = _chat(core, tmp_path)
    asyncio.run(chat.say("chart Moscow"))
    asyncio.run(chat.say("chart Kazan"))
    assert len(chat.saved) == 2 and chat.saved[0] != chat.saved[1]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in chat.saved)


def test_a_piped_session_through_custbot_chat(seeded, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = "\n".join(
        [
            "Moscow",
            "2",
            "card Romashka",
            "Moskow buyers",
            "export Kazan as xlsx",
            "quit",
            "never read",
        ]
    )
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from custbot.cli import main; sys.exit(main())",
            "--db",
            db_url,
            "--as-of",
            TODAY.isoformat(),
            "--as",
            "Sidorov",
            "chat",
            "--files",
            str(tmp_path / "out"),
        ],
        input=lines,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"{MOSCOW} customers" in out and "Romashka — B ★★" in out
    assert "did you mean" in out and "Moscow" in out
    assert "never read" not in out
    [xlsx] = list((tmp_path / "out").glob("*.xlsx"))
    assert len(pd.read_excel(xlsx)) == 35 - MOSCOW


def test_an_unknown_as_user_is_a_clear_error(seeded, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from custbot.cli import main; sys.exit(main())",
            "--db",
            db_url,
            "--as",
            "Nobody",
            "chat",
        ],
        input="Moscow\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        proc.returncode == 2
        and "no user has that name" in proc.stderr
        and "Traceback" not in proc.stderr
    )
