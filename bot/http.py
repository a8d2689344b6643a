"""HTTP plumbing shared by the web front ends: one ASGI app routing by path, run under uvicorn.

Slack's HTTP mode (``/slack/events``) and the one-click unsubscribe endpoint (``/unsubscribe``)
share one process and one port; when Slack's HTTP mode is off, the unsubscribe endpoint is served
alone on its own port.

Example::

    app = route({"/slack/events": slack_asgi, "/unsubscribe": unsubscribe_asgi})
    await run_asgi(app, "0.0.0.0", 3000, stop_event)   # returns after stop_event.set()
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["ASGIApp", "route", "run_asgi"]

log = logging.getLogger("custbot.http")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": b"not found\n"})


def route(routes: dict[str, ASGIApp]) -> ASGIApp:
    """One ASGI app: each request goes to the app registered for its exact path, else 404."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # nothing to set up; answer so uvicorn does not wait
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        target = routes.get(scope.get("path", "").rstrip("/") or "/", _not_found)
        await target(scope, receive, send)

    return app


async def run_asgi(
    app: ASGIApp, host: str, port: int, stop_event: asyncio.Event, *, name: str = "http"
) -> None:
    """Serve ``app`` on ``host:port`` until ``stop_event`` is set (or the server stops)."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="info", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    log.info("%s: serving on %s:%s", name, host, port)
    waiter = asyncio.create_task(stop_event.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        waiter.cancel()
        await task
