"""Messages nobody asked for right now — scheduled reports — routed to the right front end.

A chat address is ``platform:chat``, e.g. ``telegram:-1001234`` or ``slack:C0123``.

Example::

    router = OutboundRouter({"telegram": TelegramOutbound(bot)})
    await router.send("telegram:-1001234", Reply((Text("Ratings recomputed"),)))
"""

from __future__ import annotations

import logging

from bot.messages import Outbound, Reply

__all__ = ["OutboundRouter"]

log = logging.getLogger("custbot.outbound")


class OutboundRouter:
    def __init__(self, targets: dict[str, Outbound] | None = None) -> None:
        self.targets: dict[str, Outbound] = dict(targets or {})

    async def send(self, chat: str, reply: Reply) -> None:
        """Deliver ``reply`` to ``platform:chat``; an unknown platform is logged, not raised."""
        platform, _sep, chat_id = chat.partition(":")
        target = self.targets.get(platform)
        if target is None or not chat_id:
            log.warning(
                "cannot deliver to %r: no %s front end is running", chat, platform or "such"
            )
            return
        try:
            await target.send(chat_id, reply)
        except Exception:
            log.exception("delivery to %s failed", chat)
