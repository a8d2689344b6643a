"""Who is talking: platform identities resolved to users with a role, deny by default.

People are the ``managers`` table (with their Telegram and Slack identities) plus the users
listed in the configuration, which are written into that table on start.

Example::

    user = identify(conn, Identity("telegram", "42"), settings)   # None: a stranger
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, or_, select, update

from bot.identity import Identity
from bot.settings import BotSettings
from storage.folding import fold, folded
from storage.schema import managers

__all__ = ["User", "identify", "find_user_by_name", "sync_config_users", "LOCAL_ADMIN", "ROLE_RANK"]

log = logging.getLogger("custbot.access")

ROLE_RANK = {"rep": 0, "manager": 1, "admin": 2}


@dataclass(frozen=True)
class User:
    manager_id: int | None  # None for the local administrator of the command line
    name: str
    surname: str
    role: str
    identity: Identity
    language: str | None = None
    team_lead_id: int | None = None

    def at_least(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def label(self) -> str:
        return f"{self.name} ({self.identity.platform})"


LOCAL_ADMIN = User(None, "local administrator", "admin", "admin", Identity("cli", "local"))


def _user(row: Row[Any], identity: Identity) -> User:
    return User(row.id, row.name, row.surname, row.role, identity, row.language, row.team_lead_id)


def identify(conn: Connection, identity: Identity, settings: BotSettings) -> User | None:
    """The user behind ``identity``, or None (and a log line) for a stranger."""
    q = select(managers)
    if identity.platform == "telegram":
        if not identity.user_id.lstrip("-").isdigit():
            return None
        q = q.where(managers.c.telegram_id == int(identity.user_id))
    elif identity.platform == "slack":
        if identity.team_id is None:
            return None
        allowed = settings.slack.allowed_teams
        if identity.team_id not in allowed:
            log.warning("refused slack team %s (not in slack.allowed_teams)", identity.team_id)
            return None
        same_team = managers.c.slack_team_id == identity.team_id
        # a bare user id (no team recorded) is accepted only when exactly one team is allowed
        if len(allowed) == 1:
            same_team = or_(same_team, managers.c.slack_team_id.is_(None))
        q = q.where(same_team, managers.c.slack_user_id == identity.user_id)
    elif identity.platform in ("terminal", "cli"):
        return (
            find_user_by_name(conn, identity.user_id, identity)
            if identity.user_id != "local"
            else LOCAL_ADMIN
        )
    else:
        return None
    row = conn.execute(q).first()
    if row is None:
        log.warning("refused unknown %s user %s", identity.platform, identity.key)
        return None
    return _user(row, identity)


def find_user_by_name(conn: Connection, name: str, identity: Identity | None = None) -> User | None:
    """A user by full name or surname (case-insensitive), e.g. for ``--as Ivanov``."""
    key = fold(name.strip())
    rows = conn.execute(
        select(managers).where(
            or_(folded(managers.c.name) == key, folded(managers.c.surname) == key)
        )
    ).all()
    if len(rows) != 1:
        return None
    return _user(rows[0], identity or Identity("cli", rows[0].name))


def sync_config_users(engine: Engine, settings: BotSettings) -> None:
    """Write the users of the configuration into the managers table (config wins on role)."""
    with engine.begin() as conn:
        for entry in settings.users:
            team, user = entry.slack.split(":") if entry.slack else (None, None)
            values = {
                "role": entry.role,
                "telegram_id": entry.telegram_id,
                "slack_team_id": team,
                "slack_user_id": user,
                "language": entry.language,
            }
            if entry.timezone:  # issue 21: else whatever the managers table says
                values["timezone"] = entry.timezone
            existing = conn.execute(
                select(managers.c.id).where(managers.c.name == entry.name)
            ).scalar()
            if existing is None:
                conn.execute(
                    insert(managers).values(
                        name=entry.name, surname=entry.name.split()[-1], **values
                    )
                )
            else:
                conn.execute(update(managers).where(managers.c.id == existing).values(**values))
