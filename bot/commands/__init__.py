"""Every chat command, registered explicitly by importing its module here."""

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
