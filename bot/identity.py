"""Who a person is to custbot: the platform's identity, never a display name.

Apart from ``bot.messages`` (which re-exports it) so that ``bot.users``, which every command's
acting user goes through, loads no message classes (issue #19: ``custbot ask`` start-up).

Example::

    Identity("slack", "U02", "T01").key   # 'slack:T01:U02'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Identity"]


@dataclass(frozen=True)
class Identity:
    """A person as the platform identifies them: never a display name."""

    platform: Literal["telegram", "slack", "terminal", "cli"]
    user_id: str  # Telegram from_user.id, Slack user id, terminal/cli user name
    team_id: str | None = None  # Slack workspace (team) id

    @property
    def key(self) -> str:
        """Stable text key, e.g. ``telegram:42`` or ``slack:T01:U02``."""
        parts = [self.platform, *([self.team_id] if self.team_id else []), self.user_id]
        return ":".join(parts)
