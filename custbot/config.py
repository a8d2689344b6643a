"""Configuration: one validated model, loaded from TOML, secrets only from the environment.

Example::

    settings = load_settings(Path("custbot.toml"))
    settings.database.url
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = ["Settings", "ConfigError", "load_settings", "UserEntry"]

DEFAULT_CONFIG = Path("custbot.toml")


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the key and what is allowed."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Model):
    url: str = "sqlite:///custbot.db"


class UserEntry(_Model):
    """A person allowed to talk to the bot (in addition to the managers table)."""

    name: str
    role: Literal["rep", "manager", "admin"] = "rep"
    telegram_id: int | None = None
    slack: str | None = Field(default=None, description="TEAMID:USERID")
    language: str | None = None

    @field_validator("slack")
    @classmethod
    def _slack_pair(cls, v: str | None) -> str | None:
        if v is not None and (v.count(":") != 1 or not all(v.split(":"))):
            raise ValueError("must be 'TEAM_ID:USER_ID', e.g. 'T0123:U0456'")
        return v


class AccessSettings(_Model):
    scope: Literal["own", "all"] = "all"  # what a rep sees: only their own customers, or everyone's


class TelegramSettings(_Model):
    token_env: str = "CUSTBOT_TELEGRAM_TOKEN"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret_env: str = "CUSTBOT_TELEGRAM_WEBHOOK_SECRET"
    listen: str = "0.0.0.0"
    port: int = Field(default=8443, ge=1, le=65535)
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    share_in_groups: bool = False  # lists go privately unless the user asks to share


class SlackSettings(_Model):
    bot_token_env: str = "CUSTBOT_SLACK_BOT_TOKEN"
    app_token_env: str = "CUSTBOT_SLACK_APP_TOKEN"
    signing_secret_env: str = "CUSTBOT_SLACK_SIGNING_SECRET"
    mode: Literal["socket", "http"] = "socket"
    command: str = "/customers"
    allowed_teams: list[str] = Field(default_factory=list)  # empty: nobody (deny by default)
    base_url: str = "https://slack.com/api/"
    port: int = Field(default=3000, ge=1, le=65535)

    @field_validator("command")
    @classmethod
    def _slash(cls, v: str) -> str:
        if not v.startswith("/") or len(v) < 2:
            raise ValueError("must start with '/', e.g. '/customers'")
        return v


class SmtpSettings(_Model):
    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    username: str | None = None
    password_env: str = "CUSTBOT_SMTP_PASSWORD"
    from_address: str = "custbot@localhost"
    rate_per_minute: int = Field(default=600, ge=0)  # 0: no limit
    max_attempts: int = Field(default=5, ge=1)
    unsubscribe: str = "mailto:unsubscribe@localhost?subject=unsubscribe"


class BulkSettings(_Model):
    confirm_minutes: int = Field(default=10, ge=1)
    row_cap: int = Field(default=10_000, ge=1)
    undo_days: int = Field(default=7, ge=0)


class ClassSettings(_Model):
    window_months: int = Field(default=12, ge=1, le=120)
    abc_thresholds: tuple[float, float] = (0.80, 0.95)
    xyz_thresholds: tuple[float, float] = (0.10, 0.25)

    @model_validator(mode="after")
    def _ordered(self) -> ClassSettings:
        for name in ("abc_thresholds", "xyz_thresholds"):
            a, b = getattr(self, name)
            if not 0 < a < b:
                raise ValueError(
                    f"{name} must be two increasing positive numbers, e.g. [0.8, 0.95]"
                )
        return self


class RatingSettings(_Model):
    rules: dict[str, str] = Field(default_factory=dict)  # rating -> query; first match wins
    schedule: str | None = None  # cron, e.g. "0 6 * * mon"
    report_chat: str | None = None  # "telegram:CHAT_ID" or "slack:CHANNEL_ID"

    @field_validator("rules")
    @classmethod
    def _ratings(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            if key not in ("A", "B", "C"):
                raise ValueError(f"rule names must be A, B or C, not {key!r}")
        return v


class LimitsSettings(_Model):
    """What one chat question may ask of the database (query_language.limits, storage.timeouts)."""

    max_conditions: int = Field(default=50, ge=1, le=10_000)
    max_depth: int = Field(default=12, ge=1, le=200)
    statement_timeout_ms: int = Field(default=10_000, ge=0)  # 0: statements are not bounded

    def apply(self) -> None:
        """Make the query language use these limits (process-wide)."""
        from query_language.limits import configure

        configure(
            max_conditions=self.max_conditions,
            max_depth=self.max_depth,
            statement_timeout_ms=self.statement_timeout_ms,
        )


class Settings(_Model):
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
    limits: LimitsSettings = Field(default_factory=LimitsSettings)

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


def load_settings(path: Path | None = None, overrides: dict | None = None) -> Settings:
    """Load ``path`` (default ``./custbot.toml`` when present, else built-in defaults)."""
    data: dict = {}
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
    for hook in _VALIDATION_HOOKS:
        hook(settings, source)
    return settings


# Later stages (e.g. rating rules, which need the query language) register checks here so that
# a bad value stops the configuration from loading without this module importing them.
_VALIDATION_HOOKS: list = []


def add_validation_hook(hook) -> None:  # type: ignore[no-untyped-def]
    _VALIDATION_HOOKS.append(hook)
