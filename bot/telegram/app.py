"""The Telegram front end: updates in, neutral requests to the core, rendered replies out.

Free text is a query and ``/cmd args`` is the core's ``cmd args``; in groups only commands and
mentions of the bot are answered, and customer data goes to the asker's private chat unless they
say ``share``. Redelivered updates (a seen ``update_id``) are dropped, also after a restart.

Example::

    app = build_telegram_application(core, settings, token)
    async with app:
        await app.process_update(Update.de_json(payload, app.bot))
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from telegram import BotCommand, CallbackQuery, Chat, Message, Update, User
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.errors import TelegramSetupError
from bot.messages import Identity, Reply, Request, Text
from bot.settings import BotSettings
from bot.telegram.deliver import Delivery, phrase
from bot.telegram.limits import FloodLimiter, FloodLimits

if TYPE_CHECKING:
    from bot.core import ChatCore

__all__ = [
    "TelegramSetupError",
    "TelegramFrontEnd",
    "build_telegram_application",
    "publish_commands",
    "SHARE_WORDS",
]

log = logging.getLogger("custbot.telegram")

SHARE_WORDS = ("share", "поделиться")
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?:\s+|$)", re.S)
_MENU_WORD = re.compile(r"^[a-z0-9_]{1,32}$")


class TelegramFrontEnd:
    """The handlers; one instance per Application, holding the core and settings."""

    def __init__(self, core: ChatCore, settings: BotSettings) -> None:
        self.core = core
        self.settings = settings

    # --- updates ----------------------------------------------------------------------------

    async def drop_redelivered(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stop a redelivered update (its update_id was processed before, maybe by another run)."""
        if await self.core.seen("telegram", str(update.update_id)):
            log.info("ignored redelivered telegram update %s", update.update_id)
            raise ApplicationHandlerStop

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message: a command, a mention in a group, or free text in a private chat."""
        msg, chat = update.effective_message, update.effective_chat
        if msg is None or chat is None or msg.text is None:
            return
        is_group = chat.type in (Chat.GROUP, Chat.SUPERGROUP)
        text = self._addressed_text(msg, context.bot.username, is_group)
        if text is None:
            return
        if not self._chat_allowed(chat):
            user = msg.from_user
            await Delivery(context.bot, chat, user, self.settings, None).send_reply(
                Reply((Text(self._refusal(chat, user)),), private=False)
            )
            return
        if text.split(" ", 1)[0] == "start" and not self._core_knows("start"):
            text = "help"  # Telegram's greeting command; a deep-link payload is dropped
        user = msg.from_user
        language = user.language_code if user else None
        delivery = Delivery(context.bot, chat, user, self.settings, language)
        if msg.sender_chat is not None or user is None or user.is_bot:
            log.warning(
                "refused a message without a person (sender_chat=%s) in chat %s",
                msg.sender_chat.id if msg.sender_chat else None,
                chat.id,
            )
            await delivery.send_reply(Reply((Text(phrase("anonymous", language)),), private=False))
            return
        text, shared = self._share(text) if is_group else (text, False)
        shared = shared or self.settings.telegram.share_in_groups
        request = Request(
            _identity(user), str(chat.id), text=text, is_group=is_group, language=language
        )
        replies = await self.core.handle(request)
        await delivery.send_all(replies, shared=shared, reply_to=msg.message_id)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed inline button: the core re-checks who may press it; always answered.
        Pages replace the message in place; anything new with customer data from a group
        button (an export, a card) goes to the presser privately."""
        query = update.callback_query
        if query is None:
            return
        answered = False
        try:
            answered = await self._callback(query, context)
        finally:
            if not answered:
                await query.answer()

    async def _callback(self, query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE) -> bool:
        user, data = query.from_user, query.data or ""
        message = query.message if isinstance(query.message, Message) else None
        chat = query.message.chat if query.message is not None else None  # also when inaccessible
        language = user.language_code
        if not data or len(data) > 32 or not data.isascii():
            log.warning("refused a callback with a foreign payload from telegram:%s", user.id)
            await query.answer(phrase("expired", language), show_alert=True)
            return True
        if chat is not None and not self._chat_allowed(chat):
            await query.answer(self._refusal(chat, user)[:200], show_alert=True)
            return True
        is_group = chat is not None and chat.type in (Chat.GROUP, Chat.SUPERGROUP)
        request = Request(
            _identity(user),
            str(chat.id if chat else user.id),
            action=data,
            is_group=is_group,
            language=language,
        )
        replies = await self.core.handle(request)
        alert = _alert(replies)
        if alert is not None:
            await query.answer(alert, show_alert=True)
            return True
        await query.answer()
        target = chat or Chat(user.id, Chat.PRIVATE)
        delivery = Delivery(context.bot, target, user, self.settings, language)
        await delivery.send_all(replies, shared=False, edit=message)
        return True

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log what failed (never the token) and keep serving."""
        err = context.error
        uid = update.update_id if isinstance(update, Update) else None
        log.error(
            "telegram update %s failed: %s: %s",
            uid,
            type(err).__name__,
            err,
            exc_info=(type(err), err, err.__traceback__) if err else None,
        )

    # --- helpers ----------------------------------------------------------------------------

    def _chat_allowed(self, chat: Chat) -> bool:
        """Deny by default: a group or channel is served only when ``[telegram] allowed_chats``
        lists it; private chats are (the core still refuses strangers there)."""
        return chat.type == Chat.PRIVATE or chat.id in self.settings.telegram.allowed_chats

    def _refusal(self, chat: Chat, user: User | None) -> str:
        """Logged; says which setting to change and nothing about customers."""
        log.warning(
            "refused telegram %s chat %s (not in telegram.allowed_chats), from user %s",
            chat.type,
            chat.id,
            user.id if user else None,
        )
        return phrase("chat_not_allowed", user.language_code if user else None).format(
            chat_id=chat.id
        )

    def _core_knows(self, word: str) -> bool:
        return any(w == word for w, _h in self.core.commands(self.settings.language))

    @staticmethod
    def _addressed_text(msg: Message, username: str | None, is_group: bool) -> str | None:
        """The request text, or None when the message is not for the bot."""
        text = msg.text or ""
        mine = (username or "").lower()
        m = _COMMAND.match(text)
        if m:
            if m.group(2) and m.group(2).lower() != mine:
                return None  # a command for another bot
            return f"{m.group(1).lower()} {text[m.end() :]}".strip()
        if not is_group:
            return text.strip()
        mentioned = False
        for ent, value in (msg.parse_entities(["mention", "text_mention"]) or {}).items():
            if (ent.type == "mention" and value.lower() == f"@{mine}") or (
                ent.type == "text_mention"
                and ent.user
                and ent.user.username
                and ent.user.username.lower() == mine
            ):
                mentioned = True
        if not mentioned and mine and re.search(rf"(?<!\w)@{re.escape(mine)}\b", text, re.I):
            mentioned = True
        if not mentioned:
            return None
        return (
            re.sub(rf"(?<!\w)@{re.escape(mine)}\b", " ", text, flags=re.I).strip() if mine else text
        )

    @staticmethod
    def _share(text: str) -> tuple[str, bool]:
        """Strip a leading or trailing ``share`` word: the user wants the answer in the group."""
        words = text.split()
        for i in (0, -1):
            if words and words[i].strip(",.!:;").lower() in SHARE_WORDS:
                words.pop(i)
                return " ".join(words), True
        return text, False


def _identity(user: User) -> Identity:
    return Identity("telegram", str(user.id))


def _alert(replies: list[Reply]) -> str | None:
    """A lone short refusal or expiry answers the callback as an alert instead of a message."""
    if len(replies) != 1 or replies[0].replace:
        return None
    parts = replies[0].parts
    if len(parts) == 1 and isinstance(parts[0], Text) and parts[0].style in ("error", "note"):
        return parts[0].text if len(parts[0].text) <= 200 else None
    return None


_LOGGERS_WITH_URLS = (
    "telegram.Bot",
    "telegram.ext.ExtBot",
    "telegram.ext.Updater",
    "telegram.ext.Application",
    "telegram.request",
    "httpx",
    "custbot.telegram",
)


class _Redact(logging.Filter):
    """Removes the bot token from log records (PTB and httpx log URLs, which contain it)."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(t in message for t in self.tokens):
            for t in self.tokens:
                message = message.replace(t, "<token>")
            record.msg, record.args = message, ()
        return True


