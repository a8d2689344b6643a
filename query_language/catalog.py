"""The catalog: every value a query may name, loaded from the database, indexed for matching.

Values are indexed per language by their normalised words (a dict of phrase → entries plus
the longest phrase per first word), so matching never scans the catalog. ``CatalogCache``
reloads when a cheap signature of the catalog tables changes (checked at most every few
seconds) or on ``invalidate()``.

Example::

    catalog = CatalogCache(engine).get()
    catalog.index("en").get("super drill")   # (Entry(kind='product', key=1, label='Super Drill'),)
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Engine, func, select

from query_language.lexer import split_words
from query_language.lexicon import load_lexicon
from storage import schema as s

__all__ = ["Entry", "Catalog", "CatalogCache", "ValueIndexImpl", "load_catalog"]

KINDS = ("city", "region", "country", "industry", "manager", "product", "category", "tag",
         "segment", "property", "customer")


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

    def max_len(self, first: str) -> int:
        return self.first.get(first, 0)

    def get(self, key: str) -> tuple[Entry, ...] | None:
        return self.entries.get(key)


@dataclass
class Catalog:
    """Every value a query may name; ``index(language)`` is built once per language."""

    values: dict[str, list[tuple[Any, str]]]  # kind → [(key, label)] (managers by surname and name)
    managers: dict[int, tuple[str, str]] = field(default_factory=dict)  # id → (name, surname)
    products: dict[int, tuple[str, str, str | None]] = field(default_factory=dict)
    tags: dict[int, str] = field(default_factory=dict)
    segments: dict[int, dict[str, Any]] = field(default_factory=dict)
    properties: dict[int, dict[str, Any]] = field(default_factory=dict)
    customers: dict[int, str] = field(default_factory=dict)
    _indexes: dict[str, ValueIndexImpl] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def index(self, language: str = "en") -> ValueIndexImpl:
        """The phrase index for ``language`` (words normalised by its lexicon)."""
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
        final = {k: tuple(v) for k, v in entries.items()}
        choices = [(k, e) for k, es in final.items() for e in es]
        return ValueIndexImpl(final, first, choices)

    def _label(self, kind: str, key: Any, label: str) -> str:
        if kind == "manager":
            return self.managers[key][1]
        if kind == "product":
            return self.products[key][1]
        if kind == "property":
            return self.properties[key]["name"]
        return label

    def suggest(self, word: str, language: str = "en", kinds: set[str] | None = None,
                limit: int = 3) -> list[str]:
        """Closest known values to ``word`` (rapidfuzz), best first, labels without repeats."""
        idx = self.index(language)
        lex = load_lexicon(language)
        query = " ".join(split_words(word, lex))
        wanted = kinds or (set(KINDS) - {"customer"})
        pool = [(k, e) for k, e in idx.choices if e.kind in wanted]
        found = process.extract(query, [k for k, _e in pool], scorer=fuzz.WRatio,
                                limit=limit * 4, score_cutoff=60)
        raw = word.casefold().replace("ё", "е")
        if raw != query:  # an inflected misspelling lemmatises badly: try it as typed too
            found += process.extract(raw, [e.label.casefold().replace("ё", "е") for _k, e in pool],
                                     scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=60)
            found.sort(key=lambda f: -f[1])
        out: list[str] = []
        for _match, _score, i in found:
            label = pool[i][1].label
            if label not in out:
                out.append(label)
        return out[:limit]


def load_catalog(engine: Engine) -> Catalog:
    """Read every catalog value from the database (one pass per table)."""
    values: dict[str, list[tuple[Any, str]]] = defaultdict(list)
    cat = Catalog(values)
    c = s.customers.c
    with engine.connect() as conn:
        for col in ("city", "region", "country", "industry"):
            for (v,) in conn.execute(select(c[col]).where(c[col].is_not(None)).distinct()):
                if str(v).strip():
                    values[col].append((v, v))
        for mid, name, surname in conn.execute(select(s.managers.c.id, s.managers.c.name, s.managers.c.surname)):
            cat.managers[mid] = (name, surname)
            values["manager"] += [(mid, surname), (mid, name)]
        p = s.products.c
        for pid, sku, name, category in conn.execute(select(p.id, p.sku, p.name, p.category)):
            cat.products[pid] = (sku, name, category)
            values["product"] += [(pid, name), (pid, sku)]
            if category:
                values["category"].append((category, category))
        for tid, name in conn.execute(select(s.tags.c.id, s.tags.c.name)):
            cat.tags[tid] = name
            values["tag"].append((tid, name))
        g = s.segments.c
        for sid, name, query, language, kind in conn.execute(select(g.id, g.name, g.query, g.language, g.kind)):
            cat.segments[sid] = {"name": name, "query": query, "language": language, "kind": kind}
            values["segment"].append((sid, name))
        d = s.property_definitions.c
        for pid, name, label, type_ in conn.execute(select(d.id, d.name, d.label, d.type)):
            cat.properties[pid] = {"name": name, "label": label, "type": type_}
            values["property"] += [(pid, name), (pid, label)]
        for cid, name in conn.execute(select(c.id, c.name)):
            cat.customers[cid] = name
            values["customer"].append((cid, name))
    values["category"] = list(dict.fromkeys(values["category"]))
    return cat


def _signature(engine: Engine) -> tuple:
    c = s.customers.c
    with engine.connect() as conn:
        parts: list[Any] = []
        for t in (s.customers, s.managers, s.products, s.tags, s.segments, s.property_definitions):
            parts.extend(conn.execute(select(func.count(), func.max(t.c.id))).one())
        parts.extend(conn.execute(select(
            func.max(c.updated_at), func.count(c.city.distinct()), func.count(c.region.distinct()),
            func.count(c.country.distinct()), func.count(c.industry.distinct()))).one())
        for expr in (func.sum(func.length(s.segments.c.query)), func.sum(func.length(s.managers.c.name)),
                     func.count(s.products.c.category.distinct())):
            parts.append(conn.execute(select(expr)).scalar())
    return tuple(str(x) for x in parts)


class CatalogCache:
    """A catalog that stays current: ``get()`` reloads when the catalog tables change;
    ``languages`` are indexed at load, so no chat answer pays for lemmatising the catalog.

    Example: ``CatalogCache(engine, check_every=5.0, languages=("en", "ru")).get()``.
    """

    def __init__(self, engine: Engine, check_every: float = 5.0, languages: tuple[str, ...] = ()) -> None:
        self.engine = engine
        self.check_every = check_every
        self.languages = languages  # value indexes built at load (Russian lemmatises every value)
        self._catalog: Catalog | None = None
        self._signature: tuple | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> Catalog:
        """The current catalog (the signature is checked at most every ``check_every`` s)."""
        now = time.monotonic()
        if self._catalog is not None and now - self._checked < self.check_every:
            return self._catalog
        with self._lock:
            if self._catalog is not None and time.monotonic() - self._checked < self.check_every:
                return self._catalog
            sig = _signature(self.engine)
            if self._catalog is None or sig != self._signature:
                catalog = load_catalog(self.engine)
                for language in self.languages:
                    catalog.index(language)
                self._catalog = catalog
                self._signature = sig
            self._checked = time.monotonic()
            return self._catalog

    def invalidate(self) -> None:
        """Reload on the next ``get()``."""
        with self._lock:
            self._catalog = None
            self._checked = 0.0
