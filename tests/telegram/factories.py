"""Telegram update payloads as the Bot API sends them: messages (with command and mention
entities), group messages, anonymous admins, and callback queries on the bot's own messages.

Example::

    updates = Updates()
    payload = updates.message(111, "/card Romashka")
"""

from __future__ import annotations

import re
import time
from typing import Any

__all__ = ["Updates", "ANON_ADMIN_BOT"]

ANON_ADMIN_BOT = 1087968824  # Telegram's GroupAnonymousBot


def _user(user_id: int, first_name: str, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def _entities(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    m = re.match(r"/\w+(@\w+)?", text)
    if m:
        out.append({"type": "bot_command", "offset": 0, "length": len(m.group(0))})
    for m in re.finditer(r"(?<!\w)@\w+", text):
        if m.start() and not (out and m.start() < out[0]["length"]):
            out.append({"type": "mention", "offset": m.start(), "length": len(m.group(0))})
    return out


class Updates:
    """Builds update dicts with increasing ``update_id``s."""

    def __init__(self, first_id: int = 5000) -> None:
        self.next_update = first_id
        self.next_message = 1

    def _update_id(self) -> int:
        self.next_update += 1
        return self.next_update

    def message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        first_name: str = "Anna",
        language_code: str | None = "en",
        sender_chat: dict | None = None,
        update_id: int | None = None,
    ) -> dict[str, Any]:
        chat_id = user_id if chat_id is None else chat_id
        if chat_id > 0:
            chat = {"id": chat_id, "type": "private", "first_name": first_name}
        else:
            chat = {
                "id": chat_id,
                "type": "supergroup" if str(chat_id).startswith("-100") else "group",
                "title": "Sales team",
            }
        self.next_message += 1
        msg: dict[str, Any] = {
            "message_id": self.next_message,
            "date": int(time.time()),
            "chat": chat,
            "text": text,
            "from": _user(user_id, first_name, language_code),
        }
        if entities := _entities(text):
            msg["entities"] = entities
        if sender_chat is not None:
            msg["sender_chat"] = sender_chat
        return {"update_id": update_id or self._update_id(), "message": msg}

    def anonymous_admin(self, chat_id: int, text: str) -> dict[str, Any]:
        payload = self.message(ANON_ADMIN_BOT, text, chat_id=chat_id, first_name="Group")
        payload["message"]["from"]["is_bot"] = True
        payload["message"]["from"]["username"] = "GroupAnonymousBot"
        payload["message"]["sender_chat"] = {
            "id": chat_id,
            "type": "supergroup",
            "title": "Sales team",
        }
        return payload

    def callback(
        self,
        user_id: int,
        message: dict[str, Any],
        data: str,
        *,
        first_name: str = "Anna",
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        uid = self._update_id()
        return {
            "update_id": uid,
            "callback_query": {
                "id": f"cbq{uid}",
                "from": _user(user_id, first_name, language_code),
                "chat_instance": f"ci{message['chat']['id']}",
                "data": data,
                "message": message,
            },
        }
