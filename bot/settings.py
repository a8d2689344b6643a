"""What the chat layer reads from the configuration: users, access, front ends, bulk changes.

``BotSettings`` is the whole of what the chat core and its front ends read; the application's
``custbot.config.Settings`` provides it.

Example::

    SlackSettings(allowed_teams=["T0123"]).command   # '/customers'
"""

from __future__ import annotations

from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from analytics.settings import AnalyticsSettings
from mailing.settings import MailSettings
from query_language.settings import LimitsSettings
from storage.contacts import CustomerSettings
from storage.settings import SettingsModel

__all__ = [
    "UserEntry",
    "AccessSettings",
    "TelegramSettings",
    "SlackSettings",
    "BulkSettings",
    "BotSettings",
    "DigestEntry",
]


class UserEntry(SettingsModel):
    """A person allowed to talk to the bot (in addition to the managers table)."""

    name: str
    role: Literal["rep", "manager", "admin"] = "rep"
    telegram_id: int | None = None
    slack: str | None = Field(default=None, description="TEAMID:USERID")
    language: str | None = None
    # a manager's team channel ("telegram:-100…", "slack:C0123"): the one group chat where
    # subscriptions and watches computed with that manager's team scope may be posted
    team_channel: str | None = None
    timezone: str | None = None  # IANA name for their follow-ups (issue 21); None: the global one

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                ZoneInfo(v)
            except (KeyError, ValueError):
                raise ValueError(f"unknown time zone {v!r}, e.g. 'Europe/Moscow'") from None
        return v

    @field_validator("slack")
    @classmethod
    def _slack_pair(cls, v: str | None) -> str | None:
        if v is not None and (v.count(":") != 1 or not all(v.split(":"))):
            raise ValueError("must be 'TEAM_ID:USER_ID', e.g. 'T0123:U0456'")
        return v


class AccessSettings(SettingsModel):
    scope: Literal["own", "all"] = "all"  # what a rep sees: only their own customers, or everyone's


class TelegramSettings(SettingsModel):
    token_env: str = "CUSTBOT_TELEGRAM_TOKEN"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret_env: str = "CUSTBOT_TELEGRAM_WEBHOOK_SECRET"
    listen: str = "0.0.0.0"
    port: int = Field(default=8443, ge=1, le=65535)
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    share_in_groups: bool = False  # lists go privately unless the user asks to share
    # groups and channels the bot serves (their chat ids, e.g. -1001234567890); empty: none.
    # Private chats of known users are always served.
    allowed_chats: list[int] = Field(default_factory=list)


class SlackSettings(SettingsModel):
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


class BulkSettings(SettingsModel):
    confirm_minutes: int = Field(default=10, ge=1)
    row_cap: int = Field(default=10_000, ge=1)
    undo_days: int = Field(default=7, ge=0)


class BotSettings(AnalyticsSettings, MailSettings, Protocol):
    """Everything the chat core, its commands and the front ends read from the settings."""

    @property
    def timezone(self) -> str: ...

    @property
    def tz(self) -> ZoneInfo: ...

    @property
    def currency(self) -> str: ...

    @property
    def users(self) -> list[UserEntry]: ...

    @property
    def access(self) -> AccessSettings: ...

    @property
    def telegram(self) -> TelegramSettings: ...

    @property
    def slack(self) -> SlackSettings: ...

    @property
    def bulk(self) -> BulkSettings: ...

    @property
    def limits(self) -> LimitsSettings: ...

    @property
    def customers(self) -> CustomerSettings: ...

    def secret(self, env_name: str) -> str | None: ...

    @property
    def digests(self) -> list[DigestEntry]: ...


class DigestEntry(SettingsModel):
    """One ``[[digests]]`` definition: each manager (and each rep of a team, with ``reps``)
    gets their own version in their DM and language, scoped to their customers."""

    name: str = Field(min_length=1, max_length=80)
    schedule: str  # "daily 8:00", "every monday 9:00 Europe/Berlin", "weekly 9:00", "0 8 * * 1-5"
    query: str = Field(min_length=1)
    reps: bool = False  # the reps of each manager's team get their own version too
    send_empty: bool = False  # post even when nothing matches

    @field_validator("schedule")
    @classmethod
    def _readable(cls, v: str) -> str:
        from datetime import datetime

        from bot.schedule_words import ScheduleError, split_lead

        try:
            split_lead(v, "UTC", datetime(2026, 1, 1))
        except ScheduleError:
            raise ValueError(
                "must be a schedule like 'daily 8:00', 'every monday 9:00 Europe/Berlin', "
                "'weekly 9:00', 'monthly 1 9:00' or a cron expression '0 8 * * 1-5'"
            ) from None
        return v
