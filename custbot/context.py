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
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from custbot.config import Settings, load_settings
from storage.db import connect

if TYPE_CHECKING:
    from bot.users import User

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
        """The database, migrated to the newest schema on first use; its line-heavy questions
        routed to the analytical copy as ``[analytics]`` says (``query_language.route``)."""
        from query_language.route import configure, router_for

        engine = self._engine or connect(self.settings.database.url)
        if router_for(engine) is None:
            configure(engine, self.settings.analytics)
        return engine

    def acting_user(self) -> User:
        """The user of ``--as`` (the local administrator without it); UsageError if unknown."""
        from bot.users import LOCAL_ADMIN, find_user_by_name

        if not self.acting_as:
            return LOCAL_ADMIN
        with self.engine.connect() as conn:
            user = find_user_by_name(conn, self.acting_as)
        if user is None:
            raise UsageError(
                f"--as {self.acting_as}: no single user has that name or surname; "
                "see the managers table or the [[users]] of the configuration"
            )
        return user

    def actor(self):  # type: ignore[no-untyped-def]
        """Who a change made from the command line is recorded as (``--as``, else the local
        administrator), for the audit log and undo."""
        from storage.changes import Actor

        user = self.acting_user()
        return Actor("cli", user.identity.key, user.manager_id, f"{user.name} (cli)")

    def scope(self):  # type: ignore[no-untyped-def]
        """Whose customers the acting user may see, by the same rule as in chat
        (``storage.scope.CustomerScope``): reps with ``access.scope = "own"`` their own."""
        from storage.scope import CustomerScope

        user = self.acting_user()
        return CustomerScope.for_user(
            role=user.role, manager_id=user.manager_id, setting=self.settings.access.scope
        )

    def today(self) -> date:
        """*Today* in the configured time zone, unless overridden with ``--as-of``."""
        return self.as_of or datetime.now(self.settings.tz).date()
