"""``[analytics]``: which engine answers the line-heavy questions, and the copy's limits.

Example (custbot.toml)::

    [analytics]
    engine = "auto"            # auto | duckdb | primary
    auto_min_lines = 500000    # auto uses the copy from this many order lines on
    path = ""                  # default: beside the SQLite file; required reading for PostgreSQL
    memory_limit = "2GB"
    threads = 2
    max_stale_seconds = 0      # answer from a copy this much behind, saying so in the echo
    refresh = "on_query"       # on_query | scheduled (serve's scheduler and the CLI refresh)
"""

from __future__ import annotations

import os
import re
from typing import Literal

from pydantic import Field, field_validator

from storage.settings import SettingsModel

__all__ = ["ColumnarSettings", "ENGINE_ENV"]

# Overrides ``[analytics] engine`` (the test suite runs once this way: docs/analytics-engine.md).
ENGINE_ENV = "CUSTBOT_ANALYTICS_ENGINE"


def _engine_default() -> str:
    value = os.environ.get(ENGINE_ENV, "auto")
    return value if value in ("auto", "duckdb", "primary") else "auto"


class ColumnarSettings(SettingsModel):
    """``[analytics]``: see the module docstring."""

    engine: Literal["auto", "duckdb", "primary"] = Field(default_factory=_engine_default)  # type: ignore[arg-type]
    auto_min_lines: int = Field(default=500_000, ge=0)
    path: str = ""
    memory_limit: str = "2GB"
    threads: int = Field(default=2, ge=1, le=256)
    max_stale_seconds: int = Field(default=0, ge=0)
    refresh: Literal["on_query", "scheduled"] = "on_query"
    refresh_seconds: int = Field(default=60, ge=5)  # serve's scheduler, with refresh = "scheduled"

    @field_validator("memory_limit")
    @classmethod
    def _memory(cls, v: str) -> str:
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", v.strip()):
            raise ValueError("a size such as '2GB' or '512MB'")
        return v.strip()
