"""Case folding for every alphabet, the same on SQLite and PostgreSQL.

SQLite's built-in ``lower()`` and ``LIKE`` fold ASCII only, so ``карточка Ромашка`` never met
``Ромашка``. Every SQLite connection custbot opens gets a deterministic ``custbot_lower(text)``
(Python's ``str.lower``); on PostgreSQL ``lower()`` is already Unicode-aware (UTF-8 databases).
``folded(column)`` writes whichever applies, and ``fold(text)`` is the same folding in Python
for the value compared with it.

Example::

    select(customers.c.id).where(folded(customers.c.name) == fold("РОМАШКА"))
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

__all__ = ["fold", "folded", "register_sqlite_functions", "SQLITE_LOWER"]

SQLITE_LOWER = "custbot_lower"


def fold(text: str) -> str:
    """The folded form of ``text``, exactly as ``folded`` folds a column: ``str.lower``."""
    return text.lower()


def _sqlite_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def register_sqlite_functions(dbapi_conn: Any) -> None:
    """Register ``custbot_lower`` on a new SQLite connection (a ``sqlite3.Connection``;
    deterministic, so usable anywhere SQL is)."""
    dbapi_conn.create_function(SQLITE_LOWER, 1, _sqlite_lower, deterministic=True)


class folded(GenericFunction[str]):  # noqa: N801 - reads as SQL
    """``lower(x)`` on PostgreSQL, ``custbot_lower(x)`` on SQLite."""

    type = String()
    name = "folded"
    inherit_cache = True


@compiles(folded)
def _folded_default(element: folded, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _folded_sqlite(element: folded, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"
