"""Customer names, looked up in SQL for each query instead of held in memory.

A query can name a customer (``card Romashka LLC``, ``Romashka LLC`` alone, ``карточка
Ромашки``). Rather than index every name, the query proposes spellings that the
``ix_customers_name`` index finds by equality or range: where a name may begin (the whole text,
and right after ``card`` / ``customer``), every run of pieces in its case variants (as typed,
lower, UPPER, Capitalised, Title) and, for inflected languages, lemmatised. Only when no name
equals the rest of the text are the names sharing its first two pieces read (each piece as
typed, lower, UPPER, Capitalised or lemmatised; ``PER_PREFIX`` rows per prefix, so a crowded
prefix like a thousand ``ООО Ромашка N`` costs at most that). Candidates are normalised exactly
like catalog values (``split_words``) and match where their words equal a run of the query's.
Not found: a name whose stored case is mixed within a word (``McDonald``) typed in another case.

Suggestions for a misspelt name come from the names starting like one of its words (first three
characters; at most a few hundred) ranked with rapidfuzz.

Example::

    names = CustomerNames(engine)
    names.named("romashka llc", load_lexicon("en"))   # (Entry('customer', 1, 'Romashka LLC'),)
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import text as sql_text

from query_language.lexer import Piece, split_pieces, split_words
from query_language.lexicon import Lexicon
from storage import schema as s
from storage.scope import CustomerScope

__all__ = ["CustomerNames", "name_variants", "name_starts", "PER_PREFIX"]

PER_PREFIX = 50  # rows read per candidate prefix
_MAX_SPAN = 12  # pieces in a name typed in full
_MAX_PARTS = 120  # prefix ranges in one statement
_WS = re.compile(r"\s+")
_NAMEABLE = ("word", "num", "date", "ym", "sym")
_RECENT = threading.local()  # the last lookup of this thread, reused by the resolver
_RECENT_FOR = 1.0  # seconds


def name_variants(text: str) -> set[str]:
    """The spellings of ``text`` a stored name is likely to have (case variants).

    Example: ``name_variants("romashka llc")`` → ``{'romashka llc', 'Romashka llc',
    'Romashka Llc', 'ROMASHKA LLC'}``.
    """
    t = _WS.sub(" ", text.strip())
    if not t:
        return set()
    caps = " ".join(w[:1].upper() + w[1:] for w in t.split(" "))
    return {t, t.lower(), t.upper(), t[:1].upper() + t[1:], t.capitalize(), caps, t.title()}


def _word_forms(p: Piece) -> set[str]:
    forms = {
        p.text,
        p.text.lower(),
        p.text.upper(),
        p.text[:1].upper() + p.text[1:],
        p.text.capitalize(),
    }
    if p.kind == "word" and p.norm != p.text.casefold():
        forms |= {p.norm, p.norm.upper(), p.norm[:1].upper() + p.norm[1:]}
    return forms


def _bump(prefix: str) -> str:
    """The smallest string above every string that starts with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def name_starts(pieces: Sequence[Piece], lex: Lexicon) -> set[int]:
    """Where a customer name may begin: the start, and right after ``card`` or ``customer``."""
    norms = [p.norm for p in pieces]
    starts = {0}
    for i in range(len(pieces)):
        for n in range(min(lex.max_phrase, len(pieces) - i), 0, -1):
            term, payload = lex.phrases.get(tuple(norms[i : i + n]), (None, None))
            if term == "CARD" or (term == "FIELD" and payload == "customer"):
                starts.add(i + n)
                break
    return {i for i in starts if i < len(pieces)}


