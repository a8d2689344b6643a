"""A loopback stand-in of Slack's Web API: records every call and enforces Block Kit limits.

It answers the methods the front end uses, the ``response_url`` posts, and the upload URL that
``files.getUploadURLExternal`` hands out; ``fail_next`` makes a method answer 429 with
Retry-After. Bound to 127.0.0.1:0.

Example::

    async with WebApiStandIn() as api:
        client = make_client("xoxb-test", api.base_url)
        await api.wait_for("chat.postMessage")
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["WebApiStandIn", "Call", "block_errors", "BOT_TOKEN", "APP_TOKEN"]

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"  # Socket Mode: apps.connections.open


@dataclass
class Call:
    method: str  # e.g. chat.postMessage, or response_url
    args: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


def _plain(obj: Any, limit: int, where: str, errors: list[str]) -> None:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not obj["text"]:
        errors.append(f"{where}: missing text")
    elif len(obj["text"]) > limit:
        errors.append(f"{where}: text of {len(obj['text'])} > {limit}")


def _element(el: dict, where: str, errors: list[str]) -> None:
    if el.get("type") == "button":
        _plain(el.get("text"), 75, f"{where} button", errors)
        if len(el.get("value", "")) > 2000:
            errors.append(f"{where}: button value > 2000")
        if not el.get("action_id") or len(el["action_id"]) > 255:
            errors.append(f"{where}: bad action_id")
        if "confirm" in el:
            c = el["confirm"]
            _plain(c.get("title"), 100, f"{where} confirm title", errors)
            _plain(c.get("text"), 300, f"{where} confirm text", errors)
            _plain(c.get("confirm"), 30, f"{where} confirm button", errors)
            _plain(c.get("deny"), 30, f"{where} deny button", errors)


def block_errors(blocks: Any, max_blocks: int = 50) -> list[str]:
    """What Slack would reject in ``blocks`` (empty when valid)."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    errors: list[str] = []
    if not isinstance(blocks, list):
        return ["blocks is not a list"]
    if len(blocks) > max_blocks:
        errors.append(f"{len(blocks)} blocks > {max_blocks}")
    ids = [
        el.get("action_id")
        for b in blocks
        if b.get("type") == "actions"
        for el in b.get("elements", [])
    ]
    if len(ids) != len(set(ids)):
        errors.append("duplicate action_id")
    for i, b in enumerate(blocks):
        where, kind = f"block {i}", b.get("type")
        if kind == "section":
            if "text" not in b and "fields" not in b:
                errors.append(f"{where}: section without text")
            if "text" in b:
                _plain(b["text"], 3000, where, errors)
            for f in b.get("fields", []):
                _plain(f, 2000, f"{where} field", errors)
            if len(b.get("fields", [])) > 10:
                errors.append(f"{where}: more than 10 fields")
        elif kind == "header":
            _plain(b.get("text"), 150, where, errors)
        elif kind == "context":
            if not 1 <= len(b.get("elements", [])) <= 10:
                errors.append(f"{where}: context needs 1-10 elements")
            for el in b.get("elements", []):
                _plain(el, 3000, f"{where} context", errors)
        elif kind == "actions":
            if not 1 <= len(b.get("elements", [])) <= 25:
                errors.append(f"{where}: actions needs 1-25 elements")
            for el in b.get("elements", []):
                _element(el, where, errors)
        elif kind not in ("divider", "image"):
            errors.append(f"{where}: unknown block type {kind!r}")
    return errors


