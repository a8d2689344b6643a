"""Configuration: one validated model, loaded from TOML, secrets only from the environment.

Each package owns the settings it reads (``storage.settings``, ``analytics.settings``,
``mailing.settings``, ``bot.settings``, ``query_language.settings``); this module composes them into the file's schema and
adds the application-wide keys (time zone, currency, language).

Example::

    settings = load_settings(Path("custbot.toml"))
    settings.database.url
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator

from analytics.settings import ClassSettings, LoyaltySettings, RatingSettings
from analytics.validation import RuleError, check_rules
from bot.settings import (
    AccessSettings,
    BulkSettings,
    DigestEntry,
    SlackSettings,
    TelegramSettings,
    UserEntry,
)
from mailing.settings import SmtpSettings
from query_language.settings import LimitsSettings
from storage.columnar.settings import ColumnarSettings
from storage.contacts import CustomerSettings
from storage.settings import DatabaseSettings, SettingsModel

__all__ = [
    "Settings",
    "ConfigError",
    "load_settings",
    "UserEntry",
    "DatabaseSettings",
    "AccessSettings",
    "TelegramSettings",
    "SlackSettings",
    "SmtpSettings",
    "BulkSettings",
    "ClassSettings",
    "RatingSettings",
    "ColumnarSettings",
    "LimitsSettings",
    "LoyaltySettings",
]

DEFAULT_CONFIG = Path("custbot.toml")


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the key and what is allowed."""


class Settings(SettingsModel):
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    timezone: str = "Europe/Moscow"
    currency: str = "RUB"
    language: str = "en"
    files_dir: str = "custbot-files"  # where the terminal chat saves exports and charts
    users: list[UserEntry] = Field(default_factory=list)
    access: AccessSettings = Field(default_factory=AccessSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    bulk: BulkSettings = Field(default_factory=BulkSettings)
    classes: ClassSettings = Field(default_factory=ClassSettings)
    rating: RatingSettings = Field(default_factory=RatingSettings)
    analytics: ColumnarSettings = Field(default_factory=ColumnarSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    digests: list[DigestEntry] = Field(default_factory=list)
    customers: CustomerSettings = Field(default_factory=CustomerSettings)
    loyalty: LoyaltySettings = Field(default_factory=LoyaltySettings)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as 'Europe/Moscow' or 'UTC'") from None
        return v

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def secret(self, env_name: str) -> str | None:
        """A secret from the environment (never from the file)."""
        return os.environ.get(env_name) or None


def _format_error(err: ValidationError, source: str) -> str:
    lines = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown setting; see config.example.toml for the allowed keys"
        lines.append(f"{source}: {key}: {msg}")
    return "\n".join(lines)


def load_settings(path: Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Load ``path`` (default ``./custbot.toml`` when present, else built-in defaults)."""
    data: dict[str, Any] = {}
    source = "defaults"
    if path is None and DEFAULT_CONFIG.exists():
        path = DEFAULT_CONFIG
    if path is not None:
        source = str(path)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such configuration file") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: not valid TOML: {e}") from None
    if env_url := os.environ.get("CUSTBOT_DB_URL"):
        data.setdefault("database", {})["url"] = env_url
    for key, value in (overrides or {}).items():
        target = data
        *parents, last = key.split(".")
        for p in parents:
            target = target.setdefault(p, {})
        target[last] = value
    try:
        settings = Settings.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_format_error(e, source)) from None
    try:
        check_rules(settings, source)
    except RuleError as e:
        raise ConfigError(str(e)) from None
    return settings
