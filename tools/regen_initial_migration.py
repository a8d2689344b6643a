"""Regenerate migration 0001 from storage/schema.py (allowed only until the first release).

Run: .venv/bin/python tools/regen_initial_migration.py
"""

from __future__ import annotations

from pathlib import Path

from alembic import command

from storage.db import _alembic_config, make_engine

versions = Path(__file__).resolve().parent.parent / "storage" / "migrations" / "versions"
for old in versions.glob("0001_*.py"):
    old.unlink()
command.revision(_alembic_config(make_engine("sqlite://")), message="initial schema",
                 autogenerate=True, rev_id="0001")
