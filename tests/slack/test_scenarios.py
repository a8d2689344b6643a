"""Scenarios through the real bolt AsyncApp and the real chat core, against the loopback Web
API: signed requests in, what the user would see out."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import func, select

from bot.core import ChatCore
from bot.messages import Button, Buttons, File, Identity, Reply, Table, Text
from bot.slack.deliver import Delivery, Origin
from storage.schema import chat_state, processed_events
from tests.slack.conftest import drain
from tests.slack.factories import SlackDriver, button, buttons, texts


async def test_a_slash_command_is_acked_empty_and_answered_privately_with_share(
    slack: SlackDriver,
) -> None:
    response = await slack.command("help")
    assert response.status == 200 and response.body == ""
    (answer,) = await slack.api.wait_for("response_url")
    assert answer.args["response_type"] == "ephemeral"
    assert "rate A Moscow buyers" in texts(answer.args["blocks"])
    assert button(answer.args["blocks"], "Share in channel")["action_id"] == "custbot_share"
    await drain()
    assert not slack.api.of("chat.postMessage")  # nothing public


async def test_share_in_channel_reposts_once_without_buttons(slack: SlackDriver) -> None:
    await slack.command("help")
    (answer,) = await slack.api.wait_for("response_url")
    share = button(answer.args["blocks"], "Share in channel")
    assert (await slack.press(share)).status == 200
    (posted,) = await slack.api.wait_for("chat.postMessage")
    assert posted.args["channel"] == "C1"
    assert not buttons(posted.args["blocks"])
    assert "Shared by <@U1>" in texts(posted.args["blocks"])
    assert "rate A Moscow buyers" in texts(posted.args["blocks"])
    deleted = await slack.api.wait_for("response_url", 2)
    assert deleted[1].args == {"delete_original": True, "_url": deleted[1].args["_url"]}
    await slack.press(share)  # pressed again (a new press, not a redelivery)
    notes = await slack.api.wait_for("response_url", 3)
    assert "already" in texts(notes[2].args["blocks"])
    assert len(slack.api.of("chat.postMessage")) == 1


async def test_someone_else_cannot_share_my_answer(slack: SlackDriver) -> None:
    await slack.command("help")
    (answer,) = await slack.api.wait_for("response_url")
    await slack.press(button(answer.args["blocks"], "Share"), user="U2")
    await slack.api.wait_for("response_url", 2)
    await drain()
    assert not slack.api.of("chat.postMessage")


async def test_an_unknown_user_is_refused_politely(slack: SlackDriver) -> None:
    await slack.command("Moscow", user="U999")
    (answer,) = await slack.api.wait_for("response_url")
    assert "only talk to the sales team" in texts(answer.args["blocks"])
    assert not buttons(answer.args["blocks"])


async def test_a_workspace_outside_the_allowlist_is_refused_and_logged(
    slack: SlackDriver, core: ChatCore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "custbot.slack")
    response = await slack.command("help", team="T666", user="U1")
    assert response.status == 200
    (answer,) = await slack.api.wait_for("response_url")
    assert "workspace is not allowed" in texts(answer.args["blocks"])
    assert "refused Slack workspace T666" in caplog.text
    with core.engine.connect() as conn:  # the core was never asked
        assert conn.scalar(select(func.count()).select_from(processed_events)) == 0


@pytest.mark.parametrize("how", ["bad signature", "stale timestamp", "no signature"])
async def test_unsigned_or_stale_requests_get_401(slack: SlackDriver, how: str) -> None:
    body = slack.command_body("help")
    if how == "bad signature":
        response = await slack.send(body, secret="not-the-secret")
    elif how == "stale timestamp":
        response = await slack.send(body, timestamp=int(time.time()) - 600)
    else:
        from slack_bolt.request.async_request import AsyncBoltRequest

        response = await slack.app.async_dispatch(AsyncBoltRequest(body=body, headers={}))
    assert response.status == 401
    await drain()
    assert [c.method for c in slack.api.calls if c.method != "auth.test"] == []


async def test_a_direct_message_is_answered_in_the_dm_without_share(slack: SlackDriver) -> None:
    await slack.dm("whoami")
    (posted,) = await slack.api.wait_for("chat.postMessage")
    assert posted.args["channel"] == "DU1"
    assert "Share in channel" not in texts(posted.args["blocks"])


async def test_a_redelivered_event_has_one_side_effect(slack: SlackDriver, core: ChatCore) -> None:
    first = await slack.dm("help", event_id="EvSAME")
    again = await slack.dm("help", event_id="EvSAME", retry=1)  # while the first still runs
    assert first.status == again.status == 200
    await drain()
    await slack.dm("help", event_id="EvSAME", retry=2)
    await drain()
    assert len(slack.api.of("chat.postMessage")) == 1
    with core.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(processed_events)) == 1


async def test_a_replayed_button_press_has_one_side_effect(slack: SlackDriver) -> None:
    await slack.command("help")
    (answer,) = await slack.api.wait_for("response_url")
    share = button(answer.args["blocks"], "Share")
    await slack.press(share, action_ts="1700000000.000100")
    await slack.press(share, action_ts="1700000000.000100")  # the same request, replayed
    await drain()
    assert len(slack.api.of("chat.postMessage")) == 1
    assert (
        len(slack.api.of("response_url")) == 2
    )  # the answer and its deletion: no "already shared"


async def test_a_429_is_retried_after_retry_after(slack: SlackDriver) -> None:
    slack.api.fail_next("chat.postMessage", 429, retry_after=1)
    await slack.dm("help")
    calls = await slack.api.wait_for("chat.postMessage", 2)
    assert calls[1].at - calls[0].at >= 0.9
    await drain()
    assert len(slack.api.of("chat.postMessage")) == 2


async def test_a_mention_in_a_channel_answers_ephemerally(slack: SlackDriver) -> None:
    await slack.mention("help", channel="C7")
    (posted,) = await slack.api.wait_for("chat.postEphemeral")
    assert posted.args["channel"] == "C7" and posted.args["user"] == "U1"
    assert "Share in channel" in texts(posted.args["blocks"])


async def test_the_home_tab_shows_segments_and_changes(slack: SlackDriver) -> None:
    await slack.event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    (published,) = await slack.api.wait_for("views.publish")
    assert published.args["user_id"] == "U1"
    shown = texts(published.args["view"]["blocks"])
    assert "Saved segments" in shown and "recent changes" in shown


async def test_replies_beyond_block_kit_limits_are_split_or_filed_never_rejected(
    slack: SlackDriver, core: ChatCore
) -> None:
    huge = Reply(
        (
            Text("x" * 7000),
            *(Text(f"line {i}") for i in range(120)),
            Table(
                ("name", "city"),
                tuple((f"Customer {i} & <co>", "Moscow") for i in range(3000)),
                "Everyone",
            ),
            Buttons(tuple(Button("B" * 100 + str(i), f"tok{i}", "danger") for i in range(30))),
            File("a.csv", b"a,b\n1,2\n", "text/csv"),
        ),
        private=False,
    )
    origin = Origin(Identity("slack", "U1", "T1"), "C1")
    await Delivery(slack.app.client, core.engine, origin).send(huge)
    posted = slack.api.of("chat.postMessage")
    # 3 sections of 3000 characters + 120 lines + the file note + 2 rows of buttons = 126 blocks
    assert [len(c.args["blocks"]) for c in posted] == [50, 50, 26]
    assert len(slack.api.uploads) == 2 and all("content" in u for u in slack.api.uploads.values())
    csv_upload = next(u for u in slack.api.uploads.values() if u["filename"] == "Everyone.csv")
    assert csv_upload["content"].decode("utf-8-sig").count("\n") == 3001
    with core.engine.connect() as conn:  # public replies store no share copy
        assert conn.scalar(select(func.count()).select_from(chat_state)) == 0


async def test_a_mention_in_a_thread_answers_in_the_thread(slack: SlackDriver) -> None:
    await slack.event(
        {
            "type": "app_mention",
            "user": "U1",
            "text": "<@UBOT> help",
            "channel": "C7",
            "ts": "9.000002",
            "thread_ts": "9.000001",
        }
    )
    (posted,) = await slack.api.wait_for("chat.postEphemeral")
    assert posted.args["thread_ts"] == "9.000001"


async def test_the_outbound_posts_a_scheduled_report_publicly(
    slack: SlackDriver, core: ChatCore
) -> None:
    from bot.slack import SlackOutbound

    report = Reply(
        (Text("Weekly ratings", "heading"), Table(("rating", "customers"), (("A", "3"),)))
    )
    await SlackOutbound(slack.app.client, core.engine).send("C9", report)
    (posted,) = slack.api.of("chat.postMessage")
    assert posted.args["channel"] == "C9" and "Weekly ratings" in texts(posted.args["blocks"])
    assert not buttons(posted.args["blocks"])


async def test_a_refused_scheduled_report_raises_and_a_refused_answer_is_logged(
    slack: SlackDriver, core: ChatCore
) -> None:
    """A scheduled send must not count a message Slack refused as sent (the subscription
    retries it and shows the failure); a reply in a conversation logs it and goes on."""
    from slack_sdk.errors import SlackApiError

    from bot.slack import SlackOutbound

    report = Reply((Text("Weekly ratings", "heading"),))
    slack.api.refuse_next("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as refused:
        await SlackOutbound(slack.app.client, core.engine).send("C9", report)
    assert refused.value.response["error"] == "channel_not_found"
    slack.api.refuse_next("chat.postMessage", "channel_not_found")
    origin = Origin(Identity("slack", "U1", "T1"), "D1", is_dm=True)
    await Delivery(slack.app.client, core.engine, origin).send(report)  # logged, not raised
    assert len(slack.api.of("chat.postMessage")) == 2


async def test_more_messages_than_a_response_url_takes_go_ephemeral(
    slack: SlackDriver, core: ChatCore
) -> None:
    origin = Origin(Identity("slack", "U1", "T1"), "C1", response_url=slack.api.response_url("x"))
    many = Reply(tuple(Text(f"line {i}") for i in range(50 * 7)))
    await Delivery(slack.app.client, core.engine, origin).send(many)
    assert len(slack.api.of("response_url")) == 5 and len(slack.api.of("chat.postEphemeral")) == 2
