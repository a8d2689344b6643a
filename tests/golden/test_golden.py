"""Every golden conversation, on SQLite and on PostgreSQL, against its one transcript.

A difference is a failure that shows the diff; ``pytest --update-golden tests/golden`` (or
``CUSTBOT_GOLDEN_UPDATE=1``) rewrites the transcripts instead. See docs/golden.md.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from bot.i18n import missing_messages
from tests.golden.conftest import Factory
from tests.golden.runner import Scenario, play, scenarios

SCENARIOS = scenarios()
_written: dict[str, str] = {}  # this session's updates, to check that both backends agree


def _update(config: pytest.Config) -> bool:
    return (
        bool(config.getoption("update_golden", False))
        or os.environ.get("CUSTBOT_GOLDEN_UPDATE") == "1"
    )


def _diff(expected: str, actual: str, name: str, what: str) -> str:
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            f"{name} ({what})",
            f"{name} (this run)",
        )
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_golden(
    scenario: Scenario,
    backend: str,
    golden_database: Factory,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing_messages("ru", clear=True)
    monkeypatch.chdir(tmp_path)  # files are saved under ./custbot-files, as for a user
    with golden_database(scenario.data) as engine:
        transcript = play(scenario, engine, Path("custbot-files"))
    if untranslated := missing_messages("ru", clear=True):
        pytest.fail(
            f"{scenario.name}: shown in Russian without a translation (add them to "
            f"bot/locale/ru/LC_MESSAGES/custbot.po, see docs/i18n.md): {sorted(untranslated)}",
            pytrace=False,
        )
    golden = scenario.golden
    if _update(request.config):
        if scenario.name in _written and _written[scenario.name] != transcript:
            pytest.fail(
                f"{scenario.name}: the transcript differs between backends ({backend} below):\n"
                + _diff(_written[scenario.name], transcript, scenario.name, "the other backend"),
                pytrace=False,
            )
        _written[scenario.name] = transcript
        if not golden.exists() or golden.read_text(encoding="utf-8") != transcript:
            golden.write_text(transcript, encoding="utf-8")
        return
    if not golden.exists():
        pytest.fail(
            f"{scenario.name}: no golden transcript yet at {golden}; run "
            "`pytest --update-golden tests/golden`, then read and commit it",
            pytrace=False,
        )
    expected = golden.read_text(encoding="utf-8")
    if transcript != expected:
        pytest.fail(
            f"{scenario.name} on {backend} differs from {golden.name} "
            "(- golden, + this run; if the change is right: pytest --update-golden tests/golden):\n"
            + _diff(expected, transcript, scenario.name, "golden"),
            pytrace=False,
        )
