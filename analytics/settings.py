"""What analytics reads from the configuration: ``[classes]``, ``[rating]`` and ``[loyalty]``.

Example::

    ClassSettings(window_months=6).abc_thresholds   # (0.8, 0.95)
"""

from __future__ import annotations

import re
from typing import Literal, Protocol

from pydantic import Field, field_validator, model_validator

from storage.settings import SettingsModel

__all__ = ["ClassSettings", "RatingSettings", "LoyaltySettings", "AnalyticsSettings"]


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


class LoyaltySettings(SettingsModel):
    """Loyalty points and tiers (docs/ratings.md, "Loyalty points and tiers"); off without tiers."""

    tiers: dict[str, int] = Field(default_factory=dict)  # tier -> least points in the window
    amount_per_point: float = Field(default=100.0, gt=0)  # one point per this much net amount
    per: Literal["order", "line"] = "order"  # whole points per order, or per order line
    multipliers: dict[str, float] = Field(default_factory=dict)  # product category -> factor
    window_months: int = Field(default=12, ge=1, le=120)  # tiers weigh the points of this window

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, v: dict[str, int]) -> dict[str, int]:
        for name, least in v.items():
            if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", name):
                raise ValueError(f"tier names are lower-case words such as gold, not {name!r}")
            if least < 0:
                raise ValueError(f"tier {name}: the least points must be 0 or more")
        if len(set(v.values())) != len(v):
            raise ValueError("two tiers have the same least points; give each its own")
        return v

    @property
    def enabled(self) -> bool:
        return bool(self.tiers)

    def ordered(self) -> list[tuple[str, int]]:
        """The tiers from the lowest up: ``[("bronze", 0), ("silver", 500), ("gold", 2000)]``."""
        return sorted(self.tiers.items(), key=lambda t: t[1])


class AnalyticsSettings(Protocol):
    """The part of the application's settings the recompute and explanations read."""

    @property
    def language(self) -> str: ...  # the language rating rules are written in

    @property
    def classes(self) -> ClassSettings: ...

    @property
    def rating(self) -> RatingSettings: ...

    @property
    def loyalty(self) -> LoyaltySettings: ...
