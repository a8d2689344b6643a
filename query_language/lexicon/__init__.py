"""Per-language lexicons: the keyword phrases of the query language are data, one module each.

A lexicon module defines ``PHRASES`` (phrase → (terminal, payload)), ``FILLERS`` (words that
carry no meaning), ``FIELD_WORDS`` (the keyword that names each field in an echo or a choice),
``normalise_word`` (lower case, and for inflected languages the lemma) and ``ECHO`` (the
words of the echoed interpretation).

Example::

    lex = load_lexicon("en")
    lex.phrases[("more", "than")]   # ('GT', None)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

__all__ = ["Lexicon", "load_lexicon", "LANGUAGES"]

LANGUAGES = ("en",)  # "ru" (issue 11): add lexicon/ru.py with a pymorphy3 normalise_word


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

    def keyword_for(self, terminal: str) -> str:
        """The first phrase that produces ``terminal`` (for 'expected …' messages)."""
        for words, (term, _payload) in self.phrases.items():
            if term == terminal:
                return " ".join(words)
        return terminal.lower()


@cache
def load_lexicon(language: str) -> Lexicon:
    """The lexicon of ``language`` ('en', 'ru'); raises KeyError for an unknown language.

    Example: ``load_lexicon("en").keyword_for("GT")`` → ``'over'``.
    """
    if language not in LANGUAGES:
        raise KeyError(language)
    mod = importlib.import_module(f"query_language.lexicon.{language}")
    norm = mod.normalise_word
    phrases: dict[tuple[str, ...], tuple[str, Any]] = {}
    for text, value in mod.PHRASES.items():
        key = tuple(norm(w) for w in text.split())
        phrases.setdefault(key, value)
    return Lexicon(
        language=language,
        phrases=phrases,
        fillers=frozenset(norm(w) for w in mod.FILLERS),
        field_words=dict(mod.FIELD_WORDS),
        normalise_word=norm,
        echo=dict(mod.ECHO),
        max_phrase=max(len(k) for k in phrases),
        examples=dict(getattr(mod, "EXAMPLES", {})),
    )
