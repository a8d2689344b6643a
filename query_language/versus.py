"""Period over period, as understood: ``spend this quarter vs last quarter by manager`` (an
answer: per group, the measure in both periods, the change and the change in per cent) and
``spend dropped by 30% vs last year`` (a condition on each customer).

The first period is the lone period before ``vs`` (none: the current period of the compared
period's unit, to date); the second is the one after ``vs`` as written, or the first moved
back one year (``vs same period last year``), or the previous period of the first's unit
(``против прошлого``).

Example::

    q = interpret("spend this quarter vs last quarter by manager", catalog, today=date(2026, 11, 22))
    q.output   # Compare('manager', 'spend', Period(2026-10-01, 2026-11-22), Period(2026-07-01, 2026-09-30))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from query_language import ast as a
from query_language.errors import QueryError
from query_language.outputs import _group_by
from query_language.periods import add_months, to_period
from query_language.values import Context

__all__ = ["period_over_period", "not_at_top", "COMPARABLE"]

# what a vs answer can measure: spend, orders, buying customers and the per-group measures
COMPARABLE = ("spend", "orders", "customers", "aov", "avg_spend", "median_orders", "median_spend")
_UNIT_OF_FORM = {"month": "month", "quarter": "quarter", "year": "year"}


def _error(ctx: Context, span: a.Span, message: str, example: str) -> QueryError:
    return QueryError(message, span=span, text=ctx.text, expected=[example])


def _unit(p: a.PeriodWords | None) -> str | None:
    """The calendar unit a period is one of: ``this quarter`` → quarter, ``in 2025`` → year."""
    if p is None:
        return None
    if p.form in ("this", "last"):
        return p.unit or "year"
    return _UNIT_OF_FORM.get(p.form)


def _year_back(p: a.Period) -> a.Period:
    start = add_months(p.start, -12) if p.start else None
    return a.Period(start, add_months(p.end, -12) if p.end else None, span=p.span)


def _periods(
    vs: a.Versus, first_words: a.PeriodWords | None, ctx: Context
) -> tuple[a.Period, a.Period]:
    """The two periods compared (see the module docstring); never the same one twice."""
    first, second = _both(vs, first_words, ctx)
    if (first.start, first.end) == (second.start, second.end):
        raise _error(
            ctx, vs.span, "the two periods are the same", "e.g. this quarter vs last quarter"
        )
    return first, second


def _both(
    vs: a.Versus, first_words: a.PeriodWords | None, ctx: Context
) -> tuple[a.Period, a.Period]:
    if vs.period is not None and vs.period.form == "span":
        # "last 30 days vs previous 30 days": the span that ends the day before the first
        first = to_period(first_words or vs.period, ctx.today)
        if first.start is None:
            raise _error(ctx, vs.span, "compared with what?", "e.g. this quarter vs last quarter")
        return first, to_period(vs.period, first.start - timedelta(days=1))
    if vs.period is not None:
        second = to_period(vs.period, ctx.today)
        if first_words is not None:
            return to_period(first_words, ctx.today), second
        unit = _unit(vs.period)
        if unit is None:
            raise _error(ctx, vs.span, "compared with what?", "e.g. this quarter vs last quarter")
        this = to_period(a.PeriodWords("this", unit, span=vs.span), ctx.today)
        return this, second
    if vs.same:
        words = first_words or a.PeriodWords("this", "year", span=vs.span)
        first = to_period(words, ctx.today)
        return first, _year_back(replace(first, span=vs.span))
    unit = _unit(first_words)
    if first_words is None or unit is None:
        raise _error(ctx, vs.span, "the previous what?", "e.g. this quarter vs last quarter")
    first = to_period(first_words, ctx.today)
    return first, to_period(a.PeriodWords("last", unit, span=vs.span), ctx.today)


def _measure(outs: list[a.Keyword], rest: list[a.Node], ctx: Context) -> tuple[str, list[a.Node]]:
    """What a vs answer measures, and the conditions without a bare ``buyers`` it took."""
    kinds = {k.kind: k for k in outs}
    named = kinds.get("measure")
    if named is not None:
        if named.payload not in COMPARABLE:
            raise _error(
                ctx,
                named.span,
                f"I cannot compare {ctx.text[named.span[0] : named.span[1]]} between periods",
                "spend, orders, customers, average order value",
            )
        return str(named.payload), rest
    for word in ("spend", "orders"):
        if word in kinds:
            return word, rest
    by = kinds.get("by")
    if by is not None and by.value is None and by.payload in ("spend", "orders"):
        return str(by.payload), rest
    buyers = [i for i in rest if isinstance(i, a.Keyword) and i.kind == "bought" and not i.value]
    if "count" in kinds or buyers:
        return "customers", [i for i in rest if not any(i is b for b in buyers[:1])]
    everything = (0, len(ctx.text))
    raise _error(ctx, everything, "compare what?", "spend, orders, customers, average order value")


def _compare(
    outs: list[a.Keyword], rest: list[a.Node], ctx: Context
) -> tuple[a.Output, list[a.Node]]:
    first, second = a.Period(None, None), a.Period(None, None)  # set by the caller
    for k in outs:
        if k.kind not in ("spend", "orders", "measure", "count", "by"):
            raise _error(
                ctx,
                k.span,
                f"'{ctx.text[k.span[0] : k.span[1]]}' does not go with vs",
                "e.g. spend this quarter vs last quarter by manager",
            )
    measure, rest = _measure(outs, rest, ctx)
    by = next((k for k in outs if k.kind == "by"), None)
    if by is None or (by.value is None and by.payload in ("spend", "orders")):
        return a.Compare("all", measure, first, second, span=(0, 0)), rest
    key, prop_id, label = _group_by(by, ctx)
    if key in a.LINE_DIMENSIONS and key not in a.GOODS_DIMENSIONS:  # calendar buckets differ
        raise _error(ctx, by.span, f"I cannot compare periods by {key}", "e.g. by manager, by city")
    if key in a.GOODS_DIMENSIONS and measure not in ("spend", "orders", "customers"):
        raise _error(
            ctx,
            by.span,
            f"I can compare {key}s by spend, orders or buyers only",
            f"e.g. spend this year vs last year by {key}",
        )
    return a.Compare(key, measure, first, second, prop_id, label, span=by.span), rest


def not_at_top(item: a.Node, ctx: Context) -> QueryError:
    """``vs`` or ``grew`` inside parentheses, a negation or an ``or``: not (yet) a condition."""
    return _error(
        ctx,
        item.span,
        f"'{ctx.text[item.span[0] : item.span[1]]}' must come at the top level",
        "e.g. spend dropped by 30% vs last year",
    )


def period_over_period(
    rest: list[a.Node],
    outs: list[a.Keyword],
    ctx: Context,
    bind: Callable[[list[a.Node], a.Span], a.Node],
) -> tuple[a.Output, a.Node, a.Period]:
    """A query with ``vs`` (or grew / dropped): its answer, its condition (``bind`` binds the
    other items as resolve does; a grew / dropped change is one more condition of the top-level
    ``and``), and the first period."""
    from query_language.outputs import output_of

    versus = [i for i in rest if isinstance(i, a.Versus)]
    changes = [i for i in rest if isinstance(i, a.ChangeWords)]
    for extra in (versus[1:], changes[1:]):
        if extra:
            raise _error(ctx, extra[0].span, "one comparison per query", "e.g. vs last year")
    if not versus:
        c = changes[0]
        raise _error(ctx, c.span, "compared with what?", "e.g. spend dropped by 30% vs last year")
    vs = versus[0]
    before = [i for i in rest if isinstance(i, a.PeriodWords) and i.span[1] <= vs.span[0]]
    first_words = before[-1] if before else None
    first, second = _periods(vs, first_words, ctx)
    used = [vs, *changes, *before[-1:]]
    rest = [i for i in rest if not any(i is u for u in used)]
    if changes:
        c = changes[0]
        if c.pct is not None and not 0 <= c.pct <= (100 if c.direction == "dropped" else 1e6):
            raise _error(ctx, c.span, f"{c.pct:g}% is not a change I can use", "e.g. by 30%")
        span = (min(c.span[0], vs.span[0]), max(c.span[1], vs.span[1]))
        change = a.Change(c.measure, c.direction, c.pct, first, second, c.strict, span=span)
        where = bind(rest, (0, len(ctx.text)))
        kept = where.items if isinstance(where, a.And) else (where,)
        items = tuple(i for i in kept if not isinstance(i, a.Everyone))
        where = a.And((*items, change), span=(0, len(ctx.text))) if items else change
        return output_of(outs, ctx), where, first
    output, rest = _compare(outs, rest, ctx)
    assert isinstance(output, a.Compare)
    return replace(output, first=first, second=second), bind(rest, (0, len(ctx.text))), first
