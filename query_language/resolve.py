"""The AST as typed → the query as understood: values looked up, periods made concrete, and
each period, amount and order count bound to the condition next to it.

Binding, within one ``and`` list: a period binds to the nearest condition before it that takes
a period (purchase, spend, order count, lapsed, last purchase, created, interaction, date
property), else to the next one; a period with none means *bought anything in that period*. An
amount or order count right after a product binds to that product; otherwise it is net spend
(or orders) on everything.

Example::

    q = interpret("Moscow buyers of Super Drill over 40k last quarter", catalog, today=date(2026, 11, 22))
    q.where   # And((FieldIs('city', …), Bought(Scope((1,), …), Period(2026-07-01, 2026-09-30), spend=Cmp('>', 40000.0))))
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from query_language import ast as a
from query_language.catalog import Catalog
from query_language.errors import QueryError
from query_language.lexicon import load_lexicon
from query_language.loyalty import PointsCmp
from query_language.mine import follow_up_node, mine_node
from query_language.outputs import OUTPUT_KINDS, measured_period, output_of
from query_language.parser import parse
from query_language.periods import to_period
from query_language.segments import mentions_archived
from query_language.slots import Slot, finish, to_cmp
from query_language.values import Context, ProductScope, PropertyRef, read_value
from query_language.versus import not_at_top, period_over_period

__all__ = ["resolve", "resolve_where"]


def _opened(item: a.Node) -> tuple[a.Node, bool]:
    """The item out of its parentheses, and whether it was in them."""
    if isinstance(item, a.Parenthesized):
        return item.item, True
    if isinstance(item, a.Not) and isinstance(item.item, a.Parenthesized):
        return a.Not(item.item.item, span=item.span), True
    return item, False


class _Binder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def node(self, n: a.Node) -> a.Node:
        if isinstance(n, a.Parenthesized):
            return self.and_list([n.item], n.span)
        if isinstance(n, a.Or):
            return a.Or(tuple(self.node(i) for i in n.items), span=n.span)
        if isinstance(n, a.And):
            return self.and_list(list(n.items), n.span)
        return self.and_list([n], n.span)

    def and_list(self, items: list[a.Node], span: a.Span) -> a.Node:
        out: list[a.Node | Slot] = []
        pending: list[a.Period] = []
        last: Slot | None = None

        def add(x: a.Node | Slot) -> None:
            nonlocal last
            out.append(x)
            last = x if isinstance(x, Slot) else None
            if isinstance(x, Slot) and pending and x.takes_period():
                x.period = pending.pop(0)

        for item in items:
            item, closed = _opened(item)
            self.item(item, out, pending, None if closed else last, add)
            if closed:  # "(buyers of Super Drill), at least 3 orders": the count stands alone
                last = None
        for p in pending:
            out.append(Slot("bought", p.span, period=p))
        nodes = [finish(x, self.ctx) if isinstance(x, Slot) else x for x in out]
        if not nodes:
            return a.Everyone(span=span)
        return nodes[0] if len(nodes) == 1 else a.And(tuple(nodes), span=span)

    def item(
        self,
        item: a.Node,
        out: list[a.Node | Slot],
        pending: list[a.Period],
        last: Slot | None,
        add: Any,
    ) -> None:
        """Bind one item of an and-list: a period to the condition before it, an amount or count
        to the purchase before it (``last``), a product to the count before it."""
        negate = isinstance(item, a.Not) and isinstance(
            item.item, (a.Keyword, a.ValueWords, a.Comparison)
        )
        inner = item.item if negate else item  # type: ignore[attr-defined]
        if isinstance(inner, a.PeriodWords):
            p = to_period(inner, self.ctx.today)
            target = next(
                (x for x in reversed(out) if isinstance(x, Slot) and x.takes_period()), None
            )
            if (
                target is not None
                and target.kind == "property"
                and inner.form in ("after", "since")
            ):
                target.period = a.Period(p.start, None, span=p.span)  # dates may lie ahead
            elif target is not None:
                target.period = p
            else:
                pending.append(p)
        elif isinstance(inner, (a.Versus, a.ChangeWords)):
            raise not_at_top(inner, self.ctx)
        elif isinstance(inner, a.Comparison) and negate:
            self.negated_comparison(inner, last, add)
        elif isinstance(inner, a.Comparison):
            self.comparison(inner, last, add)
        elif isinstance(inner, a.Keyword):
            if inner.kind in OUTPUT_KINDS:
                raise QueryError(
                    f"'{self.ctx.text[inner.span[0] : inner.span[1]]}' must come at the top level",
                    span=inner.span,
                    text=self.ctx.text,
                    expected=["a condition"],
                )
            for x in self.keyword(inner):
                if isinstance(x, Slot):
                    x.negate = negate
                add(x if isinstance(x, Slot) or not negate else a.Not(x, span=item.span))
        elif isinstance(inner, a.ValueWords):
            got = self.value(inner)
            if (
                isinstance(got, Slot)
                and got.kind == "bought"
                and not negate
                and last is not None
                and last.kind in ("orders", "spend")
                and not last.scope.label
            ):
                last.scope = got.scope  # "at least 2 orders of Super Drill"
                return
            if isinstance(got, Slot):
                got.negate = negate
            add(got if isinstance(got, Slot) or not negate else a.Not(got, span=item.span))
        elif isinstance(inner, a.Not):
            add(a.Not(self.node(inner.item), span=inner.span))
        else:
            add(self.node(inner))

    def negated_comparison(self, c: a.Comparison, last: Slot | None, add: Any) -> None:
        """``not spent over 100k this year``: a condition of its own, negated, that still takes
        the period next to it (so the period binds inside the negation)."""
        if last is not None and last.kind == "property" and last.spend is None:
            last.spend = to_cmp(c, self.ctx, "any")  # "employees not over 100"
            last.negate = not last.negate
            return
        if isinstance(c.value, a.ValueWords) or c.measure == "points":
            if c.measure == "points":
                add(a.Not(PointsCmp(to_cmp(c, self.ctx, "number"), span=c.span), span=c.span))
                return
            self.comparison(c, None, add)  # the same error as without 'not'
            return
        kind = "orders" if c.measure == "orders" else "spend"
        cmp = to_cmp(c, self.ctx, "number")
        slot = Slot(kind, c.span, spend=cmp if kind == "spend" else None)
        if kind == "orders":
            slot.orders = cmp
        slot.negate = True
        add(slot)

    def comparison(self, c: a.Comparison, last: Slot | None, add: Any) -> None:
        if c.measure == "points":  # "points over 500": the balance, no period
            add(PointsCmp(to_cmp(c, self.ctx, "number"), span=c.span))
            return
        if (
            last is not None
            and last.kind == "property"
            and last.spend is None
            and c.measure == "auto"
        ):
            last.spend = to_cmp(c, self.ctx, "any")
            return
        if isinstance(c.value, a.ValueWords):
            raise QueryError(
                "'=' needs a property before it",
                span=c.span,
                text=self.ctx.text,
                expected=["e.g. channel = online"],
            )
        if c.measure == "orders":
            if last is not None and last.kind == "bought" and last.orders is None:
                last.orders = to_cmp(c, self.ctx, "number")
            else:
                add(Slot("orders", c.span, orders=to_cmp(c, self.ctx, "number")))
            return
        if (
            c.measure == "auto"
            and last is not None
            and last.kind == "bought"
            and last.spend is None
        ):
            last.spend = to_cmp(c, self.ctx, "number")
            return
        add(Slot("spend", c.span, spend=to_cmp(c, self.ctx, "number")))

    def keyword(self, k: a.Keyword) -> list[a.Node | Slot]:
        if k.kind == "bought":
            if k.value is None:
                words = tuple(
                    map(self.ctx.lex.normalise_word, self.ctx.text[k.span[0] : k.span[1]].split())
                )
                if (
                    self.ctx.lex.phrases.get(words, ("", None))[1] == "of"
                ):  # "buyers of" needs its object
                    raise QueryError(
                        "bought what?",
                        span=k.span,
                        text=self.ctx.text,
                        expected=["a product or category"],
                    )
                return [Slot("bought", k.span)]
            field = k.value.field if k.value.field in ("product", "category") else "bought"
            v = (
                replace(k.value, field=field)
                if k.value.field in (None, "product", "category")
                else k.value
            )
            try:
                got = read_value(v, self.ctx)
            except QueryError as first:
                if k.value.field is not None:
                    raise
                try:
                    got = read_value(k.value, self.ctx)  # "buyers vip": any purchase, and vip
                except QueryError:
                    raise first from None
            if isinstance(got, ProductScope):
                return [Slot("bought", k.span, scope=got.scope)]
            return [Slot("bought", k.span), *self._as_items(got)]
        if k.kind == "interaction":
            return [Slot("interaction", k.span, payload=k.payload)]
        if k.kind == "tier_move":
            return [Slot("tier_move", k.span, payload=k.payload)]
        if k.kind in ("follow_up", "mine"):  # issue 21 (query_language/mine.py)
            if k.kind == "mine":
                return [mine_node(k.span, self.ctx.catalog, self.ctx.language, self.ctx.text)]
            return [follow_up_node(str(k.payload), k.span, self.ctx.today)]
        return [Slot(k.kind, k.span)]

    def _as_items(self, got: Any) -> list[a.Node | Slot]:
        if isinstance(got, PropertyRef):
            return [Slot("property", got.span, prop=got)]
        if isinstance(got, ProductScope):
            return [Slot("bought", got.span, scope=got.scope)]
        return [got]

    def value(self, v: a.ValueWords) -> a.Node | Slot:
        return self._as_items(read_value(v, self.ctx))[0]


def _context(
    text: str,
    catalog: Catalog,
    today: date,
    language: str,
    segments_seen: frozenset[int] = frozenset(),
) -> Context:
    try:
        lex = load_lexicon(language)
    except KeyError:
        raise QueryError(f"unknown language '{language}'", expected=["en", "ru"]) from None
    return Context(catalog, lex, text, language, today, segments_seen)


def resolve_where(
    text: str,
    catalog: Catalog,
    *,
    today: date,
    language: str = "en",
    segments_seen: frozenset[int] = frozenset(),
) -> a.Node:
    """Only the condition of ``text`` (used for dynamic segments); output words are ignored."""
    ctx = _context(text, catalog, today, language, segments_seen)
    tree = parse(text, language, catalog.index(language))
    items = list(tree.items) if isinstance(tree, a.And) else [tree]
    items = [i for i in items if not (isinstance(i, a.Keyword) and i.kind in OUTPUT_KINDS)]
    return _Binder(ctx).and_list(items, tree.span)


def _query_period(node: a.Node) -> a.Period | None:
    if isinstance(node, (a.Bought, a.SpendCmp, a.OrderCountCmp)):
        return node.period
    if isinstance(node, (a.And, a.Or)):
        for n in node.items:
            if (p := _query_period(n)) is not None:
                return p
    return None


def resolve(
    tree: a.Node, catalog: Catalog, *, text: str, today: date, language: str = "en"
) -> a.Query:
    """The query as understood, from the AST as typed; raises QueryError.

    Example: ``resolve(parse("card Romashka"), catalog, text="card Romashka", today=d).output``
    → ``Card(ids=(7,), name='Romashka')``.
    """
    ctx = _context(text, catalog, today, language)
    items = list(tree.items) if isinstance(tree, a.And) else [tree]
    outs = [i for i in items if isinstance(i, a.Keyword) and i.kind in OUTPUT_KINDS]
    rest = [i for i in items if not any(i is o for o in outs)]
    card = next((o for o in outs if o.kind == "card"), None)
    alone = rest[0] if not outs and len(rest) == 1 else None
    if isinstance(alone, a.ValueWords) and alone.field is None and alone.fixed is None:
        got = read_value(alone, ctx, allow_customer=True)
        if isinstance(got, a.CustomerIs):
            card = a.Keyword("card", value=replace(alone, field="customer"), span=alone.span)
    if card is not None and card.value is not None:
        who = read_value(card.value, ctx)
        assert isinstance(who, a.CustomerIs)
        return a.Query(
            text,
            language,
            today,
            who,
            a.Card(who.ids, who.label, span=card.span),
            None,
            include_archived=True,
        )
    if any(isinstance(i, (a.Versus, a.ChangeWords)) for i in rest):  # see versus.py
        output, where, first = period_over_period(rest, outs, ctx, _Binder(ctx).and_list)
        return a.Query(text, language, today, where, output, first, mentions_archived(where))
    output = output_of(outs, ctx)
    measured: a.Period | None = None
    if isinstance(output, a.Group) and (
        output.by in a.LINE_DIMENSIONS or output.measure not in ("count", "spend")
    ):
        # "spend by month this year": the period qualifies the measure, not the customers
        chosen = measured_period(items, outs, ctx)
        if chosen is not None:
            measured = to_period(chosen, today)
            rest = [i for i in rest if i is not chosen]
    where = _Binder(ctx).and_list(rest, tree.span)
    return a.Query(
        text,
        language,
        today,
        where,
        output,
        measured or _query_period(where),
        mentions_archived(where),
    )
