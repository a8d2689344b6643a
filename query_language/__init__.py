"""The customer query language: text → AST → resolved query → SQL, and the echo.

Example::

    from query_language import CatalogCache, interpret, describe, run_query
    catalog = CatalogCache(engine).get()
    query = interpret("top 10 Kazan customers by spend this year", catalog, today=date(2026, 11, 22))
    with engine.connect() as conn:
        result = run_query(conn, query)
"""

from __future__ import annotations

import importlib
import re
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

# Imported now, before ``describe`` below: a submodule imported later would replace the
# function of the same name on this package.
importlib.import_module("query_language.describe")

# The other stages are imported on first use, so that ``import query_language.settings`` (the
# configuration's) loads no parser, catalog or route (issue #19).
if TYPE_CHECKING:
    from query_language.ast import Card, Count, Group, List, Query, Top
    from query_language.catalog import Catalog, CatalogCache
    from query_language.errors import QueryError
    from query_language.lexicon import LANGUAGES, detect_language, register_lexicon
    from query_language.mine import Me
    from query_language.run import QueryResult
    from storage.scope import CustomerScope

__all__ = [
    "QueryError",
    "Catalog",
    "CatalogCache",
    "parse",
    "interpret",
    "describe",
    "matching_ids",
    "run_query",
    "Query",
    "QueryResult",
    "Count",
    "List",
    "Top",
    "Group",
    "Card",
    "detect_language",
    "register_lexicon",
    "LANGUAGES",
    "Me",
]

_WHERE = {
    "Query": "query_language.ast",
    "Count": "query_language.ast",
    "List": "query_language.ast",
    "Top": "query_language.ast",
    "Group": "query_language.ast",
    "Card": "query_language.ast",
    "Catalog": "query_language.catalog",
    "CatalogCache": "query_language.catalog",
    "QueryError": "query_language.errors",
    "detect_language": "query_language.lexicon",
    "register_lexicon": "query_language.lexicon",
    "LANGUAGES": "query_language.lexicon",
    "Me": "query_language.mine",
    "QueryResult": "query_language.run",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'query_language' has no attribute {name!r}")


def _internal(e: Exception, text: str = "") -> QueryError:
    from query_language.errors import QueryError

    return QueryError(
        f"I could not understand this query ({type(e).__name__}: {e})",
        span=(0, len(text)),
        text=text or None,
        expected=["a simpler query; please report this one"],
    )


def parse(text: str, language: str = "en") -> Any:
    """Check the syntax of ``text`` without a catalog; the AST as typed, or QueryError.

    Example: ``parse("rating B or better, vip")`` (used to validate rating rules in config).
    """
    from query_language.errors import QueryError, localise
    from query_language.parser import parse as _parse

    try:
        return _parse(text, language)
    except QueryError as e:
        localise(e, language)
        raise
    except Exception as e:  # noqa: BLE001 - no input may raise anything but QueryError
        raise _internal(e, text) from e


def interpret(
    text: str,
    catalog: Catalog,
    today: date | None = None,
    language: str = "en",
    *,
    scope: CustomerScope | None = None,
    me: Me | None = None,
) -> Query:
    """Parse and resolve ``text`` against ``catalog``; raises QueryError only.

    With a ``scope`` (the reader's, see ``storage.scope``) customer names are looked up and
    suggested only among the customers it allows, and the query carries it: every compiled form
    (``matching_ids``, ``run_query``) reads only those customers.

    With ``me`` (the asker's manager row, ``query_language.mine.Me``) ``my`` means their own
    customers; without it ``my`` is an error.

    Example: ``interpret("vip no purchases in last 90 days", catalog, today=date(2026, 11, 22))``.
    """
    from query_language.errors import QueryError, localise
    from query_language.lexicon import LANGUAGES
    from query_language.limits import bound, check_nesting
    from query_language.mine import asking
    from query_language.parser import parse as _parse
    from query_language.resolve import resolve

    today = today or date.today()
    if scope is not None and scope.limited:
        catalog = catalog.scoped(scope)
    try:
        if not isinstance(text, str):
            raise QueryError("a query must be text", expected=["text"])
        text = _CONTROL.sub(" ", text)  # a NUL can't even be a bound parameter on PostgreSQL
        if language not in LANGUAGES:
            raise QueryError(
                f"I cannot read queries in '{language}' yet",
                span=(0, len(text)),
                expected=list(LANGUAGES),
            )
        from query_language.contacts import contact_query

        by_contact = contact_query(text, catalog, today=today, language=language, scope=scope)
        if by_contact is not None:  # an email or a phone: that customer's card
            return replace(by_contact, scope=scope) if scope is not None else by_contact
        tree = check_nesting(_parse(text, language, catalog.index(language)), text, language)
        with asking(me):
            query = bound(resolve(tree, catalog, text=text, today=today, language=language))
        return replace(query, scope=scope) if scope is not None else query
    except QueryError as e:
        if e.text is None and isinstance(text, str):
            e.text = text
        localise(e, language)
        raise
    except RecursionError as e:
        raise QueryError(
            "the query is nested too deeply",
            span=(0, len(text)),
            text=text,
            expected=["fewer parentheses"],
        ) from e
    except Exception as e:  # noqa: BLE001 - no input may raise anything but QueryError
        raise _internal(e, text if isinstance(text, str) else "") from e


# C0 control characters (but tab and newline) and DEL read as spaces; same length, so spans hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def describe(query: Query) -> str:
    """The echo: ``'customers · city = Moscow · bought Super Drill for over 40 000 in …'``."""
    from query_language.describe import describe as _describe

    return _describe(query)


def matching_ids(query: Query, *, scope_manager_id: int | None = None) -> Any:
    """A ``Select`` of one column, ``customers.id``, of the customers ``query`` matches."""
    from query_language.compile import matching_ids as _matching_ids

    return _matching_ids(query, scope_manager_id=scope_manager_id)


def run_query(
    conn: Any,
    query: Query,
    *,
    offset: int = 0,
    limit: int | None = 10,
    scope_manager_id: int | None = None,
) -> QueryResult:
    """Count, rows (or groups), period and echo; see ``query_language.run``.

    Answered from the analytical copy when ``query_language.route`` says so (the copy is
    current, or within the configured staleness, which the echo then states). A statement cut
    off by ``storage.timeouts.statement_timeout`` raises QueryError ("takes too long")."""
    from query_language import route
    from query_language.describe import stale_note
    from query_language.limits import too_slow
    from query_language.run import run_query as _run_query
    from storage.timeouts import StatementTimeout

    try:
        if route.router_for(conn) is None or not route.routable(query):
            return _run_query(
                conn, query, offset=offset, limit=limit, scope_manager_id=scope_manager_id
            )
        with route.reading(conn) as (source, stale_since):
            result = _run_query(
                source, query, offset=offset, limit=limit, scope_manager_id=scope_manager_id
            )
    except StatementTimeout as e:
        raise too_slow(query.text, query.language) from e
    if stale_since is not None:
        result.interpretation += stale_note(query.language, stale_since)
    return result
