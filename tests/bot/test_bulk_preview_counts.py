"""A bulk preview's headline is the number the confirmation changes (issue #15 defect 5): those
already in that state are shown apart, and a change that would change nobody says so and offers
nothing to confirm — rate, tag, untag, status and archive, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from tests.bot.conftest import Person
from tests.bot.seed import MOSCOW

_WOULD = re.compile(r"(\d+) customers would change|(1) customer would change")
_ALREADY = re.compile(r"(\d+) more match but already are so|(1) more matches but already is so")
_DONE = re.compile(r"for (\d+) customers \(batch")


def _number(pattern: re.Pattern[str], text: str) -> int | None:
    m = pattern.search(text)
    return None if m is None else int(next(g for g in m.groups() if g))


def _preview_then_confirm(manager: Person, command: str) -> tuple[int, int, int]:
    manager.say(command)
    shown = manager.text()
    would, already = _number(_WOULD, shown), _number(_ALREADY, shown) or 0
    assert would is not None, shown
    manager.press("Confirm")
    done = _number(_DONE, manager.text())
    assert done is not None, manager.text()
    return would, already, done


@pytest.mark.parametrize(
    ("setup", "command"),
    [
        ("rate A Kazan", "rate A Moscow or Kazan"),
        ("tag vip Kazan", "tag vip Moscow or Kazan"),
        ("tag gold Kazan", "untag gold Moscow or Kazan"),
        ("set status check Kazan", "set status check Moscow or Kazan"),
        ("archive Kazan", "archive Moscow or Kazan"),
    ],
)
def test_the_preview_says_the_number_the_confirmation_changes(
    manager: Person, setup: str, command: str
) -> None:
    """Kazan's customers are put in the target state first: the preview of the change for
    Moscow or Kazan must count only those it changes and show the rest apart."""
    manager.say("Kazan")
    kazan = int(manager.text().splitlines()[1].split()[0])
    manager.say(setup)
    manager.press("Confirm")
    manager.say("Moscow or Kazan")
    matched = int(manager.text().splitlines()[1].split()[0])
    would, already, done = _preview_then_confirm(manager, command)
    assert would == done and would + already == matched
    if command.startswith("untag"):  # only the tagged ones change; the others are apart
        assert would == kazan and already == MOSCOW
    elif command.startswith("archive"):  # archived customers leave the answers
        assert matched == MOSCOW and already == 0
    else:
        assert already >= kazan and matched == MOSCOW + kazan
    manager.say(command)
    assert re.search("nothing (would change|to change)", manager.text().lower())  # archived: gone
    assert "Confirm" not in {b.label for b in manager.buttons()}


def test_untag_where_nobody_has_the_tag_says_nothing_would_change(manager: Person) -> None:
    manager.say("untag nosuchtag Moscow")
    assert manager.text().splitlines()[1] == (
        f"Nothing would change: the {MOSCOW} matching customers are already so."
    )
    assert not manager.buttons()


def test_russian_preview_counts_the_change_too(manager: Person) -> None:
    manager.say("rate A Kazan")
    manager.press("Confirm")
    manager.say("Kazan")
    kazan = int(manager.text().splitlines()[1].split()[0])
    manager.say("оценить A Moscow или Kazan")
    lines = manager.text().splitlines()
    would = int(lines[1].removeprefix("Будет изменено клиентов: ").rstrip("."))
    assert lines[2] == f"Уже такие, останутся как есть: {MOSCOW + kazan - would}."
    assert MOSCOW + kazan - would >= kazan
    manager.press("Подтвердить")
    assert f"для {would} клиентов" in manager.text() or f": {would}" in manager.text()
    manager.say("оценить A Kazan")
    assert manager.text().splitlines()[1] == (
        f"Ничего не изменится: все подходящие клиенты ({kazan}) уже такие."
    )
