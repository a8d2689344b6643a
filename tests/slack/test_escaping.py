"""Customer text reaches Slack as text (issue #16, defect 8): ``<``, ``>`` and ``&`` are escaped
in everything customers' data fills — answers, cards, button labels, the notification text,
Share re-posts and scheduled notifications — so ``<!channel>`` in a name never pings anyone.
The real bolt app and chat core against the loopback Web API."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from bot.messages import Reply, Table, Text
from bot.slack import make_client
from bot.slack.deliver import SlackOutbound
from storage.schema import customers
from tests.slack.conftest import drain
from tests.slack.factories import SlackDriver, button, buttons
from tests.slack.web_api import BOT_TOKEN, WebApiStandIn

LOUD = "<!channel> Big & <Co>"
LOUDER = "<!here> Big & <@U2>"
SAFE = "&lt;!channel&gt; Big &amp; &lt;Co&gt;"


@pytest.fixture(autouse=True)
def loud_customers(populated: Engine) -> None:
    with populated.begin() as conn:
        conn.execute(
            insert(customers),
            [
                {"id": 41, "external_id": "L041", "name": LOUD, "city": "Moscow",
                 "manager_id": 1, "email": "loud@example.com", "created_at": date(2025, 1, 1)},
                {"id": 42, "external_id": "L042", "name": LOUDER, "city": "Omsk",
                 "manager_id": 1, "email": "louder@example.com", "created_at": date(2025, 1, 1)},
            ],
        )  # fmt: skip


def _strings(value: Any) -> list[str]:
    """Every string sent, at any depth (block texts, labels, the notification text…)."""
    if isinstance(value, str):
        try:
            return _strings(json.loads(value)) if value[:1] in "[{" else [value]
        except ValueError:
            return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in ("_url", "value") for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _assert_escaped(args: dict) -> str:
    sent = "\n".join(_strings(args))
    for raw in ("<!channel>", "<!here>", "<@U2>", "& <", "Big & "):
        assert raw not in sent, f"{raw!r} reached Slack raw: {sent[:500]}"
    return sent


async def test_a_list_and_its_share_in_channel_carry_the_name_as_text(slack: SlackDriver) -> None:
    await slack.mention("Moscow")
    (answer,) = await slack.api.wait_for("chat.postEphemeral")
    assert SAFE in _assert_escaped(answer.args)
    await slack.press(button(answer.args["blocks"], "Share in channel"))
    (posted,) = await slack.api.wait_for("chat.postMessage")
    sent = _assert_escaped(posted.args)
    assert SAFE in sent and posted.args["channel"] == "C1"
    assert SAFE in posted.args["text"] or "rows" in posted.args["text"]  # the notification text
    await drain()


async def test_a_card_and_a_choice_of_cards_escape_headers_and_button_labels(
    slack: SlackDriver,
) -> None:
    await slack.command("card Big")  # both loud customers: one button each, named
    (choice,) = await slack.api.wait_for("response_url")
    sent = _assert_escaped(choice.args)
    labels = [b["text"]["text"] for b in buttons(choice.args["blocks"])]
    assert any(label.startswith("&lt;!channel&gt; Big &amp; &lt;Co&gt;") for label in labels)
    assert "&lt;!here&gt; Big &amp; &lt;@U2&gt;" in sent
    await slack.press(button(choice.args["blocks"], "&lt;!here&gt;"))
    card = (await slack.api.wait_for("response_url", 2))[1]
    header = _assert_escaped(card.args)
    assert "&lt;!here&gt; Big &amp; &lt;@U2&gt;" in header
    assert card.args["blocks"][0]["type"] == "header"
    await drain()


async def test_a_scheduled_notification_escapes_customer_text(
    api: WebApiStandIn, populated: Engine
) -> None:
    outbound = SlackOutbound(make_client(BOT_TOKEN, api.base_url), populated)
    report = Reply(
        (
            Text(f"Mailing done: 1 sent, to {LOUD}", "heading"),
            Text(f"Failed: {LOUDER}", "note"),
            Table(("name",), ((LOUD,), (LOUDER,)), title=f"Recipients of {LOUD}"),
        )
    )
    await outbound.send("C0123", report)
    (posted,) = await api.wait_for("chat.postMessage")
    sent = _assert_escaped(posted.args)
    assert f"Mailing done: 1 sent, to {SAFE}" in sent
    assert posted.args["text"].startswith(f"Mailing done: 1 sent, to {SAFE}")
