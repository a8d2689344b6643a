"""Every word a user reads comes from the catalogs (issue #15, defect 8).

Two nets: a scan of the source for text handed to a reply part (``Text``, ``Button``, a table
title, the terminal's ``RichText``, a Slack block's ``plain_text``) as a literal instead of through
``_()``; and the golden conversations in Russian, which fail when a message they show has no
Russian translation (``bot.i18n.missing_messages``, see tests/golden/test_golden.py).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
_WORD = re.compile(r"[A-Za-z]{2,}")
_PARTS = {"Text", "Button", "RichText"}  # their first argument is what a person reads
_KEYWORDS = {"title", "caption", "long_note"}  # keyword arguments a person reads


def _literal_words(node: ast.AST) -> str | None:
    """The words of a literal (a string, an f-string, '...'.format(), or a sum of those)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if _WORD.search(node.value) else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
        return text if _WORD.search(text) else None
    if isinstance(node, ast.BinOp):
        return _literal_words(node.left) or _literal_words(node.right)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return _literal_words(node.func.value)
    if isinstance(node, ast.IfExp):
        return _literal_words(node.body) or _literal_words(node.orelse)
    return None


def _name(func: ast.expr) -> str:
    return (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )


def _untranslated(path: Path) -> list[str]:
    found: list[str] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            args = node.args[:1] if _name(node.func) in _PARTS else []
            args += [k.value for k in node.keywords if k.arg in _KEYWORDS]
            for arg in args:
                if words := _literal_words(arg):
                    found.append(f"{path.relative_to(BOT.parent)}:{node.lineno}: {words!r}")
        if isinstance(node, ast.Dict):  # Slack's {"type": "plain_text", "text": "..."}
            keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
            if "plain_text" in [getattr(v, "value", None) for v in node.values] and "text" in keys:
                value = node.values[keys.index("text")]
                if words := _literal_words(value):
                    found.append(f"{path.relative_to(BOT.parent)}:{node.lineno}: {words!r}")
    return found


@pytest.mark.parametrize("path", sorted(BOT.rglob("*.py")), ids=lambda p: str(p.relative_to(BOT)))
def test_no_literal_text_reaches_a_reply(path: Path) -> None:
    assert not _untranslated(path), (
        "text a person reads that is not passed through _():\n" + "\n".join(_untranslated(path))
    )


def test_the_scan_finds_a_literal() -> None:
    tree = ast.parse('Text("Hello there", "note")\nText(_("Hello"))\nButton(f"{n} ({c})", t)')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n.func) == "Text"]
    assert [_literal_words(c.args[0]) for c in calls] == ["Hello there", None]
