"""The demo arrives computed (issue #15 defect 4): after ``custbot demo`` (en and ru, SQLite and
PostgreSQL) ``chart abc``, ``chart rfm``, the abc/xyz/rfm columns of an export, ``explain`` and
``recompute ratings`` all work through the real chat core, with the example rules the demo wrote
into its configuration; a recompute that changes nothing makes no batch."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from analytics.demo import DEMO_LOYALTY, DEMO_RULES
from bot.core import ChatCore
from bot.messages import Buttons, File, Identity, Image, Reply, Request, Table
from custbot.cli import main
from custbot.config import load_settings
from storage.schema import batches, customers

AS_OF = "2026-11-22"
WORDS = {
    "en": {
        "abc": "chart abc",
        "rfm": "chart rfm",
        "export": "export vip",
        "explain": "explain Romashka",
        "recompute": "recompute ratings",
        "confirm": "Confirm",
        "columns": ("abc", "xyz", "rfm_segment"),
    },
    "ru": {
        "abc": "график abc",
        "rfm": "график rfm",
        "export": "экспорт vip",
        "explain": "объясни Ромашка",
        "recompute": "пересчитать рейтинги",
        "confirm": "Подтвердить",
        "columns": ("ABC", "XYZ", "сегмент RFM"),  # an export's columns in the reader's language
    },
}


class _Chat:
    def __init__(self, core: ChatCore) -> None:
        self.core, self.last = core, []  # type: ignore[var-annotated]

    def say(self, text: str) -> list[Reply]:
        req = Request(Identity("terminal", "local"), "demo", text=text)
        self.last = asyncio.run(self.core.handle(req))
        return self.last

    def press(self, label: str) -> list[Reply]:
        buttons = [
            b for r in self.last for p in r.parts if isinstance(p, Buttons) for b in p.buttons
        ]
        token = next(b.token for b in buttons if b.label == label)
        self.last = asyncio.run(
            self.core.handle(Request(Identity("terminal", "local"), "demo", action=token))
        )
        return self.last

    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    def part(self, kind: type) -> object:
        return next(p for r in self.last for p in r.parts if isinstance(p, kind))


def _batches(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(batches)) or 0)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_demo_arrives_computed(
    engine: Engine,
    db_url: str,
    lang: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    args = ["--db", db_url, "--as-of", AS_OF, "demo", "--lang", lang, "--customers", "400"]
    assert main(args) == 0
    assert "classes computed" in capsys.readouterr().out
    settings = load_settings(Path("custbot.toml"), {"database.url": db_url})
    assert settings.rating.rules == DEMO_RULES[lang] and settings.language == lang
    assert settings.loyalty == DEMO_LOYALTY[lang]  # and the demo's customers have tiers:
    with engine.connect() as conn:
        counted = conn.execute(select(customers.c.tier, func.count()).group_by(customers.c.tier))
        tiers = {tier: n for tier, n in counted}
    assert {"bronze", "silver", "gold"} <= set(tiers) and tiers["gold"] < tiers["bronze"]
    w = WORDS[lang]
    chat = _Chat(ChatCore(engine, settings, today=date(2026, 11, 22)))

    chat.say(w["abc"])
    abc = chat.part(Image).chart  # type: ignore[attr-defined]
    assert abc.kind == "curve" and abc.series and abc.series[0].values[-1] == 100
    chat.say(w["rfm"])
    rfm = chat.part(Image).chart  # type: ignore[attr-defined]
    assert sum(sum(s.values) for s in rfm.series) > 100

    chat.say(w["export"])
    exported = chat.part(File)
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))  # type: ignore[attr-defined]
    abc, xyz, rfm_segment = w["columns"]
    assert rows and all(r[abc] in ("A", "B", "C") for r in rows)
    assert any(r[xyz] for r in rows) and any(r[rfm_segment] for r in rows)

    chat.say(w["explain"])
    explained = chat.text()
    assert (
        "ABC " in explained and "not computed" not in explained and "не рассчитаны" not in explained
    )
    assert ("RUB\u00a0" in explained or "\u00a0₽" in explained) and ".59" not in explained
    assert ("Loyalty: " if lang == "en" else "Лояльность: ") in explained

    # the demo speaks first: its subscription and digest are listed, its watch has its baseline
    chat.say("subscriptions" if lang == "en" else "подписки")
    listed = chat.part(Table)
    assert len(listed.rows) >= 1, chat.text()  # type: ignore[attr-defined]
    chat.say("watches" if lang == "en" else "наблюдения")
    (watch,) = chat.part(Table).rows  # type: ignore[attr-defined]
    assert int(watch[3]) > 0 and watch[4] == AS_OF, watch  # customers now, checked today

    before = _batches(engine)
    chat.say(w["recompute"])
    chat.press(w["confirm"])
    assert _batches(engine) == before + 1
    chat.say(w["recompute"])  # everything is as the rules say now
    assert w["confirm"] not in [
        b.label for r in chat.last for p in r.parts if isinstance(p, Buttons) for b in p.buttons
    ]
    assert main(["--db", db_url, "--as-of", AS_OF, "--config", "custbot.toml", "recompute"]) == 0
    assert "No rating changed, so no batch was made." in capsys.readouterr().out
    assert _batches(engine) == before + 1


def test_the_demo_keeps_a_configuration_it_finds(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    Path("custbot.toml").write_text('currency = "EUR"\n', encoding="utf-8")
    assert main(["--db", db_url, "--as-of", AS_OF, "demo", "--customers", "150"]) == 0
    assert Path("custbot.toml").read_text(encoding="utf-8") == 'currency = "EUR"\n'