class WebApiStandIn:
    """The stand-in server; ``calls`` lists every request in arrival order."""

    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.uploads: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, list[tuple[int, int]]] = {}
        self._refusals: dict[str, list[str]] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.sockets: list[web.WebSocketResponse] = []
        self.url = ""

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}/response/{name}"

    def fail_next(
        self, method: str, status: int = 429, retry_after: int = 1, times: int = 1
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``status`` (and Retry-After)."""
        self._failures.setdefault(method, []).extend([(status, retry_after)] * times)

    def refuse_next(self, method: str, error: str, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` answer 200 with ``ok: false`` and
        ``error`` (e.g. ``channel_not_found``), as Slack refuses a message."""
        self._refusals.setdefault(method, []).extend([error] * times)

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 15) -> list[Call]:
        """The calls of ``method`` once there are at least ``count`` of them."""
        deadline = time.monotonic() + timeout
        while len(self.of(method)) < count:
            if time.monotonic() > deadline:
                seen = [c.method for c in self.calls]
                raise AssertionError(
                    f"expected {count} {method} call(s) within {timeout}s; got {seen}"
                )
            await asyncio.sleep(0.02)
        return self.of(method)

    async def __aenter__(self) -> WebApiStandIn:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        for ws in self.sockets:
            await ws.close()
        await self._runner.cleanup()

    async def push(self, envelope: dict[str, Any], timeout: float = 10) -> None:
        """Send a Socket Mode envelope to the connected app (waits for the connection)."""
        deadline = time.monotonic() + timeout
        while not self.sockets or self.sockets[-1].closed:
            if time.monotonic() > deadline:
                raise AssertionError("no Socket Mode connection")
            await asyncio.sleep(0.02)
        await self.sockets[-1].send_json(envelope)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}}
        )
        async for msg in ws:
            if msg.type == web.WSMsgType.TEXT:
                self.calls.append(Call("socket_ack", json.loads(msg.data)))
        return ws

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        for key in ("blocks", "view", "files"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        self.calls.append(Call(method, args))
        if self._failures.get(method):
            status, retry_after = self._failures[method].pop(0)
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=status,
                headers={"Retry-After": str(retry_after)},
            )
        if self._refusals.get(method):
            return web.json_response({"ok": False, "error": self._refusals[method].pop(0)})
        expected = APP_TOKEN if method == "apps.connections.open" else self.token
        if request.headers.get("Authorization") != f"Bearer {expected}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        n = next(self._ids)
        if "blocks" in args and (errors := block_errors(args["blocks"])):
            return {"ok": False, "error": "invalid_blocks", "errors": errors}
        if len(args.get("text") or "") > 40000:
            return {"ok": False, "error": "msg_too_long"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://test.slack.com/",
                "team": "Test",
                "user": "custbot",
                "team_id": "T1",
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "is_enterprise_install": False,
            }
        if method in ("chat.postMessage", "chat.update"):
            ts = args.get("ts") or f"{int(time.time())}.{n:06d}"
            return {
                "ok": True,
                "channel": args.get("channel"),
                "ts": ts,
                "message": {"text": args.get("text")},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{int(time.time())}.{n:06d}"}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws{self.url.removeprefix('http')}/socket"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{args.get('users')}"}}
        if method == "views.publish":
            view = args.get("view") or {}
            if errors := block_errors(view.get("blocks", []), 100):
                return {"ok": False, "error": "invalid_blocks", "errors": errors}
            return {"ok": True, "view": {"id": f"V{n}", **view}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{n}"
            self.uploads[file_id] = {
                "filename": args.get("filename"),
                "length": int(args.get("length", 0)),
            }
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = args.get("files") or []
            for f in files:
                if f["id"] not in self.uploads or "content" not in self.uploads[f["id"]]:
                    return {"ok": False, "error": "file_not_found"}
                self.uploads[f["id"]].update(
                    channel=args.get("channel_id"),
                    title=f.get("title"),
                    comment=args.get("initial_comment"),
                )
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": False, "error": "unknown_method"}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        content = await request.read()
        self.calls.append(Call("upload", {"file_id": file_id, "size": len(content)}))
        if file_id not in self.uploads:
            return web.Response(status=404, text="unknown upload url")
        self.uploads[file_id]["content"] = content
        return web.Response(text=f"OK - {len(content)}")

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(Call("response_url", {**body, "_url": request.match_info["name"]}))
        if "blocks" in body and block_errors(body["blocks"]):
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")
