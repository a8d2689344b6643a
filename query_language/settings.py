"""The query language's settings (``[limits]``): what one question may ask of the database.

Example::

    LimitsSettings(max_conditions=30).apply()   # query_language.limits now caps at 30
"""

from __future__ import annotations

from pydantic import Field

from storage.settings import SettingsModel

__all__ = ["LimitsSettings"]


class LimitsSettings(SettingsModel):
    """Caps of one question (query_language.limits) and the statement timeout of a chat request
    (storage.timeouts); see docs/security.md."""

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
