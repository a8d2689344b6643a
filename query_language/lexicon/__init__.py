"""Per-language lexicons: the words of the query language are data, one module (or dict) each.

A lexicon defines ``PHRASES`` (phrase → (terminal, payload)), ``FILLERS`` (words that carry no
meaning), ``FIELD_WORDS`` (the keyword that names each field in an echo or a choice),
``normalise_word`` (lower case, and for inflected languages the lemma) and ``ECHO``; optionally
``DESCRIBE`` (the words of the echoed interpretation), ``PROPERTY_NAMES`` (the words for the
standard customer properties, e.g. ``employees``), ``EXPECTED`` (each terminal in the words of an
"expected …" message), ``RULES`` (token rewrites such as
``"GE NUMBER LE NUMBER" → "BETWEEN NUMBER AND NUMBER"``), ``MESSAGES`` (regex → translated
error wording), ``DATE_FORMAT`` and ``EXAMPLES``. Every module in this package is a language;
``register_lexicon`` adds one at run time from a plain dict, and ``LANGUAGES`` follows both.

Example::

    lex = load_lexicon("en")
    lex.phrases[("more", "than")]   # ('GT', None)
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import Any

__all__ = [
    "Lexicon",
    "Rule",
    "load_lexicon",
    "register_lexicon",
    "unregister_lexicon",
    "LANGUAGES",
    "detect_language",
    "standard_property_names",
]


@dataclass(frozen=True)
class Rule:
    """A token rewrite: ``pattern`` elements are ``TYPE``, ``A|B``, ``TYPE=payload`` or ``!TYPE`` (a
    lookahead: any other token or the end, not consumed); ``replace`` gives each matched
    token's new type, ``=`` to keep it, ``-`` to drop it (its span joins the previous token)."""

    pattern: tuple[str, ...]
    replace: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    language: str
    phrases: dict[tuple[str, ...], tuple[str, Any]]
    fillers: frozenset[str]
    field_words: dict[str, str]
    normalise_word: Callable[[str], str]
    echo: dict[str, str]
    max_phrase: int = field(default=1)
    examples: dict[str, str] = field(default_factory=dict)
    describe_words: dict[str, str] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    messages: tuple[tuple[re.Pattern[str], str], ...] = ()
    date_format: str = "iso"
    display: dict[str, str] = field(default_factory=dict)  # terminal → the phrase as written
    property_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # standard ones
    expected_words: dict[str, str] = field(default_factory=dict)  # terminal → 'expected' text
    spelled: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)  # as written

    def keyword_for(self, terminal: str) -> str:
        """``terminal`` in the user's words (for 'expected …' messages): the lexicon's
        ``EXPECTED`` wording, else the first phrase that produces it."""
        if terminal in self.expected_words:
            return self.expected_words[terminal]
        if terminal in self.display:
            return self.display[terminal]
        for words, (term, _payload) in self.phrases.items():
            if term == terminal:
                return " ".join(words)
        return terminal.lower()

    @cached_property
    def _spellable(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """Keyword phrases and fillers worth suggesting for a typo: (normalised, as written, key)."""
        out = []
        for words in [*self.phrases, *((f,) for f in self.fillers)]:
            text = " ".join(words)
            if len(text) < 3 or not re.fullmatch(r"[^\W\d_]+(?:[ '-][^\W\d_]+)*", text):
                continue
            for written in self.spelled.get(words, (text,)):
                out.append((text, written, words))
        return out

    def near_keywords(self, typed: str, cutoff: float = 80.0) -> list[tuple[str, float]]:
        """Keyword phrases (or fillers) close to ``typed`` (a typo such as 'ovr' or 'more then'),
        best first, as ``(phrase as written, score)``; the typed form and its normalised form are
        both compared, so an inflected typo finds its phrase.

        Example: ``load_lexicon("en").near_keywords("quater")`` → ``[('quarter', 92.3…)]``.
        """
        from rapidfuzz import fuzz, process

        raw = typed.casefold().replace("ё", "е").strip()
        norm = " ".join(self.normalise_word(w) for w in typed.split())
        if len(raw) < 3 or tuple(norm.split()) in self.phrases or norm in self.fillers:
            return []
        cands = self._spellable
        best: dict[str, float] = {}
        for query, pool in ((norm, [c[0] for c in cands]), (raw, [c[1].casefold() for c in cands])):
            for _m, score, i in process.extract(
                query, pool, scorer=fuzz.ratio, score_cutoff=cutoff, limit=5
            ):
                shown = cands[i][1]
                best[shown] = max(best.get(shown, 0.0), score)
        return sorted(best.items(), key=lambda kv: -kv[1])

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every normalised word of a keyword phrase or a filler (for language detection)."""
        return frozenset(w for words in self.phrases for w in words) | self.fillers


def _builtin() -> list[str]:
    return [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]


_SOURCES: dict[str, Mapping[str, Any] | ModuleType | None] = {name: None for name in _builtin()}
_LOADED: dict[str, Lexicon] = {}
_LOCK = threading.Lock()


class _Languages:
    """The languages that can be read right now (built-in modules plus registered dicts)."""

    def __contains__(self, language: object) -> bool:
        return language in _SOURCES

    def __iter__(self) -> Iterator[str]:
        return iter(list(_SOURCES))

    def __len__(self) -> int:
        return len(_SOURCES)

    def __repr__(self) -> str:
        return repr(tuple(_SOURCES))


LANGUAGES = _Languages()


def _get(src: Mapping[str, Any] | ModuleType, name: str, default: Any = None) -> Any:
    return src.get(name, default) if isinstance(src, Mapping) else getattr(src, name, default)


def _lower(word: str) -> str:
    return word.casefold().replace("ё", "е")


def _build(language: str, src: Mapping[str, Any] | ModuleType) -> Lexicon:
    norm = _get(src, "normalise_word") or _lower
    phrases: dict[tuple[str, ...], tuple[str, Any]] = {}
    display: dict[str, str] = {}
    spelled: dict[tuple[str, ...], tuple[str, ...]] = {}
    for text, value in _get(src, "PHRASES").items():
        key = tuple(norm(w) for w in text.split())
        phrases.setdefault(key, value)
        spelled[key] = (*spelled.get(key, ()), text)
        display.setdefault(value[0], text)
    rules = tuple(Rule(tuple(p.split()), tuple(r.split())) for p, r in _get(src, "RULES", ()))
    for r in rules:
        if len(r.pattern) != len(r.replace):
            raise ValueError(
                f"lexicon '{language}': rule {' '.join(r.pattern)} needs one "
                f"replacement per token, got {' '.join(r.replace)}"
            )
    messages = tuple((re.compile(p), t) for p, t in _get(src, "MESSAGES", ()))
    return Lexicon(
        language=language,
        phrases=phrases,
        fillers=frozenset(norm(w) for w in _get(src, "FILLERS", ())),
        field_words=dict(_get(src, "FIELD_WORDS", {})),
        normalise_word=norm,
        echo=dict(_get(src, "ECHO", {})),
        max_phrase=max(len(k) for k in phrases),
        examples=dict(_get(src, "EXAMPLES", {})),
        describe_words=dict(_get(src, "DESCRIBE", {})),
        rules=rules,
        messages=messages,
        date_format=_get(src, "DATE_FORMAT", "iso"),
        display=display,
        property_names={
            k: tuple(v) for k, v in dict(_get(src, "PROPERTY_NAMES", {}) or {}).items()
        },
        expected_words=dict(_get(src, "EXPECTED", {}) or {}),
        spelled=spelled,
    )


def load_lexicon(language: str) -> Lexicon:
    """The lexicon of ``language`` ('en', 'ru', or a registered one); KeyError when unknown.

    Example: ``load_lexicon("en").keyword_for("GT")`` → ``'over'``.
    """
    lex = _LOADED.get(language)
    if lex is not None:
        return lex
    if language not in _SOURCES:
        raise KeyError(language)
    with _LOCK:
        if language not in _LOADED:
            src = _SOURCES[language] or importlib.import_module(
                f"query_language.lexicon.{language}"
            )
            _LOADED[language] = _build(language, src)
        return _LOADED[language]


def standard_property_names() -> dict[str, str]:
    """Every language's name for each standard property (case-folded, as written) → its key,
    read from the lexicons' ``PROPERTY_NAMES`` without building them (no lemmatiser loads).

    Example: ``standard_property_names()["сотрудники"]`` → ``'employees'``.
    """
    out: dict[str, str] = {}
    for language in list(_SOURCES):
        src = _SOURCES[language] or importlib.import_module(f"query_language.lexicon.{language}")
        for key, names in dict(_get(src, "PROPERTY_NAMES", {}) or {}).items():
            for name in (key, *names):
                out.setdefault(name.casefold(), key)
    return out


def register_lexicon(language: str, data: Mapping[str, Any] | ModuleType) -> Lexicon:
    """Add (or replace) a language from data: a dict or module with ``PHRASES``, ``FILLERS`` …

    Example: ``register_lexicon("xx", {"PHRASES": {"kupa": ("BOUGHT", None)}, "FILLERS": []})``.
    """
    if not re.fullmatch(r"[a-z]{2,8}(-[a-z0-9]+)?", language):
        raise ValueError(f"'{language}' is not a language code such as 'de' or 'pt-br'")
    lex = _build(language, data)
    with _LOCK:
        _SOURCES[language] = data
        _LOADED[language] = lex
    return lex


def unregister_lexicon(language: str) -> None:
    """Forget a language added with ``register_lexicon`` (built-in ones come back as files)."""
    with _LOCK:
        _LOADED.pop(language, None)
        _SOURCES.pop(language, None)
        if language in _builtin():
            _SOURCES[language] = None


_QUOTED = re.compile(r'"[^"]*"|«[^»]*»|“[^”]*”|„[^“”]*[“”]')
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_CYR = re.compile(r"[а-яё]", re.IGNORECASE)


# The Latin words of the Russian vocabulary that English lacks (quarters, signs); a test keeps
# this equal to what the lexicons say.
RU_ONLY_LATIN = frozenset({"i", "ii", "iii", "iv", "≤", "≥"})


def detect_language(text: str) -> str:
    """``'ru'`` or ``'en'``: the language whose keywords the text uses more; on a tie, Russian
    when Cyrillic letters stand outside quoted Latin names. English queries may name Russian
    values, Russian queries Latin products.

    Example: ``detect_language("купившие Super Drill")`` → ``'ru'``;
    ``detect_language("buyers of Супер дрель")`` → ``'en'``.
    """
    bare = _QUOTED.sub(lambda m: m.group() if _CYR.search(m.group()) else " ", text)
    words = _WORD.findall(bare)
    if not _CYR.search(bare) and not {w.casefold() for w in words} & RU_ONLY_LATIN:
        return "en"  # Russian could not win: spares loading its lemmatiser (~0.2 s at start-up)
    scores = {}
    for lang in ("ru", "en"):
        lex = load_lexicon(lang)
        vocab = lex.vocabulary
        scores[lang] = sum(1 for w in words if lex.normalise_word(w) in vocab)
    if scores["ru"] != scores["en"]:
        return "ru" if scores["ru"] > scores["en"] else "en"
    return "ru" if _CYR.search(bare) else "en"
