"""One SMTP connection for the sender, with a hook between RCPT TO and DATA.

``send(msg, to, before_data)`` runs MAIL FROM and RCPT TO, then calls ``before_data()``: the
sender re-checks the opt-out there and records the attempt. When it answers False the server
transaction is reset (RSET) and nothing is handed over. Replies are classified: 5xx raises
``Permanent``, 4xx and a lost connection raise ``Temporary``.

Example::

    smtp = SmtpConnection(settings.smtp)
    delivered = smtp.send(build_message(row, settings.smtp), row.to_address, lambda: True)
    smtp.close()
"""

from __future__ import annotations

import io
import os
import smtplib
import ssl
from collections.abc import Callable
from email.generator import BytesGenerator
from email.message import Message
from typing import Any

from mailing.settings import SmtpSettings

__all__ = ["SmtpConnection", "Temporary", "Permanent"]


class Temporary(Exception):
    """Try again later (a 4xx reply, an unreachable server, a lost connection)."""

    def __init__(self, reason: str, connection_lost: bool = False) -> None:
        super().__init__(reason)
        self.connection_lost = connection_lost


class Permanent(Exception):
    """The server refused for good (a 5xx reply); the reason is the server's."""


def _text(raw: Any) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _classify(code: int, text: Any) -> None:
    reason = f"{code} {_text(text)}".strip()
    if 500 <= code < 600:
        raise Permanent(reason)
    raise Temporary(reason)


def _flatten(msg: Message) -> bytes:
    out = io.BytesIO()
    BytesGenerator(out).flatten(msg, linesep="\r\n")
    return out.getvalue()


class SmtpConnection:
    """One SMTP connection, opened lazily and reused for every message of a pass."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=30, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=30)
                if s.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
            if s.username:
                client.login(s.username, os.environ.get(s.password_env, ""))
        except smtplib.SMTPAuthenticationError as e:
            raise Temporary(
                f"SMTP login refused: {e.smtp_code} {_text(e.smtp_error)}", True
            ) from None
        except (OSError, smtplib.SMTPException) as e:
            raise Temporary(f"cannot reach SMTP {s.host}:{s.port}: {e}", True) from None
        return client

    def send(self, msg: Message, to: str, before_data: Callable[[], bool]) -> bool:
        """Hand ``msg`` to the server for ``to``; True once the server accepted it (250 to
        DATA), False when ``before_data()`` said no (nothing was handed over)."""
        if self.client is None:
            self.client = self._open()
        client = self.client
        try:
            client.ehlo_or_helo_if_needed()
            code, reply = client.mail(self.settings.from_address)
            if code != 250:
                self._reset()
                _classify(code, reply)
            code, reply = client.rcpt(to)
            if code not in (250, 251):
                self._reset()
                _classify(code, reply)
            if not before_data():
                self._reset()
                return False
            code, reply = client.data(_flatten(msg))
            if code != 250:
                self._reset()
                _classify(code, reply)
            return True
        except smtplib.SMTPServerDisconnected as e:
            self.close()
            raise Temporary(f"connection lost: {e}", True) from None
        except smtplib.SMTPResponseException as e:  # e.g. DATA refused before the content
            self._reset()
            _classify(e.smtp_code, e.smtp_error)
        except OSError as e:
            self.close()
            raise Temporary(f"connection lost: {e}", True) from None
        return False  # not reached: _classify raises

    def _reset(self) -> None:
        try:
            if self.client is not None:
                self.client.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.client = None
