"""What analytics reads from the configuration: ``[classes]`` and ``[rating]``.

Example::

    ClassSettings(window_months=6).abc_thresholds   # (0.8, 0.95)
"""

from __future__ import annotations

from typing import Protocol

from pydantic import Field, field_validator, model_validator

from storage.settings import SettingsModel

__all__ = ["ClassSettings", "RatingSettings", "AnalyticsSettings"]


class ClassSettings(SettingsModel):
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


class RatingSettings(SettingsModel):
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


class AnalyticsSettings(Protocol):
    """The part of the application's settings the recompute and explanations read."""

    @property
    def language(self) -> str: ...  # the language rating rules are written in

    @property
    def classes(self) -> ClassSettings: ...

    @property
    def rating(self) -> RatingSettings: ...
