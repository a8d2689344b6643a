"""Message catalogs: every user-facing string goes through ``gettext`` (Babel-compiled catalogs
in ``bot/locale/<lang>/LC_MESSAGES/custbot.mo``). English is the source language.

A language is data: a ``custbot.po`` compiled to ``custbot.mo`` in any locale directory. Besides
``bot/locale``, directories come from ``register_locale_dir(path)`` and from the environment
variable ``CUSTBOT_LOCALE_DIRS`` (separated by ``os.pathsep``); earlier ones win, and a message a
catalog lacks falls through to the next one, then to English. See docs/i18n.md.

Example::

    _ = translator("ru")
    _("No customers match, so there is nothing to change.")
"""

from __future__ import annotations

import ast
import gettext
import io
import logging
import os
from collections.abc import Callable, Collection, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

__all__ = [
    "DOMAIN",
    "ENV_LOCALE_DIRS",
    "LOCALE_DIR",
    "N_",
    "available_languages",
    "extract_messages",
    "locale_dirs",
    "missing_messages",
    "plural_translator",
    "register_locale_dir",
    "translator",
]

DOMAIN = "custbot"
ENV_LOCALE_DIRS = "CUSTBOT_LOCALE_DIRS"
LOCALE_DIR = Path(__file__).with_name("locale")

log = logging.getLogger("custbot.i18n")
_registered: list[Path] = []
_missing: dict[str, set[str]] = {}
_MISSING_CAP = 500  # per language: enough to see what is untranslated, never a leak


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string for extraction without translating it here: ``TITLE = N_("Saved segments")``."""
    return message


def register_locale_dir(path: str | Path) -> None:
    """Add a directory of ``<lang>/LC_MESSAGES/custbot.mo`` catalogs, searched before the others.

    Example: ``register_locale_dir("/etc/custbot/locale")``, then ``translator("kk")`` finds
    ``/etc/custbot/locale/kk/LC_MESSAGES/custbot.mo``.
    """
    where = Path(path).resolve()
    if where in _registered:
        _registered.remove(where)
    _registered.insert(0, where)
    _translation.cache_clear()


def locale_dirs() -> list[Path]:
    """Where catalogs are looked for, first wins: registered, ``$CUSTBOT_LOCALE_DIRS``, built-in."""
    env = [Path(p) for p in os.environ.get(ENV_LOCALE_DIRS, "").split(os.pathsep) if p.strip()]
    return [*_registered, *env, LOCALE_DIR]


class _Missing(gettext.NullTranslations):
    """The last fallback of a real catalog: records messages that no catalog translates."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def gettext(self, message: str) -> str:
        seen = _missing.setdefault(self.language, set())
        if message not in seen and len(seen) < _MISSING_CAP:
            seen.add(message)
            log.debug("no %s translation for %r", self.language, message)
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        self.gettext(msgid1)
        return msgid1 if n == 1 else msgid2


@lru_cache(maxsize=64)
def _translation(language: str, dirs: tuple[Path, ...]) -> gettext.NullTranslations:
    found: gettext.NullTranslations | None = None
    for where in dirs:
        try:
            t = gettext.translation(DOMAIN, localedir=where, languages=[language])
        except OSError:  # no catalog for this language there
            continue
        if found is None:
            found = t
        else:
            found.add_fallback(t)
    if found is None:
        return gettext.NullTranslations()  # English, or a language nobody wrote a catalog for
    found.add_fallback(_Missing(language))
    return found


def translator(language: str | None) -> Callable[[str], str]:
    """The ``gettext`` function for ``language`` (falls back to English).

    Example: ``translator("ru")("Confirm")`` → ``"Подтвердить"``; ``translator("en")("Confirm")``
    → ``"Confirm"``.
    """
    lang = (language or "en").replace("-", "_")
    return _translation(lang, tuple(locale_dirs())).gettext


def plural_translator(language: str | None) -> Callable[[str, str, int], str]:
    """The ``ngettext`` function for ``language``: the form of a message for a number.

    Example: ``plural_translator("ru")("{n} customer", "{n} customers", 3)`` → ``"{n} клиента"``.
    """
    lang = (language or "en").replace("-", "_")
    return _translation(lang, tuple(locale_dirs())).ngettext


def available_languages() -> list[str]:
    """``en`` and every language with a compiled catalog in any locale directory."""
    found = {
        p.parent.parent.name
        for d in locale_dirs()
        if d.is_dir()
        for p in d.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")
    }
    return ["en", *sorted(found - {"en"})]


def missing_messages(language: str, *, clear: bool = False) -> set[str]:
    """Messages asked for in ``language`` (since start, or since the last ``clear``) that none of
    its catalogs translates; ``clear=True`` also forgets them.

    Example: ``missing_messages("ru")`` → ``set()`` when the Russian catalog is complete.
    """
    seen = _missing.get(language.replace("-", "_"), set())
    found = set(seen)
    if clear:
        seen.clear()
    return found


# --- extraction (pybabel extract -F babel.cfg) ---------------------------------------------


def extract_messages(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[Any, ...]]:
    """Babel extractor for our Python: the ``_()`` calls (Babel's own Python extractor), plus two
    kinds of messages translated through a variable, named in babel.cfg:

    * ``docstrings = command``: the first docstring line of functions decorated ``@command(...)``,
      which is the help line the registry shows (``_(cmd.help)``);
    * ``tables = TOPICS _PHRASES``: module-level dicts whose values are a message, or a tuple
      whose first item is one (``_(title)``, ``translator(lang)(_PHRASES[key])``).

    Example (babel.cfg): ``[extractors] custbot = bot.i18n:extract_messages`` then
    ``[custbot: **.py]`` (patterns are relative to the input directory, ``bot``).
    """
    from babel.messages.extract import extract_python

    source = fileobj.read()
    yield from extract_python(io.BytesIO(source), keywords, comment_tags, options)  # type: ignore[arg-type]
    tree = ast.parse(source)
    decorators = set(str(options.get("docstrings", "command")).split())
    tables = set(str(options.get("tables", "")).split())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            _called_name(d) in decorators for d in node.decorator_list
        ):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield node.body[0].lineno, "_", doc.splitlines()[0], []
    for stmt in tree.body:
        target, value = _assignment(stmt)
        if target in tables and isinstance(value, ast.Dict):
            for item in value.values:
                first = item.elts[0] if isinstance(item, ast.Tuple) and item.elts else item
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield first.lineno, "_", first.value, []


def _called_name(decorator: ast.expr) -> str | None:
    func = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _assignment(stmt: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
    ):
        return stmt.targets[0].id, stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id, stmt.value
    return None, None
