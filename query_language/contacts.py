"""A customer by email or phone: ``card office@romashka.ru``, ``card +7 912 345-67-89``, or the
address or number alone, reads as that customer's card (within the reader's scope).

Phones match however they are written: both sides are compared in E.164
(``storage.contacts``, ``[customers] phone_region`` for numbers without a country code).

Example::

    q = contact_query("card c1@example.com", catalog, today=date(2026, 11, 22), language="en")
    q.output  # Card(ids=(1,), name='Romashka'); an unknown address: Card((), 'c…@example.com')
"""

from __future__ import annotations

from datetime import date

from query_language import ast as a
from query_language.catalog import Catalog
from query_language.lexicon import load_lexicon
from storage.contacts import find_by_contact, looks_like_email, looks_like_phone
from storage.scope import EVERYONE, CustomerScope

__all__ = ["contact_query", "strip_card_word"]


def strip_card_word(text: str, language: str) -> str:
    """``text`` without a leading card keyword of ``language`` (``card``, ``карточка``)."""
    words = text.split()
    lex = load_lexicon(language)
    for phrase, (term, _payload) in lex.phrases.items():
        n = len(phrase)
        if term == "CARD" and len(words) > n and tuple(w.lower() for w in words[:n]) == phrase:
            return " ".join(words[n:])
    return text.strip()


def contact_query(
    text: str,
    catalog: Catalog,
    *,
    today: date,
    language: str,
    scope: CustomerScope | None = None,
) -> a.Query | None:
    """The card query for an email or phone (with or without the card keyword); None when
    ``text`` is something else."""
    body = strip_card_word(text, language)
    if not (looks_like_email(body) or looks_like_phone(body)) or catalog.names is None:
        return None
    with catalog.names.engine.connect() as conn:
        found = find_by_contact(conn, body, scope or EVERYONE) or []
    ids = tuple(cid for cid, _name, _city in found)
    label = found[0][1] if len(found) == 1 else body
    span = (0, len(text))
    return a.Query(
        text,
        language,
        today,
        a.CustomerIs(ids, label, span=span),
        a.Card(ids, label, span=span),
        None,
        include_archived=True,
    )
