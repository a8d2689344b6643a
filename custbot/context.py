"""What every command needs: settings, the database, today, and who is acting.

Example::

    ctx = AppContext.create(config=None, db=None, as_of=None, acting_as=None)
    with ctx.engine.connect() as conn: ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine

from custbot.config import Settings, load_settings
from storage.db import connect

__all__ = ["AppContext", "UsageError"]


class UsageError(Exception):
    """A command used wrongly; the message says what to do instead."""


@dataclass
class AppContext:
    settings: Settings
    as_of: date | None = None
    acting_as: str | None = None  # a user's name; None = the local administrator
    _engine: Engine | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls,
        config: Path | None = None,
        db: str | None = None,
        as_of: date | None = None,
        acting_as: str | None = None,
    ) -> AppContext:
        overrides = {"database.url": db} if db else None
        return cls(load_settings(config, overrides), as_of=as_of, acting_as=acting_as)

    @cached_property
    def engine(self) -> Engine:
        """The database, migrated to the newest schema on first use."""
        return self._engine or connect(self.settings.database.url)

    def today(self) -> date:
        """*Today* in the configured time zone, unless overridden with ``--as-of``."""
        return self.as_of or datetime.now(self.settings.tz).date()
