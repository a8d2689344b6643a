"""Queries end to end in Slack: paging in place, a card, an export, a chart, a bulk rating."""

from __future__ import annotations

import io

import pandas as pd
from sqlalchemy import func, select

from bot.core import ChatCore
from storage.schema import customers
from tests.slack.conftest import drain
from tests.slack.factories import SlackDriver, button, buttons, texts


async def test_a_query_pages_in_place(slack: SlackDriver) -> None:
    await slack.command("Moscow")
    (first,) = await slack.api.wait_for("response_url")
    page1 = texts(first.args["blocks"])
    assert "30 customers" in page1 and "Share in channel" in page1
    await slack.press(button(first.args["blocks"], "Next"))
    second = (await slack.api.wait_for("response_url", 2))[1]
    assert second.args["replace_original"] is True
    page2 = texts(second.args["blocks"])
    assert "\n11 " in page2 and "\n1 " not in page2
    assert button(second.args["blocks"], "Previous")


async def test_paging_a_public_message_edits_it_with_chat_update(slack: SlackDriver) -> None:
    await slack.dm("Moscow")
    (first,) = await slack.api.wait_for("chat.postMessage")
    await slack.press(
        button(first.args["blocks"], "Next"), channel="DU1", ephemeral=False, message_ts="5.000001"
    )
    (edited,) = await slack.api.wait_for("chat.update")
    assert edited.args["channel"] == "DU1" and edited.args["ts"] == "5.000001"
    assert "\n11 " in texts(edited.args["blocks"])


async def test_a_card(slack: SlackDriver) -> None:
    await slack.command("card Company 07")
    (answer,) = await slack.api.wait_for("response_url")
    shown = texts(answer.args["blocks"])
    assert "Company 07" in shown and "Olga Petrova" in shown and "c7@example.com" in shown


async def test_an_export_is_uploaded_privately_and_parses(slack: SlackDriver) -> None:
    await slack.command("export Moscow as csv")
    await slack.api.wait_for("files.completeUploadExternal")
    (upload,) = slack.api.uploads.values()
    assert upload["channel"] == "DU1"  # the asker's DM, not the channel
    frame = pd.read_csv(io.BytesIO(upload["content"]))
    assert len(frame) == 30
    assert "Acme & <Sons>" in set(frame["name"]) and set(frame["city"]) == {"Moscow"}
    (note,) = await slack.api.wait_for("response_url")
    assert "direct message" in texts(note.args["blocks"])


async def test_a_chart_is_a_png(slack: SlackDriver) -> None:
    await slack.command("Moscow")
    (first,) = await slack.api.wait_for("response_url")
    await slack.press(button(first.args["blocks"], "Chart"))
    await slack.api.wait_for("files.completeUploadExternal")
    (upload,) = slack.api.uploads.values()
    assert upload["content"].startswith(b"\x89PNG\r\n\x1a\n")


async def test_a_bulk_rating_confirmed_by_button_applies_once(
    slack: SlackDriver, core: ChatCore
) -> None:
    await slack.command("rate A Moscow")
    (preview,) = await slack.api.wait_for("response_url")
    confirm = button(preview.args["blocks"], "Confirm")
    assert confirm["style"] in ("primary", "danger")
    assert button(preview.args["blocks"], "Cancel")
    assert "Share in channel" not in texts(preview.args["blocks"])
    with core.engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(customers.c.rating == "A")) == 0
    await slack.press(confirm, action_ts="1700000001.000001")
    await slack.press(confirm, action_ts="1700000001.000001")  # replayed
    await slack.press(confirm)  # pressed again
    await drain()
    with core.engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(customers.c.rating == "A")) == 30
    answers = [texts(c.args.get("blocks", [])) for c in slack.api.of("response_url")[1:]]
    assert (
        len(answers) == 2
        and any("30" in a for a in answers)
        and any("already" in a for a in answers)
    )
    assert all(
        not buttons(c.args.get("blocks", [])) or "Undo" in texts(c.args["blocks"])
        for c in slack.api.of("response_url")[1:]
    )
