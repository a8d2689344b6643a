"""Regenerate migration 0001 from storage/schema.py (allowed only until the first release).

Later revisions (0002, …) are set aside while 0001 is generated, then put back.
Run: .venv/bin/python tools/regen_initial_migration.py
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from alembic import command

from storage.db import _alembic_config, make_engine

versions = Path(__file__).resolve().parent.parent / "storage" / "migrations" / "versions"
aside = Path(tempfile.mkdtemp())
later = [p for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py") if not p.name.startswith("0001_")]
for path in later:
    shutil.move(str(path), aside / path.name)
try:
    for old in versions.glob("0001_*.py"):
        old.unlink()
    command.revision(
        _alembic_config(make_engine("sqlite://")),
        message="initial schema",
        autogenerate=True,
        rev_id="0001",
    )
finally:
    for path in later:
        shutil.move(str(aside / path.name), path)
