"""A loopback stand-in of the Telegram Bot API that enforces the platform's limits.

It answers the methods the front end uses, records every call, rejects what Telegram rejects
(text over 4096, caption over 1024, callback_data over 64 bytes, unparsable HTML, bad command
names, editing a message that does not exist) and can answer 429 with ``retry_after``.

Example::

    async with BotApiStandIn(TOKEN) as api:
        app = ApplicationBuilder().token(TOKEN).base_url(f"{api.url}/bot").build()
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from tests.telegram.html_check import ApiError, parse_html

__all__ = ["BotApiStandIn", "Call", "ApiError", "parse_html", "BOT_ID", "BOT_USERNAME"]

BOT_ID = 7000001
BOT_USERNAME = "custbot_test_bot"
_JSON_FIELDS = {
    "chat_id",
    "message_id",
    "reply_markup",
    "commands",
    "show_alert",
    "offset",
    "limit",
    "timeout",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
    "drop_pending_updates",
    "scope",
    "cache_time",
}
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # field -> (filename, bytes)
    status: int = 200


class BotApiStandIn:
    """The fake Bot API server; ``url`` is set once started."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.url = ""
        self.calls: list[Call] = []
        self.updates: list[dict] = []
        self.webhook: dict[str, Any] | None = None
        self.unstarted_users: set[int] = set()  # private chats the user never opened
        self.commands: dict[str | None, list[dict]] = {}
        self.messages: dict[tuple[int, int], dict] = {}
        self.answered: set[str] = set()
        self._fail: dict[str, list[int]] = {}
        self._next_id: dict[int, int] = {}
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # --- control from tests -------------------------------------------------------------------
    def fail_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 Too Many Requests."""
        self._fail.setdefault(method, []).extend([retry_after] * times)

    def push_update(self, update: dict) -> None:
        self.updates.append(update)
        self._new_update.set()

    def sent(self, *methods: str) -> list[Call]:
        """Successful calls of these methods, in order."""
        return [c for c in self.calls if c.method in methods and c.status == 200]

    async def __aenter__(self) -> BotApiStandIn:
        app = web.Application(client_max_size=60 * 2**20)
        app.router.add_route("*", r"/{bot:bot[^/]+}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)  # its URLs hold the token
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the HTTP side ------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request.method == "POST" and request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, FileField):
                    files[key] = (value.filename, value.file.read())
                else:
                    params[key] = json.loads(value) if key in _JSON_FIELDS else value
        call = Call(method, params, files)
        self.calls.append(call)
        try:
            if request.match_info["bot"][3:] != self.token:
                raise ApiError(401, "Unauthorized")
            if self._fail.get(method):
                wait = self._fail[method].pop(0)
                raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params, files)
        except ApiError as e:
            call.status = e.code
            body = {"ok": False, "error_code": e.code, "description": e.description}
            if e.parameters:
                body["parameters"] = e.parameters
            return web.json_response(body, status=e.code)
        return web.json_response({"ok": True, "result": result})

    def _bot_user(self) -> dict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "CustBot",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _chat(self, chat_id: Any) -> dict:
        cid = int(chat_id)
        if cid > 0:
            if cid in self.unstarted_users:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return {"id": cid, "type": "private", "first_name": f"user{cid}"}
        kind = "supergroup" if str(cid).startswith("-100") else "group"
        return {"id": cid, "type": kind, "title": f"group {cid}"}

    @staticmethod
    def _check_markup(markup: dict | None) -> None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _text(self, params: dict, key: str, limit: int, required: bool) -> str:
        raw = params.get(key, "")
        if not raw and not required:
            return ""
        plain = parse_html(raw) if params.get("parse_mode") == "HTML" else raw
        if not plain.strip():
            raise ApiError(400, f"Bad Request: {'message text' if key == 'text' else key} is empty")
        if _units(plain) > limit:
            raise ApiError(
                400,
                "Bad Request: message is too long"
                if key == "text"
                else "Bad Request: message caption is too long",
            )
        return plain

    def _store(self, chat: dict, **content: Any) -> dict:
        mid = self._next_id[chat["id"]] = self._next_id.get(chat["id"], 0) + 1
        msg = {
            "message_id": mid,
            "date": int(time.time()),
            "chat": chat,
            "from": self._bot_user(),
            **content,
        }
        self.messages[(chat["id"], mid)] = msg
        return msg

    # --- methods ------------------------------------------------------------------------------
    async def _m_getMe(self, p: dict, f: dict) -> dict:
        return self._bot_user()

    async def _m_getUpdates(self, p: dict, f: dict) -> list[dict]:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(p.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates and float(p.get("timeout") or 0) > 0:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout=0.3)
            except TimeoutError:
                pass
        return list(self.updates)

    async def _m_sendMessage(self, p: dict, f: dict) -> dict:
        chat = self._chat(p["chat_id"])
        self._check_markup(p.get("reply_markup"))
        text = self._text(p, "text", 4096, True)
        return self._store(
            chat,
            text=text,
            **({"reply_markup": p["reply_markup"]} if p.get("reply_markup") else {}),
        )

    async def _m_editMessageText(self, p: dict, f: dict) -> dict:
        key = (int(p["chat_id"]), int(p["message_id"]))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        self._check_markup(p.get("reply_markup"))
        text = self._text(p, "text", 4096, True)
        old = self.messages[key]
        if old.get("text") == text and old.get("reply_markup") == p.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same",
            )
        old["text"], old["reply_markup"] = text, p.get("reply_markup")
        old["edit_date"] = int(time.time())
        return old

    async def _send_file(self, p: dict, f: dict, field_name: str) -> dict:
        chat = self._chat(p["chat_id"])
        if field_name not in f:
            raise ApiError(400, f"Bad Request: there is no {field_name} in the request")
        name, content = f[field_name]
        cap = self._text(p, "caption", 1024, False)
        if field_name == "photo" and not content.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8")):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        meta = {
            "file_id": f"f{len(self.calls)}",
            "file_unique_id": f"u{len(self.calls)}",
            "file_size": len(content),
        }
        body = (
            {"document": {**meta, "file_name": name}}
            if field_name == "document"
            else {"photo": [{**meta, "width": 100, "height": 100}]}
        )
        return self._store(chat, **body, **({"caption": cap} if cap else {}))

    async def _m_sendDocument(self, p: dict, f: dict) -> dict:
        return await self._send_file(p, f, "document")

    async def _m_sendPhoto(self, p: dict, f: dict) -> dict:
        return await self._send_file(p, f, "photo")

    async def _m_answerCallbackQuery(self, p: dict, f: dict) -> bool:
        qid = str(p.get("callback_query_id", ""))
        if not qid or qid in self.answered:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query id is invalid",
            )
        if len(p.get("text", "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.answered.add(qid)
        return True

    async def _m_setMyCommands(self, p: dict, f: dict) -> bool:
        commands = p.get("commands") or []
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for c in commands:
            if (
                not _COMMAND_NAME.match(c.get("command", ""))
                or not 1 <= len(c.get("description", "")) <= 256
            ):
                raise ApiError(400, f"Bad Request: BOT_COMMAND_INVALID ({c})")
        self.commands[p.get("language_code")] = commands
        return True

    async def _m_setWebhook(self, p: dict, f: dict) -> bool:
        if not str(p.get("url", "")).startswith(("https://", "http://127.0.0.1")):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if "secret_token" in p and not _SECRET.match(p["secret_token"]):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = p
        return True

    async def _m_deleteWebhook(self, p: dict, f: dict) -> bool:
        self.webhook = None
        return True
