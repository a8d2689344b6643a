"""What one question may ask of the database: bounded numbers, dates, nesting and conditions.

Three checks around the pipeline, each answering a clear error (what, where, what next) in the
user's language:

- ``check_tokens`` (after the lexer): numbers within ±``max_number``, dates within
  ``min_year``..``max_year`` (``top 9999…9``, ``complained in 9999-12-31``);
- ``check_nesting`` (after the parser): at most ``max_depth`` levels of parentheses and ``not``;
- ``bound`` (after the resolver, before compiling): the condition is flattened and deduplicated
  (``And`` of ``And``, ``Or`` of ``Or``, ``not not``, the same condition twice), so a repeated or
  redundant condition cannot multiply the plan, and then at most ``max_conditions`` remain.

The limits are process-wide; the application sets them from ``[limits]`` with ``configure``.

Example::

    bound(interpret("Moscow and vip and vip and vip", catalog)).where
    # And((FieldIs('city', …), HasTag(1, 'vip')))
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from query_language import ast as a
from query_language.errors import QueryError, localise

__all__ = [
    "Limits",
    "configure",
    "current",
    "check_tokens",
    "check_nesting",
    "normalize",
    "count_conditions",
    "bound",
    "too_slow",
]


@dataclass(frozen=True)
class Limits:
    max_conditions: int = 50
    max_depth: int = 12
    max_number: float = 1e12
    min_year: int = 1900
    max_year: int = 2200
    statement_timeout_ms: int = 10_000


_LIMITS = Limits()


def configure(**changes: Any) -> Limits:
    """Set the limits from the configuration, e.g. ``configure(max_conditions=50)``."""
    global _LIMITS
    _LIMITS = replace(_LIMITS, **{k: v for k, v in changes.items() if v is not None})
    return _LIMITS


def current() -> Limits:
    return _LIMITS


# The wording, per language (the lexicons' MESSAGES belong to the grammar; these to the limits).
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "number": "{w} is too large a number",
        "number_next": "a number between -{m} and {m}",
        "date": "{w} is outside the dates I can use",
        "date_next": "a date between {lo}-01-01 and {hi}-12-31",
        "depth": "the query is nested too deeply ({n} levels; at most {m})",
        "depth_next": "fewer parentheses or 'not's, or ask in several questions",
        "many": "the query has too many conditions ({n}; at most {m})",
        "many_next": "fewer conditions, or ask in several questions",
        "slow": "this question takes too long — narrow it",
        "slow_next": "a shorter period, a city, a manager or a product",
    },
    "ru": {
        "number": "{w} — слишком большое число",
        "number_next": "число от -{m} до {m}",
        "date": "дата {w} вне допустимого диапазона",
        "date_next": "дата от {lo}-01-01 до {hi}-12-31",
        "depth": "слишком глубокая вложенность ({n} уровней; не больше {m})",
        "depth_next": "меньше скобок и «не», или несколько отдельных вопросов",
        "many": "слишком много условий ({n}; не больше {m})",
        "many_next": "меньше условий или несколько отдельных вопросов",
        "slow": "этот вопрос выполняется слишком долго — сузьте его",
        "slow_next": "короче период, город, менеджер или товар",
    },
}


def _error(
    key: str, language: str, text: str | None, span: tuple[int, int], **fmt: Any
) -> QueryError:
    words = _WORDS.get(language, _WORDS["en"])
    en = _WORDS["en"]
    err = QueryError(
        en[key].format(**fmt),
        span=span,
        text=text,
        expected=[en[key + "_next"].format(**fmt)],
    )
    localise(err, language)  # the joining words ('at', 'expected') of the language
    err.message = words[key].format(**fmt)
    err.args = (err.message,)
    err.expected = [words[key + "_next"].format(**fmt)]
    err.language = language
    return err


def _m(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ")


def check_tokens(text: str, toks: list[Any], language: str = "en") -> list[Any]:
    """Refuse numbers and dates out of range (``toks`` from ``lexer.tokenize``); returns them."""
    lim = _LIMITS
    for t in toks:
        v = t.value
        word = text[t.start : t.end]
        if t.type == "NUMBER" and isinstance(v, (int, float)):
            if not (abs(v) <= lim.max_number):  # also NaN and infinity
                shown = word if len(word) <= 24 else word[:20] + "…"
                raise _error(
                    "number", language, text, (t.start, t.end), w=shown, m=_m(lim.max_number)
                )
        elif t.type == "DATE" and isinstance(v, date):
            if not lim.min_year <= v.year <= lim.max_year:
                raise _error(
                    "date",
                    language,
                    text,
                    (t.start, t.end),
                    w=word,
                    lo=lim.min_year,
                    hi=lim.max_year,
                )
    return toks


def _children(n: Any) -> tuple[Any, ...]:
    if isinstance(n, (a.And, a.Or)):
        return n.items
    if isinstance(n, (a.Not, a.Parenthesized)):
        return (n.item,)
    if isinstance(n, a.InSegment) and n.dynamic is not None:
        return (n.dynamic,)
    return ()


def check_nesting(tree: a.Node, text: str, language: str = "en") -> a.Node:
    """Refuse more than ``max_depth`` levels of parentheses and ``not`` (walked without
    recursion, so any depth is measured safely); returns ``tree``."""
    limit = _LIMITS.max_depth
    deepest, where = 0, (0, len(text))
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        nested = isinstance(node, (a.And, a.Or, a.Not, a.Parenthesized))
        here = depth + (1 if nested else 0)
        if here > deepest:
            deepest, where = here, getattr(node, "span", where)
        stack.extend((c, here) for c in _children(node))
    if deepest > limit:
        raise _error("depth", language, text, where, n=deepest, m=limit)
    return tree


def _key(node: a.Node) -> Any:
    """What makes two conditions the same: ``and``/``or`` regardless of the order of their items."""
    if isinstance(node, (a.And, a.Or)):
        return (type(node).__name__, frozenset(_key(i) for i in node.items))
    if isinstance(node, a.Not):
        return ("Not", _key(node.item))
    return node


def _unique(items: list[a.Node]) -> list[a.Node]:
    out: list[a.Node] = []
    seen: set[Any] = set()
    for i in items:
        try:
            key = _key(i)
            if key in seen:
                continue
            seen.add(key)
        except TypeError:  # an unhashable value: compare by equality
            if i in out:
                continue
        out.append(i)
    return out


def normalize(node: a.Node) -> a.Node:
    """``node`` with nested ``And``/``Or`` flattened, ``not not x`` as ``x``, ``Everyone`` dropped
    from an ``And`` (it absorbs an ``Or``) and every repeated condition kept once (the first
    of them; ``a or b`` repeats ``b or a``)."""
    if isinstance(node, a.Not):
        inner = normalize(node.item)
        if isinstance(inner, a.Not):
            return inner.item
        return a.Not(inner, span=node.span)
    if isinstance(node, a.InSegment) and node.dynamic is not None:
        return replace(node, dynamic=normalize(node.dynamic))
    if not isinstance(node, (a.And, a.Or)):
        return node
    kind = type(node)
    flat: list[a.Node] = []
    for item in node.items:
        item = normalize(item)
        flat.extend(item.items if isinstance(item, kind) else (item,))
    if kind is a.And:
        flat = [i for i in flat if not isinstance(i, a.Everyone)]
        if not flat:
            return a.Everyone(span=node.span)
    elif any(isinstance(i, a.Everyone) for i in flat):
        return a.Everyone(span=node.span)
    flat = _unique(flat)
    if len(flat) == 1:
        return flat[0]
    return kind(tuple(flat), span=node.span)


def count_conditions(node: a.Node) -> int:
    """The conditions (leaves) the compiler will write, a dynamic segment's included."""
    n, stack = 0, [node]
    while stack:
        x = stack.pop()
        kids = _children(x)
        if kids:
            stack.extend(kids)
        elif not isinstance(x, a.Everyone):
            n += 1
    return n


def bound(query: a.Query) -> a.Query:
    """The query with its condition normalised; QueryError past ``max_conditions``."""
    where = normalize(query.where)
    n = count_conditions(where)
    if n > _LIMITS.max_conditions:
        raise _error(
            "many",
            query.language,
            query.text,
            (0, len(query.text)),
            n=n,
            m=_LIMITS.max_conditions,
        )
    return replace(query, where=where) if where is not query.where else query


def too_slow(text: str | None, language: str = "en") -> QueryError:
    """The answer when a statement of this question ran past the statement timeout."""
    return _error("slow", language, text, (0, len(text or "")))
