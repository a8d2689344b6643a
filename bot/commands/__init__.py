"""Every chat command, registered explicitly by importing its module here."""

# isort: skip_file
from __future__ import annotations

from bot.commands import bulk, card, chart, export, help, mail, query, ratings, segments, undo  # noqa: F401
from bot.commands import assign, contacts, create, edit  # noqa: F401 - issue 21: one customer
