"""One-click unsubscribe links: signed, expiring, one per recipient, and the opt-out they make.

A link is ``URL?t=TOKEN``, TOKEN = ``CUSTOMER.MAILING.EXPIRES.SIGNATURE``: the signature is
HMAC-SHA256 over the three numbers with the secret in the environment variable named by
``[smtp.one_click] secret_env`` (truncated to 144 bits, base64url). Nothing is stored per link:
an altered or invented token fails the signature (compared in constant time), an old one its
expiry, and neither changes anything.

Example::

    secret = one_click_secret(settings.smtp.one_click)
    token = make_token(secret, 77, 4, expires=datetime(2027, 3, 1))
    verify_token(secret, token, now=datetime(2026, 12, 4))  # Unsubscribe(77, 4, 2027-03-01)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import Connection, select

from mailing.errors import MailingError
from mailing.optout import change_opt_out
from mailing.settings import OneClickSettings
from storage.changes import Actor
from storage.schema import customers

__all__ = [
    "TokenError",
    "Unsubscribe",
    "one_click_secret",
    "make_token",
    "verify_token",
    "one_click_link",
    "recipient",
    "unsubscribe",
]

MIN_SECRET = 16  # characters


class TokenError(MailingError):
    """A link that cannot unsubscribe anyone: ``kind`` is malformed, forged or expired."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"unsubscribe link {kind}")
        self.kind = kind


@dataclass(frozen=True)
class Unsubscribe:
    customer_id: int
    mailing_id: int
    expires: datetime  # naive UTC


def one_click_secret(settings: OneClickSettings) -> bytes | None:
    """The signing secret, or None while one-click is off; a missing or short one is an error."""
    if not settings.url:
        return None
    value = os.environ.get(settings.secret_env, "")
    if len(value) < MIN_SECRET:
        raise MailingError(
            f"smtp.one_click.url is set but ${settings.secret_env} is "
            f"{'empty' if not value else 'too short'}; export a random secret of at least "
            f"{MIN_SECRET} characters, e.g. from 'openssl rand -hex 32'"
        )
    return value.encode()


def _signature(secret: bytes, customer_id: int, mailing_id: int, expires: int) -> str:
    message = f"custbot-unsubscribe:{customer_id}:{mailing_id}:{expires}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode()


def _epoch(moment: datetime) -> int:
    return int(
        moment.replace(tzinfo=UTC).timestamp() if moment.tzinfo is None else moment.timestamp()
    )


def make_token(secret: bytes, customer_id: int, mailing_id: int, expires: datetime) -> str:
    """``CUSTOMER.MAILING.EXPIRES.SIGNATURE`` (``expires``: naive UTC or aware)."""
    at = _epoch(expires)
    return f"{customer_id}.{mailing_id}.{at}.{_signature(secret, customer_id, mailing_id, at)}"


def verify_token(secret: bytes, token: str, now: datetime) -> Unsubscribe:
    """What a token unsubscribes; raises TokenError (malformed, forged, expired)."""
    parts = token.split(".")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() and len(p) <= 12 for p in parts[:3]):
        raise TokenError("malformed")
    customer_id, mailing_id, at = (int(p) for p in parts[:3])
    if not hmac.compare_digest(
        _signature(secret, customer_id, mailing_id, at).encode(),
        parts[3].encode("utf-8", "replace"),
    ):
        raise TokenError("forged")
    if at < _epoch(now):
        raise TokenError("expired")
    return Unsubscribe(
        customer_id, mailing_id, datetime.fromtimestamp(at, UTC).replace(tzinfo=None)
    )


def one_click_link(
    settings: OneClickSettings, secret: bytes, customer_id: int, mailing_id: int, now: datetime
) -> str:
    """The recipient's link: ``URL?t=TOKEN``, valid for ``valid_days`` from ``now``."""
    token = make_token(secret, customer_id, mailing_id, now + timedelta(days=settings.valid_days))
    return f"{settings.url}?t={quote(token, safe='')}"


def recipient(conn: Connection, request: Unsubscribe) -> tuple[str | None, bool] | None:
    """(e-mail address, already opted out) of the customer a token names; None if deleted."""
    row = conn.execute(
        select(customers.c.email, customers.c.opted_out_at).where(
            customers.c.id == request.customer_id
        )
    ).first()
    return None if row is None else (row.email, row.opted_out_at is not None)


def unsubscribe(conn: Connection, request: Unsubscribe) -> bool:
    """Opt the customer out as an audited batch by the customer themself (platform ``mail``),
    which ``undo`` reverts like any other; True if it changed now, False when it was already
    opted out or no longer exists.

    Example: ``unsubscribe(conn, verify_token(secret, token, now))``
    """
    cid = request.customer_id
    name = conn.scalar(select(customers.c.name).where(customers.c.id == cid))
    if name is None:
        return False
    actor = Actor("mail", f"customer:{cid}", None, "the customer (one-click unsubscribe)")
    what = f"{name}, one-click unsubscribe from mailing {request.mailing_id}"
    ids = select(customers.c.id).where(customers.c.id == cid)
    return change_opt_out(conn, ids, opted_out=True, actor=actor, what=what)[1] > 0
