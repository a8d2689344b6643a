"""Which engine answers: the primary database or its DuckDB copy (``storage.columnar``).

One rule, in one place (``run_query`` and the class recompute ask it; docs/analytics-engine.md):

1. ``[analytics] engine = "primary"``, no copy configured for this database, or a query that
   names its customers (``customer …``): the primary.
2. ``auto``: the copy only from ``auto_min_lines`` order lines on (a small base answers faster
   from the primary than a DuckDB round trip costs).
3. The copy answers when its generations equal the primary's as the caller's own connection sees
   them — so a caller inside a transaction that changed copied tables reads the primary, with
   its own changes. A stale copy is refreshed first (``refresh = "on_query"``) when the caller
   has no such uncommitted changes and no other process is refreshing it.
4. Still stale: the copy answers only within ``max_stale_seconds`` of its snapshot, and the echo
   says so (``· data as of 17:02 UTC``); otherwise the primary answers.

Example::

    configure(engine, ColumnarSettings(engine="duckdb"), Path("custbot.db.analytics.duckdb"))
    with reading(conn) as (source, note):   # source: a DuckDB connection, or conn itself
        source.execute(select(...))
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from query_language import ast as a
from storage.columnar import ColumnarCopy, ColumnarSettings, default_copy_path, read_generations
from storage.schema import order_lines

__all__ = ["Router", "configure", "router_for", "reading", "routable", "unconfigure"]

_ROUTERS: weakref.WeakKeyDictionary[Engine, Router] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


@dataclass
class Router:
    """The routing rule for one primary engine (see the module docstring)."""

    copy: ColumnarCopy
    settings: ColumnarSettings
    counts: dict[str, int] = field(default_factory=dict)  # "copy", "primary", "stale", "refresh"

    def _count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def _big_enough(self, conn: Connection) -> bool:
        if self.settings.engine == "duckdb":
            return True
        state = self.copy.state()
        if state is not None:
            lines = state.lines
        else:
            lines = int(conn.execute(select(func.max(order_lines.c.id))).scalar() or 0)
        return lines >= self.settings.auto_min_lines

    def choose(
        self, conn: Connection, *, allow_stale: bool = True
    ) -> tuple[Engine | None, datetime | None]:
        """The copy's engine (or None: the primary) and, when it is stale, its snapshot time."""
        if self.settings.engine == "primary" or not self._big_enough(conn):
            self._count("primary")
            return None, None
        mine = read_generations(conn)
        state = self.copy.state()
        if state is not None and state.generations == mine and self.copy.is_current(conn):
            self._count("copy")
            return self.copy.engine(), None
        if self.settings.refresh == "on_query":
            with conn.engine.connect() as fresh:
                committed = read_generations(fresh)
            if committed == mine:  # no uncommitted change of this caller to wait for
                self._count("refresh")
                self.copy.refresh(conn.engine)
                if self.copy.is_current(conn):
                    self._count("copy")
                    return self.copy.engine(), None
        state = self.copy.state()
        allowance = self.settings.max_stale_seconds
        if state is not None and allowance > 0 and allow_stale:
            age = (datetime.now(UTC) - state.snapshot_at).total_seconds()
            if age <= allowance and state.source == _source(conn):
                self._count("stale")
                return self.copy.engine(), state.snapshot_at
        self._count("primary")
        return None, None


def _source(conn: Connection) -> str:
    from storage.columnar.copy import source_of

    return source_of(conn.engine)


def configure(
    engine: Engine, settings: ColumnarSettings, path: Path | None = None
) -> Router | None:
    """Route ``engine``'s line-heavy questions by ``settings`` (None: always the primary)."""
    with _LOCK:
        old = _ROUTERS.pop(engine, None)
        if old is not None:
            old.copy.close()
        if settings.engine == "primary":
            return None
        url = engine.url.render_as_string(hide_password=False)
        where = path or default_copy_path(url, settings.path)
        copy = ColumnarCopy(where, memory_limit=settings.memory_limit, threads=settings.threads)
        router = Router(copy, settings)
        _ROUTERS[engine] = router
        return router


def unconfigure(engine: Engine) -> None:
    with _LOCK:
        old = _ROUTERS.pop(engine, None)
    if old is not None:
        old.copy.close()


def router_for(conn_or_engine: Connection | Engine) -> Router | None:
    """The router configured for this primary (a connection's engine), if any."""
    return _ROUTERS.get(conn_or_engine.engine)


def _names_customers(node: a.Node) -> bool:
    if isinstance(node, a.CustomerIs | a.FollowUpIs):  # follow-ups are not in the copy
        return True
    if isinstance(node, a.And | a.Or):
        return any(_names_customers(i) for i in node.items)
    return isinstance(node, a.Not) and _names_customers(node.item)


def _reads_loyalty(node: a.Node) -> bool:
    """Points and tier moves read tables the copy does not hold (the ledger, the audit log)."""
    from query_language.loyalty import PointsCmp, TierMoved

    if isinstance(node, PointsCmp | TierMoved):
        return True
    if isinstance(node, a.And | a.Or | a.AnyOf):
        return any(_reads_loyalty(i) for i in node.items)
    if isinstance(node, a.InSegment) and node.dynamic is not None:
        return _reads_loyalty(node.dynamic)
    return isinstance(node, a.Not) and _reads_loyalty(node.item)


def routable(query: a.Query) -> bool:
    """Whether ``query`` may be answered from the copy: everything ``run_query`` answers except
    questions about named customers (an index seek on the primary; docs/analytics-engine.md)
    and about loyalty points, tier moves and follow-ups (tables the copy does not hold)."""
    return (
        not isinstance(query.output, a.Card)
        and not _names_customers(query.where)
        and not _reads_loyalty(query.where)
    )


@contextmanager
def reading(conn: Connection, *, allow_stale: bool = True) -> Iterator[tuple[Any, datetime | None]]:
    """``(connection, stale_since)``: a connection to the copy when the rule says so, else
    ``conn`` itself; ``stale_since`` is the copy's snapshot time when it answers stale (never
    with ``allow_stale=False``: what is computed will be written back, e.g. the classes)."""
    router = router_for(conn)
    duck, stale = (None, None)
    if router is not None:
        duck, stale = router.choose(conn, allow_stale=allow_stale)
    if duck is None:
        yield conn, None
        return
    with duck.connect() as dconn:
        yield dconn, stale