_REDACT = _Redact()


def _redact_token(token: str) -> None:
    _REDACT.tokens.add(token)
    for name in _LOGGERS_WITH_URLS:
        logger = logging.getLogger(name)
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)


async def publish_commands(app: Application, core: ChatCore, settings: BotSettings) -> None:
    """Set the command menu (setMyCommands) from ``core.commands()``, per language.

    Example: ``await publish_commands(app, core, settings)`` after ``app.initialize()``.
    """
    languages = [(None, settings.language)] + [(lang, lang) for lang in ("en", "ru")]
    for code, lang in languages:
        pairs = core.commands(lang)  # a language without a catalog has the English menu
        menu = [BotCommand(w, (h or w)[:256]) for w, h in pairs if _MENU_WORD.match(w)][:100]
        if menu:
            await app.bot.set_my_commands(menu, language_code=code)


def build_telegram_application(
    core: ChatCore, settings: BotSettings, token: str, *, limits: FloodLimits | None = None
) -> Application:
    """The python-telegram-bot Application, wired to ``core`` and pointed at
    ``settings.telegram.base_url`` (a self-hosted Bot API server works too).

    Example::

        app = build_telegram_application(ChatCore(engine, settings), settings, token)
    """
    if not token or ":" not in token:
        raise TelegramSetupError(
            f"the Telegram token in ${settings.telegram.token_env} is missing or "
            "malformed; copy it from @BotFather (it looks like 123456:ABC-DEF...)"
        )
    _redact_token(token)
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        .rate_limiter(FloodLimiter(limits))
        .concurrent_updates(8)
        .build()
    )
    front = TelegramFrontEnd(core, settings)
    app.bot_data["front_end"] = front
    app.add_handler(TypeHandler(Update, front.drop_redelivered), group=-1)
    app.add_handler(MessageHandler(filters.TEXT & filters.UpdateType.MESSAGE, front.on_message))
    app.add_handler(CallbackQueryHandler(front.on_callback))
    app.add_error_handler(front.on_error)
    return app
