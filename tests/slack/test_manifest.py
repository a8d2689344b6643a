"""The app manifest declares what the front end listens to, and docs/slack.md covers setup."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from custbot.config import Settings

REPO = Path(__file__).resolve().parents[2]
MANIFEST = (REPO / "slack-manifest.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "needed",
    [
        f"- command: {Settings().slack.command}",
        "- app_home_opened",
        "- app_mention",
        "- message.im",
        "- chat:write ",
        "- commands ",
        "- files:write ",
        "- im:history",
        "- im:write ",
        "- app_mentions:read",
        "socket_mode_enabled: true",
        "home_tab_enabled: true",
    ],
)
def test_the_manifest_declares(needed: str) -> None:
    assert needed in MANIFEST


def test_every_request_url_is_the_events_path() -> None:
    from bot.slack.run import EVENTS_PATH

    urls = re.findall(r"(?:url|request_url): (\S+)", MANIFEST)
    assert len(urls) == 3 and all(u.endswith(EVENTS_PATH) for u in urls)


@pytest.mark.parametrize(
    "topic",
    [
        "slack-manifest.yml",
        "CUSTBOT_SLACK_BOT_TOKEN",
        "CUSTBOT_SLACK_APP_TOKEN",
        "CUSTBOT_SLACK_SIGNING_SECRET",
        "allowed_teams",
        'mode = "socket"',
        "/slack/events",
    ],
)
def test_the_docs_cover(topic: str) -> None:
    assert topic in (REPO / "docs" / "slack.md").read_text(encoding="utf-8")
