"""Every example of docs/subscriptions.md is typed into the chat on the demo data of its language
(``subscribe`` and ``digest`` blocks, as the demo's manager Sidorov) and its first run posts the
normal answer; its ``toml`` blocks load, and their digest runs."""

from __future__ import annotations

import asyncio
import re
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.core import ChatCore
from bot.messages import Identity, Text
from bot.outbound import OutboundRouter
from bot.scheduled import RunReport, run_due
from custbot.config import Settings
from storage.schema import subscriptions
from tests.bot.conftest import Person
from tests.bot.test_subscriptions import Recorder, settings
from tests.golden.conftest import AS_OF, Factory
from tests.golden.conftest import _golden_templates as _golden_templates  # noqa: F401
from tests.golden.conftest import golden_database as golden_database  # noqa: F401

DOC = Path(__file__).resolve().parents[2] / "docs" / "subscriptions.md"


def _blocks(kind: str) -> list[str]:
    found = re.findall(rf"^ *```{kind}\n(.*?)^ *```", DOC.read_text(), flags=re.M | re.S)
    return [line.strip() for block in found for line in block.splitlines() if line.strip()]


EXAMPLES = _blocks("subscribe") + _blocks("digest")


def test_the_doc_has_examples() -> None:
    assert len(_blocks("subscribe")) >= 10 and len(_blocks("digest")) >= 3
    assert (
        len(re.findall(r"^ *```toml", DOC.read_text(), flags=re.M)) >= 2
    )  # the watches part has its own


def _run(core: ChatCore, box: Recorder, now: datetime) -> RunReport:
    return asyncio.run(run_due(core, OutboundRouter({"terminal": box}), now, "doc"))


def _core(engine: Engine) -> ChatCore:
    """The demo's people have no messenger: everything goes to ``terminal:NAME``."""
    return ChatCore(engine, Settings.model_validate({"access": {"scope": "own"}}), today=AS_OF)


@pytest.mark.parametrize("line", EXAMPLES)
def test_doc_example_subscribes_and_posts(golden_database: Factory, line: str) -> None:  # noqa: F811
    russian = bool(re.search("[а-я]", line))
    with golden_database("demo-ru" if russian else "demo-en") as engine:
        manager = Person(_core(engine), Identity("terminal", "Сидоров" if russian else "Sidorov"))
        manager.say(line)
        assert "error" not in manager.styles(), f"{line!r} → {manager.text()}"
        with engine.connect() as conn:
            first = conn.execute(select(subscriptions.c.next_run_at)).scalar_one()
        box = Recorder()
        report = _run(_core(engine), box, first + timedelta(minutes=1))
    assert report.sent >= 1 and report.failed == 0, (line, report)
    for _chat, reply in box.sent:
        styles = [p.style for p in reply.parts if isinstance(p, Text)]
        assert "error" not in styles, reply.text


def test_doc_configuration_loads_and_its_digest_runs(golden_database: Factory) -> None:  # noqa: F811
    blocks = re.findall(r"^ *```toml\n(.*?)^ *```", DOC.read_text(), flags=re.M | re.S)
    users = tomllib.loads("\n".join(line.strip() for line in blocks[0].splitlines()))
    digests = tomllib.loads(blocks[1])
    assert users["users"][0]["team_channel"].startswith("telegram:")
    assert settings().model_validate(settings().model_dump() | users).users[0].team_channel
    s = Settings.model_validate({"access": {"scope": "own"}} | digests)
    box = Recorder()
    with golden_database("demo-en") as engine:
        core = ChatCore(engine, s, today=AS_OF)
        _run(core, box, datetime(2026, 11, 22, 12))
        report = _run(core, box, datetime(2026, 11, 23, 5, 1))
    assert report.sent >= 3 and report.failed == 0, report
