"""The catalog: every value a query may name, loaded from the database, indexed for matching.

Values are indexed per language by their normalised words (a dict of phrase → entries plus
the longest phrase per first word), so matching never scans the catalog. Customer names are
not held in memory: ``CustomerNames`` looks them up in SQL for each query (the index's
``for_text`` adds them for the lexer; ``Catalog.customers_named`` for a value read alone).

``CatalogCache`` keeps the catalog current: at most every ``check_every`` seconds it re-reads
the raw catalog values (the small tables, and the distinct cities, regions, countries and
industries by a loose index scan: one index seek per distinct value, never a pass over the
customers) and rebuilds only when they differ. Rating, status, tag-membership and
``updated_at`` changes do not touch these values, so they never cause a rebuild; a value
changed by any writer (an import in another process included) is seen on the next check.

Example::

    catalog = CatalogCache(engine).get()
    catalog.index("en").get("super drill")   # (Entry(kind='product', key=1, label='Super Drill'),)
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Engine, text

from query_language.customer_names import CustomerNames
from query_language.lexer import split_words
from query_language.lexicon import Lexicon, load_lexicon, standard_property_names
from storage.scope import CustomerScope

__all__ = ["Entry", "Catalog", "CatalogCache", "ValueIndexImpl", "load_catalog", "read_values"]

KINDS = (
    "city",
    "region",
    "country",
    "industry",
    "manager",
    "product",
    "category",
    "tag",
    "segment",
    "property",
    "customer",
)
_COLUMNS = ("city", "region", "country", "industry")
# One index seek per distinct value (a "loose index scan"), on SQLite and PostgreSQL alike.
_DISTINCT = """WITH RECURSIVE v(x) AS (
  SELECT (SELECT {c} FROM customers WHERE {c} IS NOT NULL ORDER BY {c} LIMIT 1)
  UNION ALL
  SELECT (SELECT {c} FROM customers WHERE {c} > v.x ORDER BY {c} LIMIT 1) FROM v WHERE v.x IS NOT NULL
) SELECT x FROM v WHERE x IS NOT NULL"""
_SMALL = {
    "managers": "SELECT id, name, surname FROM managers ORDER BY id",
    "products": "SELECT id, sku, name, category FROM products ORDER BY id",
    "tags": "SELECT id, name FROM tags ORDER BY id",
    "segments": "SELECT id, name, query, language, kind FROM segments ORDER BY id",
    "properties": "SELECT id, name, label, type FROM property_definitions ORDER BY id",
}


@dataclass(frozen=True)
class Entry:
    kind: str  # one of KINDS
    key: Any  # the stored value (city name, category) or an id (manager, product, tag, …)
    label: str  # as shown back to the user


@dataclass
class ValueIndexImpl:
    entries: dict[str, tuple[Entry, ...]]
    first: dict[str, int]
    choices: list[tuple[str, Entry]]  # (normalised phrase, entry) for suggestions
    names: CustomerNames | None = None
    lex: Lexicon | None = None

    def max_len(self, first: str) -> int:
        return self.first.get(first, 0)

    def get(self, key: str) -> tuple[Entry, ...] | None:
        return self.entries.get(key)

    def for_text(self, text: str, pieces: list[Any]) -> ValueIndexImpl:
        """This index plus the customer names that may occur in ``text`` (one SQL statement)."""
        if self.names is None or self.lex is None:
            return self
        extra = self.names.spans(text, pieces, self.lex)
        if not extra:
            return self
        entries = dict(self.entries)
        first = dict(self.first)
        for key, found in extra.items():
            entries[key] = tuple(dict.fromkeys(entries.get(key, ()) + found))
            words = key.split(" ")
            first[words[0]] = max(first.get(words[0], 0), len(words))
        return ValueIndexImpl(entries, first, self.choices)


@dataclass
class Catalog:
    """Every value a query may name; ``index(language)`` is built once per language."""

    values: dict[str, list[tuple[Any, str]]]  # kind → [(key, label)] (managers by surname and name)
    managers: dict[int, tuple[str, str]] = field(default_factory=dict)  # id → (name, surname)
    products: dict[int, tuple[str, str, str | None]] = field(default_factory=dict)
    tags: dict[int, str] = field(default_factory=dict)
    segments: dict[int, dict[str, Any]] = field(default_factory=dict)
    properties: dict[int, dict[str, Any]] = field(default_factory=dict)
    by_category: dict[str, list[int]] = field(default_factory=dict)  # category → its product ids
    names: CustomerNames | None = None  # customer names, looked up in SQL
    _base: Catalog | None = field(default=None, repr=False)  # the catalog a scoped view reads
    _indexes: dict[str, ValueIndexImpl] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def scoped(self, scope: CustomerScope) -> Catalog:
        """This catalog as one reader sees it: the same values, but customer names (found in a
        query, and suggested for a misspelt one) only among the customers ``scope`` allows.

        Example: ``catalog.scoped(CustomerScope(7)).customers_named("Romashka")`` → ``()`` when
        Romashka is another manager's customer.
        """
        base = self._base or self
        names = base.names.scoped(scope) if base.names is not None else None
        return replace(base, names=names, _base=base, _indexes={}, _lock=threading.Lock())

    def index(self, language: str = "en") -> ValueIndexImpl:
        """The phrase index for ``language`` (words normalised by its lexicon)."""
        if self._base is not None:  # a scoped view: the shared index with the scoped names
            return replace(self._base.index(language), names=self.names)
        idx = self._indexes.get(language)
        if idx is None:
            with self._lock:
                idx = self._indexes.get(language) or self._build(language)
                self._indexes[language] = idx
        return idx

    def _build(self, language: str) -> ValueIndexImpl:
        lex = load_lexicon(language)
        entries: dict[str, dict[Entry, None]] = defaultdict(dict)
        first: dict[str, int] = {}
        cache: dict[str, list[str]] = {}
        for kind, items in self.values.items():
            for key, label in items:
                words = cache.get(label)
                if words is None:
                    words = cache[label] = split_words(label, lex)
                if not words:
                    continue
                entries[" ".join(words)][Entry(kind, key, self._label(kind, key, label))] = None
                if len(words) > first.get(words[0], 0):
                    first[words[0]] = len(words)
        standard = standard_property_names()
        for pid, prop in self.properties.items():  # the lexicon's words for standard ones
            key = standard.get(str(prop["name"]).casefold()) or standard.get(
                str(prop["label"]).casefold()
            )
            for name in lex.property_names.get(key or "", ()):
                words = split_words(name, lex)
                if words:
                    entries[" ".join(words)][Entry("property", pid, prop["name"])] = None
                    first[words[0]] = max(first.get(words[0], 0), len(words))
        final = {k: tuple(v) for k, v in entries.items()}
        choices = [(k, e) for k, es in final.items() for e in es]
        return ValueIndexImpl(final, first, choices, self.names, lex)

    def _label(self, kind: str, key: Any, label: str) -> str:
        if kind == "manager":
            return self.managers[key][1]
        if kind == "product":
            return self.products[key][1]
        if kind == "property":
            name: str = self.properties[key]["name"]
            return name
        return label

    def customers_named(self, text: str, language: str = "en") -> tuple[Entry, ...]:
        """Customers whose name, normalised, equals all of ``text`` (looked up in SQL).

        Example: ``catalog.customers_named("romashka")`` → ``(Entry('customer', 1, 'Romashka'),)``.
        """
        if self.names is None:
            return ()
        return tuple(self.names.named(text, load_lexicon(language)))

    def suggest(
        self, word: str, language: str = "en", kinds: set[str] | None = None, limit: int = 3
    ) -> list[str]:
        """Closest known values to ``word`` (rapidfuzz), best first, labels without repeats."""
        from rapidfuzz import fuzz, process  # suggestions only: not loaded by a good question

        idx = self.index(language)
        lex = load_lexicon(language)
        query = " ".join(split_words(word, lex))
        wanted = kinds or (set(KINDS) - {"customer"})
        pool = [(k, e) for k, e in idx.choices if e.kind in wanted]
        found = [
            (pool[i][1].label, score)
            for _m, score, i in process.extract(
                query, [k for k, _e in pool], scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=60
            )
        ]
        raw = word.casefold().replace("ё", "е")
        if raw != query:  # an inflected misspelling lemmatises badly: try it as typed too
            found += [
                (pool[i][1].label, score)
                for _m, score, i in process.extract(
                    raw,
                    [e.label.casefold().replace("ё", "е") for _k, e in pool],
                    scorer=fuzz.WRatio,
                    limit=limit * 4,
                    score_cutoff=60,
                )
            ]
        if "customer" in wanted and self.names is not None:
            found += self.names.near(word, lex, limit)
        found.sort(key=lambda f: -f[1])
        return list(dict.fromkeys(label for label, _score in found))[:limit]


def read_values(conn: Connection) -> tuple[Any, ...]:
    """The raw catalog values (everything but customer names), comparable for equality.

    Example: ``read_values(conn)[0]`` → ``('city', ('Kazan', 'Moscow', …))``.
    """
    parts: list[Any] = []
    for col in _COLUMNS:
        parts.append((col, tuple(v for (v,) in conn.execute(text(_DISTINCT.format(c=col))))))
    for name, sql in _SMALL.items():
        parts.append((name, tuple(tuple(r) for r in conn.execute(text(sql)))))
    return tuple(parts)


def _from_values(raw: tuple[Any, ...], names: CustomerNames | None) -> Catalog:
    values: dict[str, list[tuple[Any, str]]] = defaultdict(list)
    cat = Catalog(values, names=names)
    got = dict(raw)
    for col in _COLUMNS:
        values[col] = [(v, v) for v in got[col] if str(v).strip()]
    for mid, name, surname in got["managers"]:
        cat.managers[mid] = (name, surname)
        values["manager"] += [(mid, surname), (mid, name)]
    for pid, sku, name, category in got["products"]:
        cat.products[pid] = (sku, name, category)
        values["product"] += [(pid, name), (pid, sku)]
        if category:
            values["category"].append((category, category))
            cat.by_category.setdefault(category, []).append(pid)
    for tid, name in got["tags"]:
        cat.tags[tid] = name
        values["tag"].append((tid, name))
    for sid, name, query, language, kind in got["segments"]:
        cat.segments[sid] = {"name": name, "query": query, "language": language, "kind": kind}
        values["segment"].append((sid, name))
    for pid, name, label, type_ in got["properties"]:
        cat.properties[pid] = {"name": name, "label": label, "type": type_}
        values["property"] += [(pid, name), (pid, label)]
    values["category"] = list(dict.fromkeys(values["category"]))
    return cat


def load_catalog(engine: Engine) -> Catalog:
    """Read every catalog value from the database; customer names stay in the database."""
    with engine.connect() as conn:
        raw = read_values(conn)
    return _from_values(raw, CustomerNames(engine))


class CatalogCache:
    """A catalog that stays current: ``get()`` rebuilds when the catalog values change;
    ``languages`` are indexed at load, so no chat answer pays for lemmatising the catalog.

    Example: ``CatalogCache(engine, check_every=5.0, languages=("en", "ru")).get()``.
    """

    def __init__(
        self, engine: Engine, check_every: float = 5.0, languages: tuple[str, ...] = ()
    ) -> None:
        self.engine = engine
        self.check_every = check_every
        self.languages = languages  # value indexes built at load (Russian lemmatises every value)
        self._catalog: Catalog | None = None
        self._signature: tuple[Any, ...] | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> Catalog:
        """The current catalog (its values are re-read at most every ``check_every`` s)."""
        now = time.monotonic()
        if self._catalog is not None and now - self._checked < self.check_every:
            return self._catalog
        with self._lock:
            if self._catalog is not None and time.monotonic() - self._checked < self.check_every:
                return self._catalog
            with self.engine.connect() as conn:
                raw = read_values(conn)
            if self._catalog is None or raw != self._signature:
                catalog = _from_values(raw, CustomerNames(self.engine))
                for language in self.languages:
                    catalog.index(language)
                self._catalog = catalog
                self._signature = raw
            self._checked = time.monotonic()
            return self._catalog

    def invalidate(self) -> None:
        """Reload on the next ``get()``."""
        with self._lock:
            self._catalog = None
            self._checked = 0.0
