"""Message catalogs: every user-facing string goes through ``gettext`` (Babel-compiled catalogs
in ``bot/locale/<lang>/LC_MESSAGES/custbot.mo``). English is the source language.

Example::

    _ = translator("ru")
    _("No customers match.")
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

__all__ = ["translator", "LOCALE_DIR", "available_languages"]

LOCALE_DIR = Path(__file__).with_name("locale")


@lru_cache(maxsize=32)
def _translation(language: str) -> gettext.NullTranslations:
    return gettext.translation("custbot", localedir=LOCALE_DIR, languages=[language], fallback=True)


def translator(language: str | None) -> Callable[[str], str]:
    """The ``gettext`` function for ``language`` (falls back to English)."""
    return _translation(language or "en").gettext


def available_languages() -> list[str]:
    return ["en", *sorted(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())]
