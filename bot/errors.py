"""The chat layer's exception types: a front end that cannot start, with the setting to fix.

Example::

    raise SlackConfigError("the bot token (xoxb-…) is missing: set $CUSTBOT_SLACK_BOT_TOKEN")
"""

from __future__ import annotations

__all__ = ["TelegramSetupError", "SlackConfigError"]


class TelegramSetupError(Exception):
    """The Telegram front end cannot start; the message says which setting to fix."""


class SlackConfigError(Exception):
    """Slack cannot start: the message names the missing environment variable."""
