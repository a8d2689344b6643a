"""Alembic environment: runs against the engine handed in by ``storage.db.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.schema import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: take the URL from the ini or environment
    import os

    from storage.db import normalise_url

    engine = create_engine(normalise_url(os.environ.get("CUSTBOT_DB_URL", "sqlite:///custbot.db")))

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
