"""``ask`` and top N agree (issue #15 defect 6): a top-N answer is N rows, its count says how
many matched the conditions, ``--json`` says the same, and the footer never promises what
``--all`` does not do. The chat's heading of a top N says both numbers too."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import Engine

from bot.core import ChatCore
from bot.messages import Identity, Request, Table
from custbot.cli import main
from custbot.config import Settings
from storage.demo import DemoSummary
from tests.storage.demo_fixture import TODAY
from tests.storage.demo_fixture import demo as demo  # noqa: F401 - the shared fixture
from tests.storage.demo_fixture import demo_backend as demo_backend  # noqa: F401

TOP3 = "top 3 Kazan customers by spend this year"


def _ask(capsys: pytest.CaptureFixture[str], engine: Engine, *args: str) -> str:
    url = engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "--as-of", TODAY.isoformat(), "ask", *args]) == 0
    return capsys.readouterr().out


def test_top_n_is_n_rows_and_its_count_is_how_many_matched(
    demo: tuple[Engine, DemoSummary], capsys: pytest.CaptureFixture[str]
) -> None:
    engine, _ = demo
    everyone = json.loads(
        _ask(capsys, engine, "--json", "top 1000 Kazan customers by spend this year")
    )
    matched = len(everyone["customers"])
    assert 20 < matched == everyone["count"] < 1000
    for args in (("--json", TOP3), ("--json", "--all", TOP3)):
        out = json.loads(_ask(capsys, engine, *args))
        assert out["count"] == matched and out["top"] == 3
        assert [c["name"] for c in out["customers"]] == [
            c["name"] for c in everyone["customers"][:3]
        ]
    top20 = json.loads(_ask(capsys, engine, "--json", "top 20 Kazan customers by spend this year"))
    assert len(top20["customers"]) == 20 and top20["count"] == matched
    plain, plain_all = _ask(capsys, engine, TOP3), _ask(capsys, engine, "--all", TOP3)
    assert plain == plain_all and "--all" not in plain
    assert f"the top 3 of {matched} matching customers" in plain
    listed = _ask(capsys, engine, "Kazan")
    assert "--all shows every one" in listed  # a list is cut at 10, and --all does show all
    every = json.loads(_ask(capsys, engine, "--json", "--all", "Kazan"))
    assert len(every["customers"]) == every["count"] > 10


def test_the_chat_heading_of_a_top_n_says_n_and_how_many_matched(
    demo: tuple[Engine, DemoSummary], capsys: pytest.CaptureFixture[str]
) -> None:
    engine, _ = demo
    matched = json.loads(_ask(capsys, engine, "--json", TOP3))["count"]
    core = ChatCore(engine, Settings.model_validate({}), today=TODAY)
    replies = asyncio.run(core.handle(Request(Identity("terminal", "local"), "c", text=TOP3)))
    assert f"Top 3 of {matched} matching customers" in replies[0].text
    [table] = [p for p in replies[0].parts if isinstance(p, Table)]
    assert len(table.rows) == 3
