"""What depends on who asks: ``my`` (the asker's own customers) and the follow-up conditions.

``interpret(…, me=Me(manager_id=7))`` binds the asker for the time of one interpretation (a
context variable, so no resolver signature changes); ``my`` then becomes ``manager = Ivanov
(you)``. Someone without a manager row (or asked without ``me``) gets an error that says so.

Example::

    with asking(Me(7)):
        node = mine_node((0, 2), catalog, "en")   # FieldIs("manager", (7,), "Ivanov (you)")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time

from query_language import ast as a
from query_language.catalog import Catalog
from query_language.errors import QueryError
from query_language.lexicon import load_lexicon

__all__ = ["Me", "asking", "mine_node", "follow_up_node"]


@dataclass(frozen=True)
class Me:
    """The person asking: their row in ``managers`` (None: they have none)."""

    manager_id: int | None


_ME: ContextVar[Me | None] = ContextVar("custbot_query_me", default=None)


@contextmanager
def asking(me: Me | None) -> Iterator[None]:
    token = _ME.set(me)
    try:
        yield
    finally:
        _ME.reset(token)


def mine_node(span: a.Span, catalog: Catalog, language: str, text: str) -> a.Node:
    """``my``: the asker's own customers, as ``manager = <their surname> (you)``."""
    me = _ME.get()
    if me is None or me.manager_id is None:
        raise QueryError(
            "'my' means the customers you manage, and you manage none",
            span=span,
            text=text,
            expected=["a manager's name, e.g. manager Ivanov"],
        )
    words = load_lexicon(language).describe_words if language != "en" else {}
    surname = catalog.managers.get(me.manager_id, ("", str(me.manager_id)))[1]
    label = f"{surname} ({words.get('you', 'you')})"
    return a.FieldIs("manager", (me.manager_id,), label, span=span)


def follow_up_node(state: str, span: a.Span, today: date) -> a.FollowUpIs:
    """``with open follow-ups`` / ``follow-up overdue`` (due before the start of ``today``)."""
    before = datetime.combine(today, time()) if state == "overdue" else None
    return a.FollowUpIs(state, before, span=span)