class CustomerNames:
    """Customer names found by SQL for the words of one query (nothing is cached)."""

    def __init__(
        self, engine: Engine, per_prefix: int = PER_PREFIX, scope: CustomerScope | None = None
    ) -> None:
        self.engine = engine
        self.per_prefix = per_prefix
        self.scope = scope  # None: every customer's name

    def scoped(self, scope: CustomerScope) -> CustomerNames:
        """The same lookups among the names of the customers ``scope`` allows only."""
        return CustomerNames(self.engine, self.per_prefix, scope)

    def _fetch(
        self, exact: set[str], prefixes: set[str], per_prefix: int | None = None
    ) -> list[tuple[int, str]]:
        limit, table = per_prefix or self.per_prefix, s.customers.name
        # the reader's scope, the same rule as everywhere (storage.scope), as SQL text
        scoped, params = self.scope.sql() if self.scope is not None else ("", {})
        parts: list[str] = []
        if exact:
            names = sorted(exact)
            params.update({f"e{i}": n for i, n in enumerate(names)})
            marks = ", ".join(f":e{i}" for i in range(len(names)))
            parts.append(
                f"SELECT id, name FROM {table} WHERE name IN ({marks}){scoped} LIMIT {limit * 4}"
            )
        for i, p in enumerate(sorted(prefixes)[:_MAX_PARTS]):
            params[f"a{i}"], params[f"b{i}"] = p, _bump(p)
            parts.append(
                f"SELECT id, name FROM {table} WHERE name >= :a{i} AND name < :b{i}{scoped} "
                f"LIMIT {limit}"
            )
        if not parts:
            return []
        # LIMIT inside a compound statement needs a subquery (SQLite and PostgreSQL alike)
        sql = " UNION ALL ".join(f"SELECT * FROM ({q}) AS p{i}" for i, q in enumerate(parts))
        with self.engine.connect() as conn:
            return list(
                dict.fromkeys((int(i), str(n)) for i, n in conn.execute(sql_text(sql), params))
            )

    def spans(
        self, text: str, pieces: Sequence[Piece], lex: Lexicon, starts: set[int] | None = None
    ) -> dict[str, tuple[Any, ...]]:
        """Normalised phrase → customer entries, for the names that may equal a run of ``pieces``
        beginning at one of ``starts`` (default: ``name_starts``). Exact spellings first (one
        statement), then, only when a name was not typed in full, the bounded prefix ranges.

        Example: ``spans("card Romashka LLC", pieces, lex)`` → ``{'romashka llc': (Entry(…),)}``.
        """
        exact: set[str] = set()
        prefixes: dict[int, set[str]] = {}
        rests: dict[int, str] = {}
        if starts is None:  # the whole text (a name alone) and the words after card / customer
            starts = name_starts(pieces, lex) - {0}
            if pieces and not any(q.kind == "quoted" for q in pieces):
                exact |= name_variants(text[pieces[0].start : pieces[-1].end])
                exact |= name_variants(" ".join(q.norm for q in pieces))
        for i in sorted(starts):
            p = pieces[i]
            if p.kind not in _NAMEABLE:
                continue
            first = _word_forms(p)
            exact |= first
            if i + 1 < len(pieces) and pieces[i + 1].kind != "quoted":
                q = pieces[i + 1]
                gap = _WS.sub(" ", text[p.end : q.start])
                prefixes[i] = {a + gap + b for a in first for b in _word_forms(q)}
            lemmas, norms = [p.norm], [p.norm]
            for j in range(i + 1, min(i + _MAX_SPAN, len(pieces))):
                if pieces[j].kind == "quoted":
                    break
                lemmas.append(
                    _WS.sub(" ", text[pieces[j - 1].end : pieces[j].start]) + pieces[j].norm
                )
                norms.append(pieces[j].norm)
                exact |= name_variants(text[p.start : pieces[j].end]) | name_variants(
                    "".join(lemmas)
                )
            rests[i] = " ".join(norms)
        found = self._entries(self._fetch(exact, set()), lex, {})
        # names typed in full are found exactly; otherwise (inflection, mixed case, spacing) read
        # the names sharing the first two pieces, a bounded number per prefix
        wider = {x for i, ps in prefixes.items() if rests[i] not in found for x in ps}
        if wider:
            found = self._entries(self._fetch(set(), wider), lex, found)
        out = {k: tuple(v) for k, v in found.items()}
        _RECENT.last = (text, lex.language, time.monotonic(), out, self.scope)
        return out

    def _entries(
        self, rows: list[tuple[int, str]], lex: Lexicon, found: dict[str, dict[Any, None]]
    ) -> dict[str, dict[Any, None]]:
        from query_language.catalog import Entry

        for cid, name in rows:
            words = split_words(name, lex)
            if words:
                found.setdefault(" ".join(words), {})[Entry("customer", cid, name)] = None
        return found

    def named(self, text: str, lex: Lexicon) -> tuple[Any, ...]:
        """The customers whose normalised name equals all of ``text`` (any case, any inflection).

        Example: ``names.named("Ромашки", load_lexicon("ru"))`` → ``(Entry('customer', 3, 'Ромашка'),)``.
        """
        pieces = split_pieces(text, lex)
        key = " ".join(p.norm for p in pieces if p.kind != "quoted")
        recent = getattr(_RECENT, "last", None)  # this thread's lexer just looked this name up
        if (
            recent
            and recent[1] == lex.language
            and time.monotonic() - recent[2] < _RECENT_FOR
            and recent[4] == self.scope  # never another reader's lookup
            and key in recent[3]
        ):
            hit: tuple[Any, ...] = recent[3][key]
            return hit
        return self.spans(text, pieces, lex, {0}).get(key, ()) if key else ()

    def near(self, text: str, lex: Lexicon, limit: int = 3) -> list[tuple[str, float]]:
        """Names close to ``text`` (a misspelt name) with their scores, best first: rapidfuzz
        over a bounded candidate set, the names starting like one of its first four words.

        Example: ``names.near("Romashkka", lex)`` → ``[('Romashka LLC', 90.0)]``.
        """
        from rapidfuzz import fuzz, process  # suggestions only: not loaded by a good question

        pieces = [p for p in split_pieces(text, lex) if p.kind == "word"][:4]
        prefixes: set[str] = set()
        for p in pieces:
            for form in _word_forms(p):
                if len(form) >= 2:
                    prefixes.add(form[:3])
        rows = self._fetch(set(), prefixes, per_prefix=60)
        if not rows:
            return []
        names = [n for _i, n in rows]
        keys = [n.casefold().replace("ё", "е") for n in names]
        found: list[tuple[str, float, int]] = []
        for query in dict.fromkeys(
            (" ".join(p.norm for p in pieces), text.casefold().replace("ё", "е"))
        ):
            found += process.extract(
                query, keys, scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=60
            )
        found.sort(key=lambda f: -f[1])
        best: dict[str, float] = {}
        for _m, score, i in found:
            best.setdefault(names[i], score)
        return list(best.items())[:limit]
