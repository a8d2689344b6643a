"""What mailing reads from the configuration: ``[smtp]`` and ``[smtp.one_click]``.

Example::

    SmtpSettings(host="mail.example.com", port=587, security="starttls").rate_per_minute  # 600
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import Field, field_validator

from storage.settings import SettingsModel

__all__ = ["SmtpSettings", "OneClickSettings", "MailSettings"]


class OneClickSettings(SettingsModel):
    """One-click unsubscribe (RFC 8058), served by ``custbot serve``; off while ``url`` is empty."""

    url: str = ""  # the endpoint's public address, e.g. "https://custbot.example.com/unsubscribe"
    secret_env: str = "CUSTBOT_UNSUBSCRIBE_SECRET"  # signs the per-recipient links (HMAC-SHA256)
    valid_days: int = Field(default=90, ge=1, le=3650)  # how long a link in a mail works
    listen: str = "0.0.0.0"
    port: int = Field(default=8080, ge=1, le=65535)  # used when Slack's HTTP mode is off

    @field_validator("url")
    @classmethod
    def _https(cls, v: str) -> str:
        local = v.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
        if v and not (v.startswith("https://") or local):
            raise ValueError(
                "must be an https:// address (RFC 8058), e.g. "
                "'https://custbot.example.com/unsubscribe'"
            )
        if "?" in v or "#" in v:
            raise ValueError(
                "must be a plain address without '?' or '#'; the link's token is added to it"
            )
        return v


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
    one_click: OneClickSettings = Field(default_factory=OneClickSettings)


class MailSettings(Protocol):
    """The part of the application's settings the mail worker reads."""

    @property
    def smtp(self) -> SmtpSettings: ...
