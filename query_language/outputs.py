"""The answer's form, from the query's output words: count, list (sorted by …), top / bottom /
first N, groups by a customer field or a dimension of the lines, and a named measure.

Example::

    output_of([Keyword("top", n=5), Keyword("by", payload="orders")], ctx)   # Top(5, "orders")
"""

from __future__ import annotations

from query_language import ast as a
from query_language.errors import QueryError
from query_language.lexer import split_words
from query_language.values import Context

__all__ = ["OUTPUT_KINDS", "output_of", "measured_period"]

OUTPUT_KINDS = {
    "count",
    "list",
    "top",
    "card",
    "by",
    "spend",
    "orders",
    "sort",
    "dir",
    "bottom",
    "first",
    "dim",
    "measure",
}
_MEASURES = ("spend", "orders", "last_purchase", "name")


def _ranked(kinds: dict[str, a.Keyword], ctx: Context) -> a.Output | None:
    """``top N``/``biggest N`` (largest first), ``bottom N`` (smallest first), ``first N`` (by
    name), ``sorted by …`` (the whole list), ``ascending``/``descending``; None when none."""
    top, bottom, first = kinds.get("top"), kinds.get("bottom"), kinds.get("first")
    sort, by, way = kinds.get("sort"), kinds.get("by"), kinds.get("dir")
    if by is not None and by.payload not in _MEASURES:
        return None  # a grouping key: one row per group
    limit = top or bottom or first
    if limit is None and sort is None and by is None:
        if way is not None:
            raise QueryError(
                f"'{ctx.text[way.span[0] : way.span[1]]}' needs something to sort by",
                span=way.span,
                text=ctx.text,
                expected=["e.g. sorted by spend ascending"],
            )
        return None
    key = (sort or by).payload if (sort or by) is not None else None  # type: ignore[union-attr]
    if key is None:
        key = "name" if first is not None else "spend"
    ascending = key == "name" if limit is None or limit is first else limit is bottom
    for said in (sort, way):
        if said is not None and said.n is not None:
            ascending = bool(said.n)
    span = (limit or sort or by).span  # type: ignore[union-attr]
    if limit is None and sort is not None:
        return a.List(key, ascending, span=span)
    return a.Top(limit.n or 10 if limit else 10, key, ascending, span=span)


def _needs_amount(word: a.Keyword, ctx: Context) -> QueryError:
    example = (
        "e.g. spent over 40k, or spend by city"
        if word.kind == "spend"
        else "e.g. at least 3 orders, or orders by month"
    )
    return QueryError(
        f"'{ctx.text[word.span[0] : word.span[1]]}' needs an amount",
        span=word.span,
        text=ctx.text,
        expected=[example],
    )


def _group_by(by: a.Keyword, ctx: Context) -> tuple[str, int | None, str]:
    """The grouping key of ``by …``: a customer field, a line dimension, or a property."""
    if by.value is not None:
        found = ctx.catalog.index(ctx.language).get(" ".join(split_words(by.value.text, ctx.lex)))
        prop = next((e for e in found or () if e.kind == "property"), None)
        if prop is not None:
            return "property", prop.key, ctx.catalog.properties[prop.key]["name"]
        key = by.value.text
    else:
        key = str(by.payload)
    if key in _GROUP_KEYS or key in a.LINE_DIMENSIONS:
        return key, None, ""
    words = ctx.lex.field_words
    raise QueryError(
        f"I cannot group by {key}",
        span=by.span,
        text=ctx.text,
        expected=[
            ", ".join(sorted({words.get(k, k) for k in _GROUP_KEYS} | {"month", "week", "product"}))
            if ctx.language == "en"
            else ", ".join(sorted(words.get(k, k) for k in _GROUP_KEYS))
        ],
    )


