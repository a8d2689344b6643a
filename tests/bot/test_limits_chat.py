"""Through the chat (issue #16, defects 1 and 7): the pathological question answers, a slow
question is cut off by the statement timeout and said in the user's language, and an internal
error shows a reference, never its text."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine

from bot.core import ChatCore
from bot.registry import COMMANDS, Command
from tests.bot.conftest import Person, make_settings, tg
from tests.bot.seed import TODAY
from tests.query_language.test_limits import PATHOLOGICAL, slow_tags


def test_the_pathological_question_answers(rep: Person) -> None:
    plain = rep.say("Moscow and vip")[0].text
    assert rep.say(PATHOLOGICAL)[0].text == plain


def test_a_slow_question_is_cut_off_and_said_in_the_users_language(seeded: Engine) -> None:
    core = ChatCore(seeded, make_settings(limits__statement_timeout_ms=50), today=TODAY)
    person = Person(core, tg(1003))
    with slow_tags(seeded):
        person.say("vip")
        assert "takes too long — narrow it" in person.text()
        assert "Nothing was changed" in person.text()
        person.say("сколько vip")
        assert "слишком долго — сузьте" in person.text()
    person.say("Moscow and vip")
    assert "takes too long" not in person.text() and "Moscow" in person.text()


@pytest.fixture
def broken_command() -> object:
    def explode(ctx, args):  # type: ignore[no-untyped-def]
        """Fails inside (a test stand-in for a bug)."""
        raise RuntimeError("SECRET-INTERNAL-DETAIL in /srv/custbot/x.py")

    cmd = Command(("explode now",), explode, "explode now", "rep", "general")
    COMMANDS.insert(0, cmd)
    yield cmd
    COMMANDS.remove(cmd)


def test_an_internal_error_shows_a_ref_not_its_text(
    rep: Person, broken_command: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="custbot.chat"):
        text = rep.say("explode now")[0].text
    assert "SECRET" not in text and "RuntimeError" not in text
    ref = text.split("(ref ")[1].split(")")[0]
    assert len(ref) == 6
    logged = [r for r in caplog.records if ref in r.getMessage()]
    assert logged and "SECRET-INTERNAL-DETAIL" in caplog.text  # the traceback is in the log
