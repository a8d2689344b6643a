"""Conversation state that outlives one message, addressed by short opaque tokens.

A page, a pending choice, what a button means, a pending confirmation: one ``chat_state`` row
each, so any replica can answer the next message. Tokens are 22 URL-safe characters, well inside
Telegram's 64-byte ``callback_data``.

Example::

    token = put(conn, "page", user_key, {"query": "Moscow", "offset": 10})
    state = get(conn, token)             # None when unknown or expired
    payload = spend(conn, token, user_key)  # single use: only the first caller gets it
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from storage.changes import utcnow
from storage.schema import chat_state, processed_events

__all__ = [
    "State",
    "put",
    "get",
    "spend",
    "take_awaited",
    "purge_expired",
    "replace_shown",
    "last_shown",
    "SHOWN",
    "DEFAULT_TTL",
]

DEFAULT_TTL = timedelta(days=2)
SHOWN = "shown"  # one row per user: {button key: token} of their latest answer


@dataclass(frozen=True)
class State:
    token: str
    kind: str
    user_key: str
    payload: dict[str, Any]
    used: bool


def new_row(
    kind: str, user_key: str, payload: dict[str, Any], ttl: timedelta = DEFAULT_TTL
) -> dict[str, Any]:
    """A chat_state row with a fresh opaque token, not yet written."""
    now = utcnow()
    return {
        "token": secrets.token_urlsafe(16),
        "kind": kind,
        "user_key": user_key,
        "payload": payload,
        "created_at": now,
        "expires_at": now + ttl,
    }


def put_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Write several states in one statement."""
    if rows:
        conn.execute(insert(chat_state).values(rows))


def put(
    conn: Connection,
    kind: str,
    user_key: str,
    payload: dict[str, Any],
    ttl: timedelta = DEFAULT_TTL,
) -> str:
    row = new_row(kind, user_key, payload, ttl)
    put_rows(conn, [row])
    return row["token"]


def get(conn: Connection, token: str) -> State | None:
    """The live state behind ``token`` (None if unknown or expired)."""
    if not token or len(token) > 32:
        return None
    row = conn.execute(
        select(chat_state).where(chat_state.c.token == token, chat_state.c.expires_at > utcnow())
    ).first()
    if row is None:
        return None
    return State(row.token, row.kind, row.user_key, row.payload, row.used_at is not None)


def spend(conn: Connection, token: str, user_key: str) -> bool:
    """Mark a single-use state as used; True only for the one caller that did it.

    The conditional UPDATE is atomic on both databases, so a double click or a replayed
    confirmation from two concurrent tasks applies once. Call it inside the transaction that
    applies the change, so a failure leaves the state unused.
    """
    result = conn.execute(
        update(chat_state)
        .where(
            chat_state.c.token == token,
            chat_state.c.user_key == user_key,
            chat_state.c.used_at.is_(None),
            chat_state.c.expires_at > utcnow(),
        )
        .values(used_at=utcnow())
    )
    return result.rowcount == 1


def take_awaited(conn: Connection, user_key: str) -> State | None:
    """The newest live ``await:*`` state of ``user_key``, spent (so it is used once), or None."""
    row = conn.execute(
        select(chat_state)
        .where(
            chat_state.c.user_key == user_key,
            chat_state.c.kind.like("await:%"),
            chat_state.c.used_at.is_(None),
            chat_state.c.expires_at > utcnow(),
        )
        .order_by(chat_state.c.created_at.desc())
        .limit(1)
    ).first()
    if row is None or not spend(conn, row.token, user_key):
        return None
    return State(row.token, row.kind, row.user_key, row.payload, True)


def replace_shown(conn: Connection, user_key: str, shown: dict[str, str]) -> None:
    """Record the keyed buttons of ``user_key``'s latest answer, instead of the previous ones."""
    conn.execute(
        delete(chat_state).where(chat_state.c.user_key == user_key, chat_state.c.kind == SHOWN)
    )
    put_rows(conn, [new_row(SHOWN, user_key, shown)])


def last_shown(conn: Connection, user_key: str) -> dict[str, str]:
    """{button key: token} of ``user_key``'s latest answer (empty when none is remembered)."""
    row = conn.execute(
        select(chat_state.c.payload).where(
            chat_state.c.user_key == user_key,
            chat_state.c.kind == SHOWN,
            chat_state.c.expires_at > utcnow(),
        )
    ).first()
    return dict(row[0]) if row else {}


def purge_expired(conn: Connection, *, events_older_than: timedelta = timedelta(days=7)) -> int:
    """Delete expired chat states and platform events older than any redelivery (Telegram keeps
    updates 24 hours, Slack retries within minutes); returns how many rows went."""
    gone = conn.execute(delete(chat_state).where(chat_state.c.expires_at <= utcnow())).rowcount
    return (
        gone
        + conn.execute(
            delete(processed_events).where(processed_events.c.at < utcnow() - events_older_than)
        ).rowcount
    )
