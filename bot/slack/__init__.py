"""The Slack front end (slack-bolt ``AsyncApp``): see docs/slack.md.

Example::

    from bot.slack import build_slack_app, run_slack
"""

from __future__ import annotations

from bot.slack.app import build_slack_app, clean_text, make_client
from bot.slack.blocks import render_parts, render_reply
from bot.slack.deliver import SlackOutbound
from bot.slack.run import SlackConfigError, asgi_app, run_slack

__all__ = [
    "build_slack_app",
    "run_slack",
    "asgi_app",
    "make_client",
    "clean_text",
    "render_parts",
    "render_reply",
    "SlackConfigError",
    "SlackOutbound",
]
