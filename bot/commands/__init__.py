"""Every chat command, registered explicitly by importing its module here."""

# isort: skip_file
from __future__ import annotations

from bot.commands import (  # noqa: F401
    bulk,
    card,
    chart,
    export,
    help,
    mail,
    query,
    ratings,
    segments,
    subscription_list,
    subscriptions,
    undo,
)
from bot.commands import assign, contacts, create, edit  # noqa: F401 - issue 21: one customer
import bot.commands.follow_up_list  # noqa: F401 - issue 21: my follow-ups, reminders
import bot.commands.follow_ups  # noqa: F401 - issue 21: follow-ups
import bot.commands.log  # noqa: F401 - issue 21: log
import bot.commands.watch  # noqa: F401 - segment watches (issue 20)
