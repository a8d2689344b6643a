"""A person at the terminal, for tests that read single replies: type, press a button by its
label, and read the last answer's table, chart or CSV file — through the real chat core."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import Engine

from bot.core import ChatCore
from bot.messages import Buttons, ChartData, File, Identity, Image, Reply, Request, Table
from custbot.config import Settings


class Chat:
    def __init__(self, engine: Engine, today: date, **settings: Any) -> None:
        self.core = ChatCore(engine, Settings.model_validate(settings), today=today)
        self.last: list[Reply] = []

    def _send(self, **kw: str) -> list[Reply]:
        req = Request(Identity("terminal", "local"), "chat", **kw)  # type: ignore[arg-type]
        self.last = asyncio.run(self.core.handle(req))
        return self.last

    def say(self, text: str) -> list[Reply]:
        return self._send(text=text)

    def press(self, label: str) -> list[Reply]:
        buttons = [
            b for r in self.last for p in r.parts if isinstance(p, Buttons) for b in p.buttons
        ]
        return self._send(action=next(b.token for b in buttons if b.label == label))

    def table(self) -> Table:
        return next(p for r in self.last for p in r.parts if isinstance(p, Table))

    def chart(self) -> ChartData:
        images = [p for r in self.last for p in r.parts if isinstance(p, Image)]
        assert len(images) == 1, [r.text for r in self.last]
        assert images[0].content.startswith(b"\x89PNG") and images[0].chart is not None
        return images[0].chart

    def csv_rows(self) -> list[dict[str, str]]:
        files = [p for r in self.last for p in r.parts if isinstance(p, File)]
        assert len(files) == 1, [r.text for r in self.last]
        return list(csv.DictReader(io.StringIO(files[0].content.decode("utf-8-sig"))))
