"""Every chat command, registered explicitly by importing its module here."""

from __future__ import annotations

import bot.commands.follow_up_list  # noqa: F401 - issue 21: my follow-ups, reminders
import bot.commands.follow_ups  # noqa: F401 - issue 21: follow-ups
import bot.commands.log  # noqa: F401 - issue 21: log
from bot.commands import bulk, card, chart, export, help, mail, query, ratings, segments, undo  # noqa: F401
