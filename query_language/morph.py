"""Russian lemmas: pymorphy3 (with pymorphy3-dicts-ru) behind an LRU cache.

Every word of a Russian query and of every catalog value goes through ``lemma``, so that
``Москвы``, ``Москве`` and ``Москва`` all read ``москва``. Words without Cyrillic letters
(product names, SKUs, ``vip``) are only lower-cased; ``ё`` reads as ``е``. The analyser is
created once, on first use (it takes ~0.3 s to load its dictionaries).

Example::

    lemma("Супер")   # 'супер'
    lemma("дрелью")  # 'дрель'
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

__all__ = ["lemma", "has_cyrillic", "analyser"]

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LOCK = threading.Lock()
_ANALYSER: list[Any] = []


def has_cyrillic(text: str) -> bool:
    """Whether ``text`` holds at least one Cyrillic letter."""
    return _CYRILLIC.search(text) is not None


def analyser() -> Any:
    """The shared ``pymorphy3.MorphAnalyzer`` (loaded once, thread-safe)."""
    if not _ANALYSER:
        with _LOCK:
            if not _ANALYSER:
                import pymorphy3

                _ANALYSER.append(pymorphy3.MorphAnalyzer(lang="ru"))
    return _ANALYSER[0]


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The dictionary form of ``word``, lower case, ``ё`` as ``е``.

    Example: ``lemma("Иванова")`` → ``'иванов'``; ``lemma("SD-100")`` → ``'sd-100'``.
    """
    low = word.casefold().replace("ё", "е")
    if not has_cyrillic(low) or not low[-1].isalpha():
        return low
    parses = analyser().parse(low)
    if not parses:
        return low
    return str(parses[0].normal_form).replace("ё", "е")
