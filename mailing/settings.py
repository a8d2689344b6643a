"""What mailing reads from the configuration: ``[smtp]``.

Example::

    SmtpSettings(host="mail.example.com", port=587, security="starttls").rate_per_minute  # 600
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import Field

from storage.settings import SettingsModel

__all__ = ["SmtpSettings", "MailSettings"]


class SmtpSettings(SettingsModel):
    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    username: str | None = None
    password_env: str = "CUSTBOT_SMTP_PASSWORD"
    from_address: str = "custbot@localhost"
    rate_per_minute: int = Field(default=600, ge=0)  # 0: no limit
    max_attempts: int = Field(default=5, ge=1)
    unsubscribe: str = "mailto:unsubscribe@localhost?subject=unsubscribe"


class MailSettings(Protocol):
    """The part of the application's settings the mail worker reads."""

    @property
    def smtp(self) -> SmtpSettings: ...
