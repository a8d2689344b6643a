"""The echo: how a query was understood, in words, with the concrete dates of every period.

Example::

    describe(interpret("Moscow buyers of Super Drill over 40k last quarter, manager Ivanov", catalog,
                       today=date(2026, 11, 22)))
    # 'customers · city = Moscow · bought Super Drill for over 40 000 in 2026-07-01..2026-09-30 · manager = Ivanov'
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from query_language import ast as a
from query_language.fields import FIELDS, OPERATORS
from query_language.periods import period_text

__all__ = ["describe", "describe_node", "amount_text"]

_W = {
    "en": {"customers": "customers", "bought": "bought", "anything": "anything", "for": "for",
           "in": "in", "orders": "orders", "spend": "spend", "not": "not", "or": "or",
           "lapsed": "bought before {d} but nothing in {p}", "last_purchase": "last purchase",
           "before": "before", "after": "after", "created": "created", "unrated": "unrated",
           "tag": "tag", "without_tag": "without tag", "segment": "in segment",
           "contacted": "contacted", "customer": "customer", "top": "top {n} by {by}",
           "list": "list", "card": "card", "by": "{measure} by {key}", "count": "count",
           "yes": "yes", "no": "no", "last_purchase_by": "last purchase", "everyone": "all",
           "with": "with"},
}


def amount_text(x: Any) -> str:
    """``40000.0`` → ``'40 000'``; ``1500.5`` → ``'1 500.5'``; dates as ISO."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, date):
        return x.isoformat()
    if isinstance(x, (int, float)):
        text = f"{x:,.2f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x):,}"
        return text.replace(",", " ")
    return str(x)


def _cmp(c: a.Cmp, lang: str) -> str:
    return OPERATORS[c.op].words[lang].format(v=amount_text(c.value), w=amount_text(c.high))


def _period(p: a.Period | None, w: dict[str, str]) -> str:
    if p is None:
        return ""
    return f" {w['in']} {period_text(p)}"


def _last_purchase(p: a.Period, w: dict[str, str]) -> str:
    if p.start is None and p.end is not None:
        return f"{w['last_purchase']} {w['before']} {(p.end + timedelta(days=1)).isoformat()}"
    return f"{w['last_purchase']} {w['in']} {period_text(p)}"


def describe_node(node: a.Node, lang: str = "en", top: bool = False) -> str:
    """One condition in words; ``top`` leaves out the parentheses of a top-level list."""
    w = _W.get(lang, _W["en"])
    if isinstance(node, a.And):
        inner = [describe_node(n, lang) for n in node.items if not isinstance(n, a.Everyone)]
        return " · ".join(inner) if top else "(" + ", ".join(inner) + ")"
    if isinstance(node, a.Or):
        return "(" + f" {w['or']} ".join(describe_node(n, lang) for n in node.items) + ")"
    if isinstance(node, a.Not):
        if isinstance(node.item, a.HasTag):
            return f"{w['without_tag']} {node.item.name}"
        if isinstance(node.item, a.Interacted):
            what = node.item.kind or w["contacted"]
            return f"{w['not']} {what}{_period(node.item.period, w)}"
        return f"{w['not']} {describe_node(node.item, lang)}"
    if isinstance(node, a.Everyone):
        return w["everyone"]
    if isinstance(node, a.FieldIs):
        return f"{FIELDS[node.field].words.get(lang, node.field)} = {node.label}"
    if isinstance(node, a.CustomerIs):
        return f"{w['customer']} = {node.label}"
    if isinstance(node, a.Bought):
        text = f"{w['bought']} {node.scope.label or w['anything']}"
        if node.spend is not None:
            text += f" {w['for']} {_cmp(node.spend, lang)}"
        if node.orders is not None:
            text += f" {w['with']} {_cmp(node.orders, lang)} {w['orders']}"
        return text + _period(node.period, w)
    if isinstance(node, a.SpendCmp):
        on = f" {node.scope.label}" if node.scope.label else ""
        return f"{w['spend']}{on} {_cmp(node.cmp, lang)}{_period(node.period, w)}"
    if isinstance(node, a.OrderCountCmp):
        return f"{_cmp(node.cmp, lang)} {w['orders']}{_period(node.period, w)}"
    if isinstance(node, a.Lapsed):
        return w["lapsed"].format(d=amount_text(node.period.start), p=period_text(node.period))
    if isinstance(node, a.LastPurchase):
        return _last_purchase(node.period, w)
    if isinstance(node, a.Created):
        return f"{w['created']}{_period(node.period, w)}"
    if isinstance(node, a.RatingIn):
        if node.ratings == ("",):
            return w["unrated"]
        name = FIELDS["rating"].words.get(lang, "rating")
        if len(node.ratings) == 1:
            return f"{name} = {node.ratings[0]}"
        return f"{name} = " + f" {w['or']} ".join(r or w["unrated"] for r in node.ratings)
    if isinstance(node, a.HasTag):
        return f"{w['tag']} = {node.name}"
    if isinstance(node, a.StatusIs):
        return f"{FIELDS['status'].words.get(lang, 'status')} = {node.status}"
    if isinstance(node, a.PropertyCmp):
        return f"{node.name} {_cmp(node.cmp, lang)}"
    if isinstance(node, a.Interacted):
        return f"{node.kind or w['contacted']}{_period(node.period, w)}"
    if isinstance(node, a.ClassIs):
        return f"{node.kind} = {node.value}"
    if isinstance(node, a.InSegment):
        return f"{w['segment']} {node.name}"
    return type(node).__name__


def _output(out: a.Output, lang: str) -> str:
    w = _W.get(lang, _W["en"])
    if isinstance(out, a.Top):
        by = {"spend": w["spend"], "orders": w["orders"], "last_purchase": w["last_purchase_by"]}[out.by]
        return w["top"].format(n=out.n, by=by)
    if isinstance(out, a.Group):
        measure = w["spend"] if out.measure == "spend" else w["count"]
        return w["by"].format(measure=measure, key=FIELDS[out.by].words.get(lang, out.by)
                              if out.by in FIELDS else out.by)
    if isinstance(out, a.List):
        return w["list"]
    return ""


def describe(query: a.Query) -> str:
    """The echoed interpretation of ``query`` (see the module docstring for an example)."""
    lang = query.language
    w = _W.get(lang, _W["en"])
    if isinstance(query.output, a.Card):
        return f"{w['card']} {query.output.name}"
    parts = [w["customers"]]
    if not isinstance(query.where, a.Everyone):
        parts.append(describe_node(query.where, lang, top=True))
    if out := _output(query.output, lang):
        parts.append(out)
    return " · ".join(parts)
