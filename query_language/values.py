"""Words → catalog values: which kind of value a phrase names, settled by keywords or asked about.

Fields that are not catalog values (rating letters, statuses, ABC/XYZ/RFM classes) are read
here as well. A value of several kinds raises an ambiguity QueryError with one choice per kind;
an unknown value raises a QueryError with the closest known values.

Example::

    read_value(ValueWords("Moscow", field="city"), ctx)   # FieldIs('city', ('Moscow',), 'Moscow')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from query_language import ast as a
from query_language.catalog import KINDS, Catalog, Entry
from query_language.errors import QueryError, ambiguous, unknown_word
from query_language.lexer import split_words
from query_language.lexicon import Lexicon
from query_language.loyalty import TierIs, read_tier

__all__ = ["Context", "ProductScope", "PropertyRef", "read_value"]

_FIELD_KINDS: dict[str | None, set[str]] = {
    None: set(KINDS) - {"customer"},
    "location": {"city", "region", "country"},
    "bought": {"product", "category"},
    **{k: {k} for k in KINDS},
}
_LETTERS = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "с": "c",
        "х": "x",
        "у": "y",
        "А": "a",
        "В": "b",
        "С": "c",
        "Х": "x",
        "У": "y",
    }
)
_RATINGS = ("A", "B", "C")
_FIELD_NAMES = {"bought": "product or category", "location": "place"}  # as errors name them
LISTED_PRODUCTS = 1000  # a category with more products is compiled as a subquery, not a list
_STARS = {"3": "A", "2": "B", "1": "C"}


@dataclass
class Context:
    catalog: Catalog
    lex: Lexicon
    text: str
    language: str
    today: date
    segments_seen: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ProductScope:
    """A product or category named as a value: becomes a purchase once bound."""

    scope: a.Scope
    span: a.Span


@dataclass(frozen=True)
class PropertyRef:
    """A typed property named as a value: needs a comparison (or a period for dates)."""

    property_id: int
    name: str
    type: str
    span: a.Span


def _fixed_values(lex: Lexicon, field: str) -> dict[str, str]:
    return {
        " ".join(words): value
        for words, (term, payload) in lex.phrases.items()
        if term == "FIXED" and payload[0] == field
        for value in [payload[1]]
    }


def _letters(v: a.ValueWords) -> str:
    return v.text.strip().translate(_LETTERS).upper().replace(" ", "").replace("-", "")


def _rating(v: a.ValueWords, ctx: Context) -> a.Node:
    raw = _letters(v)
    letter = _STARS.get(raw) if v.field == "stars" else raw
    if raw == "":
        return a.RatingIn(("",), span=v.span)
    if letter not in _RATINGS:
        raise QueryError(
            f"'{v.text}' is not a rating",
            span=v.span,
            text=ctx.text,
            expected=["A, B or C (A = 3 stars)"],
        )
    i = _RATINGS.index(letter)
    if v.modifier == "better":
        return a.RatingIn(_RATINGS[: i + 1], span=v.span)
    if v.modifier == "worse":
        return a.RatingIn(_RATINGS[i:], span=v.span)
    return a.RatingIn((letter,), span=v.span)


def _class(v: a.ValueWords, ctx: Context) -> a.Node:
    field = v.field
    if field == "rfm":
        names = _fixed_values(ctx.lex, "rfm")
        key = " ".join(split_words(v.text, ctx.lex))
        if key in names:
            return a.ClassIs("rfm", names[key], span=v.span)
        from rapidfuzz import process

        near = [m for m, _s, _i in process.extract(key, list(names), limit=3, score_cutoff=50)]
        raise unknown_word(ctx.text, v.span, near, ["an RFM segment such as champions or at risk"])
    raw = _letters(v)
    allowed = {"abc": "ABC", "xyz": "XYZ"}
    if field in allowed and len(raw) == 1 and raw in allowed[field]:
        return a.ClassIs(field, raw, span=v.span)
    if field == "class":
        if len(raw) == 2 and raw[0] in "ABC" and raw[1] in "XYZ":
            return a.And(
                (a.ClassIs("abc", raw[0], span=v.span), a.ClassIs("xyz", raw[1], span=v.span)),
                span=v.span,
            )
        if len(raw) == 1 and raw in "ABCXYZ":
            return a.ClassIs("abc" if raw in "ABC" else "xyz", raw, span=v.span)
    expected = {"abc": ["A, B or C"], "xyz": ["X, Y or Z"], "class": ["e.g. AX, BY, CZ"]}[
        field or "class"
    ]
    raise QueryError(
        f"'{v.text}' is not an {field} class", span=v.span, text=ctx.text, expected=expected
    )


def _status(v: a.ValueWords, ctx: Context) -> a.Node:
    names = _fixed_values(ctx.lex, "status")
    key = " ".join(split_words(v.text, ctx.lex))
    if key in names or key in ("active", "check", "archived"):
        return a.StatusIs(names.get(key, key), span=v.span)
    raise unknown_word(ctx.text, v.span, [], ["active, check or archived"])


def _from_fixed(v: a.ValueWords, ctx: Context) -> a.Node:
    assert v.fixed is not None
    field, value = v.fixed
    if field == "status":
        return a.StatusIs(value, span=v.span)
    if field == "rfm":
        return a.ClassIs("rfm", value, span=v.span)
    return _rating(a.ValueWords(value, "rating", modifier=v.modifier, span=v.span), ctx)


def _choices(v: a.ValueWords, kinds: list[str], ctx: Context) -> list[tuple[str, str]]:
    s, e = v.span
    out = []
    for k in kinds:
        word = ctx.lex.field_words.get(k, k)
        label = f"{word} {ctx.text[s:e]}".strip()
        out.append((label, f"{ctx.text[:s]}{word} {ctx.text[s:]}" if word else ctx.text))
    return out


def _build(kind: str, entries: list[Entry], v: a.ValueWords, ctx: Context) -> Any:
    keys = tuple(dict.fromkeys(e.key for e in entries))
    label = entries[0].label
    if kind in ("city", "region", "country", "industry", "manager"):
        return a.FieldIs(kind, keys, label, span=v.span)
    if kind == "product":
        return ProductScope(a.Scope(products=keys, label=label), v.span)
    if kind == "category":
        ids = [pid for k in keys for pid in ctx.catalog.by_category.get(k, ())]
        listed = tuple(ids) if len(ids) <= LISTED_PRODUCTS else ()
        return ProductScope(a.Scope(categories=keys, label=label, in_categories=listed), v.span)
    if kind == "tag":
        return a.HasTag(keys[0], label, span=v.span)
    if kind == "customer":
        return a.CustomerIs(keys, label, span=v.span)
    if kind == "property":
        prop = ctx.catalog.properties[keys[0]]
        return PropertyRef(keys[0], prop["name"], prop["type"], v.span)
    if kind == "segment":
        from query_language.segments import segment_node

        return segment_node(keys[0], v, ctx)
    raise AssertionError(kind)


def _alt_kinds(x: a.ValueWords, ctx: Context) -> set[str]:
    if x.fixed:
        return {x.fixed[0]}
    found = ctx.catalog.index(ctx.language).get(" ".join(split_words(x.text, ctx.lex))) or ()
    return {e.kind for e in found if e.kind != "customer"}


def _union_scope(scopes: list[a.Scope], label: str) -> a.Scope:
    listed = all(s.in_categories or not s.categories for s in scopes)
    return a.Scope(
        products=tuple(dict.fromkeys(p for s in scopes for p in s.products)),
        categories=tuple(dict.fromkeys(c for s in scopes for c in s.categories)),
        label=label,
        in_categories=tuple(dict.fromkeys(p for s in scopes for p in s.in_categories))
        if listed
        else (),
    )


def _any_of(v: a.ValueWords, ctx: Context) -> Any:
    """``Moscow or Kazan``, ``buyers of A, B or C``: each value read as the kind they all share,
    then one condition, any of them."""
    alts = [replace(x, field=x.field or v.field, modifier=v.modifier) for x in v.alts]
    if v.field in (None, "bought", "location"):
        wanted = _FIELD_KINDS.get(v.field, set())
        common: set[str] | None = None
        for x in alts:
            kinds = _alt_kinds(x, ctx) & wanted
            common = kinds if common is None else common & kinds
        if common and len(common) == 1:
            kind = common.pop()
            alts = [replace(x, field=kind) for x in alts]
    got = [read_value(x, ctx) for x in alts]
    labels = [_label_of(g) for g in got]
    if all(isinstance(g, ProductScope) for g in got):
        label = ctx.lex.describe_words.get("any_of", "any of ({items})").format(
            items=", ".join(labels)
        )
        return ProductScope(_union_scope([g.scope for g in got], label), v.span)
    if all(isinstance(g, a.FieldIs) for g in got) and len({g.field for g in got}) == 1:
        values = tuple(dict.fromkeys(k for g in got for k in g.values))
        named = tuple(dict.fromkeys(labels))  # "Moscow or Moscow" is Moscow
        if len(named) == 1:
            return a.FieldIs(got[0].field, values, named[0], span=v.span)
        return a.FieldIs(got[0].field, values, ", ".join(named), named, span=v.span)
    if all(isinstance(g, a.RatingIn) for g in got):
        letters = {r for g in got for r in g.ratings}
        return a.RatingIn(tuple(r for r in ("A", "B", "C", "") if r in letters), span=v.span)
    if all(isinstance(g, TierIs) for g in got):
        return TierIs(tuple(dict.fromkeys(t for g in got for t in g.tiers)), span=v.span)
    node_types = {type(g) for g in got}
    if len(node_types) != 1 or any(isinstance(g, (PropertyRef, a.CustomerIs)) for g in got):
        raise QueryError(
            f"'{v.text}' mixes values of different kinds",
            span=v.span,
            text=ctx.text,
            expected=["values of one kind, e.g. Moscow or Kazan"],
        )
    field = {a.HasTag: "tag", a.StatusIs: "status", a.InSegment: "segment"}.get(
        type(got[0]), getattr(got[0], "kind", "class")
    )
    return a.AnyOf(tuple(got), field, span=v.span)


def _label_of(g: Any) -> str:
    if isinstance(g, ProductScope):
        return g.scope.label
    if isinstance(g, (a.FieldIs, a.CustomerIs)):
        return g.label
    if isinstance(g, (a.HasTag, a.InSegment, PropertyRef)):
        return g.name
    return ""


def read_value(v: a.ValueWords, ctx: Context, *, allow_customer: bool = False) -> Any:
    """A resolved node, a ProductScope or a PropertyRef for the value ``v``; raises QueryError."""
    if v.alts:
        return _any_of(v, ctx)
    if v.field in ("rating", "stars"):
        return _from_fixed(v, ctx) if v.fixed else _rating(v, ctx)
    if v.field in ("abc", "xyz", "class", "rfm"):
        return _from_fixed(v, ctx) if v.fixed and v.fixed[0] == "rfm" else _class(v, ctx)
    if v.field == "status":
        return _from_fixed(v, ctx) if v.fixed else _status(v, ctx)
    if v.field == "tier":
        named = {k[5:]: str(t) for k, t in ctx.lex.describe_words.items() if k.startswith("tier_")}
        return read_tier(v, ctx.text, named, ctx.lex.normalise_word)
    idx = ctx.catalog.index(ctx.language)
    found: tuple[Entry, ...] = idx.get(" ".join(split_words(v.text, ctx.lex))) or ()
    if v.fixed and v.field is None:
        return _from_fixed(v, ctx)
    wanted = set(_FIELD_KINDS[v.field]) if v.field in _FIELD_KINDS else {str(v.field)}
    if allow_customer:
        wanted.add("customer")
    if "customer" in wanted or not any(e.kind in wanted for e in found):
        found += ctx.catalog.customers_named(v.text, ctx.language)  # names live in SQL
    if v.fixed and not found:
        return _from_fixed(v, ctx)
    matches = [e for e in found if e.kind in wanted]
    if not matches and v.field is None and not allow_customer:
        matches = [e for e in found if e.kind == "customer"]
    if not matches:
        name = _FIELD_NAMES.get(v.field or "", v.field)
        if found:
            kinds = sorted({e.kind for e in found})
            raise QueryError(
                f"'{v.text}' is a {' / '.join(kinds)}, not a {name}",
                span=v.span,
                text=ctx.text,
                expected=[f"a {name}"],
                suggestions=ctx.catalog.suggest(v.text, ctx.language, wanted),
            )
        near = ctx.catalog.suggest(v.text, ctx.language, wanted)
        if v.source == "words" and v.field is None:  # a mistyped keyword ('ovr', 'quater')?
            near = [k for k, _score in ctx.lex.near_keywords(v.text)][:1] + near
        raise unknown_word(ctx.text, v.span, near, [f"a {name}"] if v.field else None)
    kinds = list(dict.fromkeys(e.kind for e in matches))
    if len(kinds) > 1 and "customer" in kinds and not allow_customer:
        kinds.remove("customer")
    if len(kinds) > 1:
        raise ambiguous(ctx.text, v.span, _choices(v, kinds, ctx))
    return _build(kinds[0], [e for e in matches if e.kind == kinds[0]], v, ctx)
