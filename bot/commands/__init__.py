"""Every chat command, registered explicitly by importing its module here."""

from __future__ import annotations

import bot.commands.watch  # noqa: F401 - segment watches (issue 20)
from bot.commands import bulk, card, chart, export, help, mail, query, ratings, segments, undo  # noqa: F401
