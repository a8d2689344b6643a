"""The database settings (``[database]``) and the base every package's settings model shares.

Each package owns the settings it reads, as pydantic models; ``custbot.config`` composes them
into the configuration file's schema.

Example::

    DatabaseSettings(url="postgresql+psycopg://custbot@db/custbot").url
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["SettingsModel", "DatabaseSettings"]


class SettingsModel(BaseModel):
    """A section of the configuration file: an unknown key is an error, never ignored."""

    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(SettingsModel):
    url: str = "sqlite:///custbot.db"
