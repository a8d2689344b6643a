"""Sending rendered replies: where each one goes (the chat, or the asker's private chat) and how
(sendMessage, editMessageText for paging, sendDocument, sendPhoto), all in HTML parse mode.

Example::

    await Delivery(bot, chat, user, settings, "en").send_all(replies, shared=False)
"""

from __future__ import annotations

import html
import logging

from telegram import Bot, Chat, InputFile, LinkPreviewOptions, Message, ReplyParameters, User
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.i18n import translator
from bot.messages import Reply
from bot.settings import BotSettings
from bot.telegram.render import OutDocument, OutPhoto, OutText, render_reply

__all__ = ["Delivery", "TelegramOutbound", "phrase", "send_rendered"]

log = logging.getLogger("custbot.telegram")

_PHRASES = {
    "anonymous": "Sorry, I can't tell who you are when you write as the group or a channel "
    "(anonymous admin). Please write as yourself.",
    "expired": "This button has expired. Please ask again.",
    "chat_not_allowed": "I don't work in this chat. An administrator can allow it by adding "
    "{chat_id} to [telegram] allowed_chats.",
    "long": "The answer is long, so here it is as a file.",
    "sent_private": "{user}, I've sent you the answer in a private chat.",
    "start_private": "{user}, I can't write to you privately yet: open a chat with {bot} and press "
    "Start, then ask again (or add 'share' to get the answer here).",
}
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def phrase(key: str, language: str | None, **values: str) -> str:
    """One of the front end's own sentences, translated when a catalog has it."""
    text = translator(language)(_PHRASES[key])
    return text.format(**values) if values else text


async def send_rendered(
    bot: Bot,
    chat_id: int,
    reply: Reply,
    *,
    language: str | None = None,
    edit: Message | None = None,
    reply_to: int | None = None,
) -> None:
    """Render ``reply`` and send it to ``chat_id``; with ``edit`` the first text replaces that
    message in place (paging).

    Example: ``await send_rendered(bot, 42, Reply((Text("hi"),)))``.
    """
    outs = render_reply(reply, long_note=phrase("long", language))
    params = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    for i, out in enumerate(outs):
        if isinstance(out, OutText):
            if i == 0 and edit is not None and edit.chat.id == chat_id and edit.text is not None:
                try:
                    await bot.edit_message_text(
                        out.html,
                        chat_id=chat_id,
                        message_id=edit.message_id,
                        parse_mode=ParseMode.HTML,
                        reply_markup=out.keyboard,
                        link_preview_options=_NO_PREVIEW,
                    )
                    continue
                except BadRequest as e:
                    if "not modified" in str(e).lower():
                        continue
                    log.info(
                        "could not edit message %s in %s (%s); sending anew",
                        edit.message_id,
                        chat_id,
                        e,
                    )
            await bot.send_message(
                chat_id,
                out.html,
                parse_mode=ParseMode.HTML,
                reply_markup=out.keyboard,
                link_preview_options=_NO_PREVIEW,
                reply_parameters=params,
            )
        elif isinstance(out, OutDocument):
            await bot.send_document(
                chat_id,
                InputFile(out.content, filename=out.filename),
                caption=out.caption_html or None,
                parse_mode=ParseMode.HTML,
                reply_parameters=params,
            )
        elif isinstance(out, OutPhoto):
            await bot.send_photo(
                chat_id,
                InputFile(out.content, filename=out.filename),
                caption=out.caption_html or None,
                parse_mode=ParseMode.HTML,
                reply_parameters=params,
            )
        params = None  # only the first message answers the question visibly


class Delivery:
    """Routes a request's replies: customer data from a group goes to the asker privately."""

    def __init__(
        self, bot: Bot, chat: Chat, user: User | None, settings: BotSettings, language: str | None
    ) -> None:
        self.bot, self.chat, self.user = bot, chat, user
        self.settings, self.language = settings, language
        self.is_group = chat.type in (Chat.GROUP, Chat.SUPERGROUP)

    async def send_reply(self, reply: Reply, *, reply_to: int | None = None) -> None:
        """Send one reply to the chat the request came from."""
        await send_rendered(
            self.bot,
            self.chat.id,
            reply,
            language=self.language,
            reply_to=reply_to if self.is_group else None,
        )

    async def send_all(
        self,
        replies: list[Reply],
        *,
        shared: bool,
        edit: Message | None = None,
        reply_to: int | None = None,
    ) -> None:
        """Send every reply where it belongs; say in the group when data went privately."""
        sent_private = blocked = False
        for reply in replies:
            in_place = reply.replace and edit is not None  # a page of a list already shown here
            if self.is_group and reply.private and not shared and not in_place and self.user:
                if blocked:
                    continue
                try:
                    await send_rendered(self.bot, self.user.id, reply, language=self.language)
                    sent_private = True
                except (Forbidden, BadRequest) as e:
                    if isinstance(e, BadRequest) and "chat not found" not in str(e).lower():
                        raise
                    log.info("telegram:%s has not started a private chat: %s", self.user.id, e)
                    blocked = True
                continue
            await send_rendered(
                self.bot,
                self.chat.id,
                reply,
                language=self.language,
                edit=edit if reply.replace else None,
                reply_to=reply_to if self.is_group else None,
            )
        if blocked or sent_private:
            await self._group_note("start_private" if blocked else "sent_private", reply_to)

    async def _group_note(self, key: str, reply_to: int | None) -> None:
        assert self.user is not None
        who = f'<a href="tg://user?id={self.user.id}">{html.escape(self.user.first_name)}</a>'
        bot = html.escape(f"@{self.bot.username}") if self.bot.username else "me"
        text = phrase(key, self.language, user=who, bot=bot)
        params = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        await self.bot.send_message(
            self.chat.id, text, parse_mode=ParseMode.HTML, reply_parameters=params
        )


class TelegramOutbound:
    """Messages nobody asked for right now (scheduled reports) to a Telegram chat id.

    Example: ``await TelegramOutbound(app.bot).send("-1001234", reply)``.
    """

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat: str, reply: Reply) -> None:
        """Send ``reply`` to the chat whose id is ``chat``."""
        await send_rendered(self.bot, int(chat), reply)