def measured_period(
    items: list[a.Node], outs: list[a.Keyword], ctx: Context
) -> a.PeriodWords | None:
    """The lone period that qualifies the measure: the one right after an output word
    (``average order value this year``), else one that opens the query right before it; a
    single lone period wherever it is. Two or more with none next to the measure: an error (never a silent guess)."""
    lone = [i for i in items if isinstance(i, a.PeriodWords)]
    if len(lone) <= 1:
        return lone[0] if lone else None
    words = [i for i, x in enumerate(items) if any(x is o for o in outs)]
    at = {id(x): i for i, x in enumerate(items)}
    after = [p for p in lone if at[id(p)] - 1 in words]
    before = [  # "this year average order value"; not "bought this year average order value"
        p
        for p in lone
        if at[id(p)] + 1 in words
        and (at[id(p)] == 0 or isinstance(items[at[id(p)] - 1], a.PeriodWords))
    ]
    if after or before:
        return (after or before)[0]
    first, second = lone[0], lone[1]
    raise QueryError(
        f"which period is the measure in: '{ctx.text[first.span[0] : first.span[1]]}' or "
        f"'{ctx.text[second.span[0] : second.span[1]]}'?",
        span=second.span,
        text=ctx.text,
        expected=["the period right after the measure, e.g. average order value this year"],
    )


def output_of(outs: list[a.Keyword], ctx: Context) -> a.Output:
    """What the query answers: a count, a list (sorted), a top N, groups, from its output words.

    Example: ``output_of([Keyword('top', n=5), Keyword('by', payload='orders')], ctx)`` →
    ``Top(5, 'orders')``.
    """
    kinds = {k.kind: k for k in outs}
    by, dim = kinds.get("by"), kinds.get("dim")
    grouping = by is not None and (by.value is not None or by.payload not in _MEASURES)
    for word in (kinds.get("spend"), kinds.get("orders")):
        if word is not None and dim is None and not (grouping and word.span[0] < by.span[0]):  # type: ignore[union-attr]
            raise _needs_amount(word, ctx)
    if dim is not None:  # "top 10 products by spend", "categories by orders"
        named = kinds.get("measure")  # "top 3 categories share of spend": not read as spend
        if named is not None:
            raise QueryError(
                f"I cannot rank {dim.payload} by {ctx.text[named.span[0] : named.span[1]]}",
                span=named.span,
                text=ctx.text,
                expected=["spend", "orders"],
            )
        if by is not None and by.payload not in ("spend", "orders"):
            raise QueryError(
                f"I cannot rank {dim.payload} by {by.payload}",
                span=by.span,
                text=ctx.text,
                expected=["spend", "orders"],
            )
        limit = kinds.get("top") or kinds.get("bottom") or kinds.get("first")
        measure = by.payload if by is not None else "spend"
        return a.Group(
            str(dim.payload),
            str(measure),
            n=(limit.n or 10) if limit is not None else None,
            ascending=limit is not None and limit.kind == "bottom",
            span=dim.span,
        )
    named = kinds.get("measure")  # average order value, median orders, share of spend …
    if named is not None and by is not None and not grouping:
        raise QueryError(
            f"I cannot rank by {ctx.text[named.span[0] : named.span[1]]}",
            span=by.span,
            text=ctx.text,
            expected=["e.g. average order value by city"],
        )
    if named is not None and not grouping:
        return a.Group("all", str(named.payload), span=named.span)
    if grouping:
        assert by is not None
        key, prop_id, label = _group_by(by, ctx)
        if named is not None and key in a.LINE_DIMENSIONS and named.payload not in a.LINE_MEASURES:
            raise QueryError(
                f"I cannot group {ctx.text[named.span[0] : named.span[1]]} by {key}",
                span=by.span,
                text=ctx.text,
                expected=["e.g. average order value by city"],
            )
        before = [k for k in ("spend", "orders") if k in kinds and kinds[k].span[0] < by.span[0]]
        measure = str(named.payload) if named else before[0] if before else "count"
        return a.Group(key, measure, property_id=prop_id, label=label, span=by.span)
    ranked = _ranked(kinds, ctx)
    if ranked is not None:
        return ranked
    if "list" in kinds:
        return a.List(span=kinds["list"].span)
    return a.Count()


_GROUP_KEYS = {
    "city",
    "region",
    "country",
    "industry",
    "manager",
    "rating",
    "status",
    "abc",
    "xyz",
    "rfm",
    "tier",
}
