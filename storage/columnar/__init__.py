"""A columnar copy of what the line-heavy questions read, in DuckDB, kept exact.

The copy holds order lines with their orders, products, and the customer attributes conditions
use (``tables.COPIED``), plus the generation of each table it reflects. The primary database
advances a table's generation in every writer's own transaction (triggers, migration 0009), so
the copy is *current* exactly when its generations equal the primary's. ``ColumnarCopy.refresh``
brings it up to date incrementally (new rows by id, changed orders from a trigger-filled list,
changed customer-level tables reloaded) under a lease, into a new file that replaces the old one
atomically, so readers in any process never see a half-written copy.

Example::

    copy = ColumnarCopy(Path("custbot.db.analytics.duckdb"))
    copy.refresh(engine)                      # build or bring up to date; False if leased elsewhere
    copy.is_current(conn)                     # generations equal the primary's?
    with copy.engine().connect() as duck: ... # SQLAlchemy over the copy (read-only)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Imported on first use: ``storage.columnar.settings`` (the configuration's) loads no copy,
# leases or SQL dialects (issue #19).
if TYPE_CHECKING:
    from storage.columnar.copy import ColumnarCopy, CopyState, RefreshReport, default_copy_path
    from storage.columnar.generation import read_generations
    from storage.columnar.settings import ColumnarSettings
    from storage.columnar.tables import COPIED

__all__ = [
    "ColumnarCopy",
    "CopyState",
    "RefreshReport",
    "ColumnarSettings",
    "COPIED",
    "read_generations",
    "default_copy_path",
]

_WHERE = {
    "ColumnarCopy": "storage.columnar.copy",
    "CopyState": "storage.columnar.copy",
    "RefreshReport": "storage.columnar.copy",
    "default_copy_path": "storage.columnar.copy",
    "read_generations": "storage.columnar.generation",
    "ColumnarSettings": "storage.columnar.settings",
    "COPIED": "storage.columnar.tables",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'storage.columnar' has no attribute {name!r}")
