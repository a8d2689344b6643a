"""The echo: how a query was understood, in words, with the concrete dates of every period.

English words are ``_W["en"]``; another language's lexicon supplies ``DESCRIBE`` (the same keys,
plus ``period_*`` templates, ``kind_*``, ``status_*``, ``rfm_*``, ``group_*``) and
``DATE_FORMAT``; a missing key falls back to English.

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
from query_language.lexicon import LANGUAGES, load_lexicon
from query_language.loyalty import describe_loyalty
from query_language.periods import period_text

__all__ = ["describe", "describe_node", "amount_text", "stale_note", "period_words"]

_W = {
    "en": {
        "customers": "customers",
        "bought": "bought",
        "anything": "anything",
        "for": "for",
        "in": "in",
        "orders": "orders",
        "spend": "spend",
        "not": "not",
        "or": "or",
        "lapsed": "bought before {d} but nothing in {p}",
        "last_purchase": "last purchase",
        "before": "before",
        "after": "after",
        "created": "created",
        "unrated": "unrated",
        "tag": "tag",
        "without_tag": "without tag",
        "segment": "in segment",
        "contacted": "contacted",
        "customer": "customer",
        "top": "top {n} by {by}",
        "list": "list",
        "card": "card",
        "by": "{measure} by {key}",
        "count": "count",
        "yes": "yes",
        "no": "no",
        "last_purchase_by": "last purchase",
        "everyone": "all",
        "with": "with",
        "in_list": "{field} in ({items})",
        "name_by": "name",
        "top_dim": "top {n} {dim} by {by}",
        "follow_up_open": "with open follow-ups",
        "follow_up_overdue": "follow-up overdue",
        "you": "you",
        "bottom_dim": "bottom {n} {dim} by {by}",
        "dim_product": "products",
        "dim_category": "categories",
        "group_product": "product",
        "group_category": "product category",
        "group_month": "month",
        "group_week": "week",
        "group_quarter": "quarter",
        "group_year": "year",
        "group_property": "{name}",
        "m_aov": "average order value",
        "m_avg_spend": "average spend per customer",
        "m_median_orders": "median orders",
        "m_median_spend": "median spend",
        "m_share": "share of spend",
        "sorted": "sorted by {by}",
        "first": "first {n} by name",
        "bottom": "bottom {n} by {by}",
        "ascending": "ascending",
        "descending": "descending",
        "any_of": "any of ({items})",
        "first_purchase": "first purchase",
        "returning": "bought in {p} and before it",
        "stale": "data as of {at} UTC (the analytics copy; later changes not included)",
        "vs": "{first} vs {second}",
        "m_customers": "buying customers",
        "change_spend_dropped": "spend dropped",
        "change_spend_grew": "spend grew",
        "change_orders_dropped": "orders dropped",
        "change_orders_grew": "orders grew",
        "change_by": "by {pct}% or more",
        "change_over": "by more than {pct}%",
    },
}


_PLAIN = ("count", "spend")  # measures for which a lone period still chooses the customers
_OPS = {">": "gt", ">=": "ge", "<": "lt", "<=": "le", "=": "eq", "between": "between"}


def _words(lang: str) -> dict[str, Any]:
    """The echo words of ``lang``: English, overlaid with the lexicon's ``DESCRIBE``."""
    w: dict[str, Any] = dict(_W["en"])
    if lang != "en" and lang in LANGUAGES:
        lex = load_lexicon(lang)
        w.update(lex.describe_words)
        w["_fields"] = lex.field_words
        w["_date"] = lex.date_format
        w["_props"] = lex.property_names
    w["_lang"] = lang
    return w


def amount_text(x: Any, w: dict[str, Any] | None = None) -> str:
    """``40000.0`` → ``'40 000'``; ``1500.5`` → ``'1 500.5'``; dates as ISO (or the lexicon's format)."""
    if isinstance(x, bool):
        return (w or _W["en"])["yes" if x else "no"]
    if isinstance(x, date):
        fmt = (w or {}).get("_date", "iso")
        return x.isoformat() if fmt == "iso" else x.strftime(fmt)
    if isinstance(x, (int, float)):
        text = f"{x:,.2f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x):,}"
        return text.replace(",", " ")
    return str(x)


def _cmp(c: a.Cmp, w: dict[str, Any]) -> str:
    lang = w["_lang"]
    words = OPERATORS[c.op].words
    template = w.get(_OPS[c.op]) or words.get(lang) or words["en"]
    return template.format(v=amount_text(c.value, w), w=amount_text(c.high, w))


def _ptext(p: a.Period, w: dict[str, Any]) -> str:
    """The period in words: ``2026-07-01..2026-09-30`` or, from templates, ``с … по …``."""
    if "period_span" not in w:
        return period_text(p)
    a_, b_ = amount_text(p.start, w), amount_text(p.end, w)
    if p.start and p.end:
        return str(w["period_day" if p.start == p.end else "period_span"].format(a=a_, b=b_))
    return str(w["period_from"].format(a=a_) if p.start else w["period_to"].format(b=b_))


def period_words(p: a.Period, language: str) -> str:
    """A compared period as a vs echo writes it in ``language``: ``2026-07-01..2026-09-30``,
    ``01.07.2026–30.09.2026``."""
    return _vs_period(p, _words(language))


def _period(p: a.Period | None, w: dict[str, Any]) -> str:
    if p is None:
        return ""
    if "period_span" in w:
        return f" {_ptext(p, w)}"
    return f" {w['in']} {period_text(p)}"


def _last_purchase(p: a.Period, w: dict[str, Any]) -> str:
    if p.start is None and p.end is not None:
        return f"{w['last_purchase']} {w['before']} {amount_text(p.end + timedelta(days=1), w)}"
    return f"{w['last_purchase']}{_period(p, w)}"


def _field(key: str, w: dict[str, Any]) -> str:
    own = w.get("_fields", {}).get(key)
    return (
        own
        or (FIELDS[key].words.get(w["_lang"]) if key in FIELDS else None)
        or (FIELDS[key].words["en"] if key in FIELDS else key)
    )


def _kind(kind: str | None, w: dict[str, Any]) -> str:
    return str(w.get(f"kind_{kind}", kind) if kind else w["contacted"])


def describe_node(node: a.Node, lang: str = "en", top: bool = False) -> str:
    """One condition in words; ``top`` leaves out the parentheses of a top-level list."""
    return _node(node, _words(lang), top)


def _node(node: a.Node, w: dict[str, Any], top: bool = False) -> str:
    if isinstance(node, a.And):
        inner = [_node(n, w) for n in node.items if not isinstance(n, a.Everyone)]
        return " · ".join(inner) if top else "(" + ", ".join(inner) + ")"
    if isinstance(node, a.Or):
        return "(" + f" {w['or']} ".join(_node(n, w) for n in node.items) + ")"
    if isinstance(node, a.Not):
        if isinstance(node.item, a.HasTag):
            return f"{w['without_tag']} {node.item.name}"
        item = node.item
        if (
            isinstance(item, a.Bought)
            and not item.scope.label
            and item.spend is None
            and item.orders is None
            and "bought_nothing" in w
        ):
            return f"{w['bought_nothing']}{_period(item.period, w)}"
        if isinstance(node.item, a.Interacted):
            if node.item.kind is None and "not_contacted" in w:
                return f"{w['not_contacted']}{_period(node.item.period, w)}"
            return f"{w['not']} {_kind(node.item.kind, w)}{_period(node.item.period, w)}"
        return f"{w['not']} {_node(node.item, w)}"
    if isinstance(node, a.Everyone):
        return str(w["everyone"])
    if isinstance(node, a.FieldIs):
        if len(node.labels) > 1:
            return str(
                w["in_list"].format(field=_field(node.field, w), items=", ".join(node.labels))
            )
        return f"{_field(node.field, w)} = {node.label}"
    if isinstance(node, a.AnyOf):
        items = ", ".join(_item_label(n, w) for n in node.items)
        return str(w["in_list"].format(field=_field(node.field, w), items=items))
    if isinstance(node, a.CustomerIs):
        return f"{w['customer']} = {node.label}"
    if isinstance(node, a.Bought):
        text = f"{w['bought']} {node.scope.label or w['anything']}"
        if node.spend is not None:
            text += f" {w['for']} {_cmp(node.spend, w)}"
        if node.orders is not None:
            text += f" {w['with']} {_cmp(node.orders, w)} {w['orders']}"
        return text + _period(node.period, w)
    if isinstance(node, a.SpendCmp):
        on = f" {node.scope.label}" if node.scope.label else ""
        return f"{w['spend']}{on} {_cmp(node.cmp, w)}{_period(node.period, w)}"
    if isinstance(node, a.OrderCountCmp):
        of = f" {w.get('orders_of', 'of')} {node.scope.label}" if node.scope.label else ""
        return f"{_cmp(node.cmp, w)} {w['orders']}{of}{_period(node.period, w)}"
    if isinstance(node, a.Lapsed):
        return str(
            w["lapsed"].format(d=amount_text(node.period.start, w), p=_ptext(node.period, w))
        )
    if isinstance(node, a.LastPurchase):
        return _last_purchase(node.period, w)
    if isinstance(node, a.FirstPurchase):
        return f"{w['first_purchase']}{_period(node.period, w)}"
    if isinstance(node, a.Returning):
        return str(w["returning"].format(p=_ptext(node.period, w)))
    if isinstance(node, a.Created):
        return f"{w['created']}{_period(node.period, w)}"
    if isinstance(node, a.RatingIn):
        if node.ratings == ("",):
            return str(w["unrated"])
        name = _field("rating", w)
        if len(node.ratings) == 1:
            return f"{name} = {node.ratings[0]}"
        return f"{name} = " + f" {w['or']} ".join(r or w["unrated"] for r in node.ratings)
    if isinstance(node, a.HasTag):
        return f"{w['tag']} = {node.name}"
    if isinstance(node, a.StatusIs):
        return f"{_field('status', w)} = {w.get('status_' + node.status, node.status)}"
    if isinstance(node, a.PropertyCmp):
        names = w.get("_props", {}).get(node.name.casefold())
        return f"{names[0] if names else node.name} {_cmp(node.cmp, w)}"
    if isinstance(node, a.Interacted):
        return f"{_kind(node.kind, w)}{_period(node.period, w)}"
    if isinstance(node, a.ClassIs):
        return f"{node.kind} = {w.get(f'{node.kind}_{node.value}', node.value)}"
    if isinstance(node, a.InSegment):
        return f"{w['segment']} {node.name}"
    if isinstance(node, a.Change):
        said_by = w["change_over" if node.strict else "change_by"]
        by = " " + said_by.format(pct=amount_text(node.pct)) if node.pct is not None else ""
        said = w[f"change_{node.measure}_{node.direction}"]
        return f"{said}{by}: {_versus(node.first, node.second, w)}"
    if (loyal := describe_loyalty(node, w, _cmp, _period)) is not None:
        return loyal
    if isinstance(node, a.FollowUpIs):
        return str(w[f"follow_up_{node.state}"])
    return type(node).__name__


def _vs_period(p: a.Period, w: dict[str, Any]) -> str:
    if "vs_span" not in w or p.start is None or p.end is None:
        return period_text(p) if "period_span" not in w else _ptext(p, w)
    if p.start == p.end:
        return amount_text(p.start, w)
    return str(w["vs_span"].format(a=amount_text(p.start, w), b=amount_text(p.end, w)))


def _versus(first: a.Period, second: a.Period, w: dict[str, Any]) -> str:
    """``2026-10-01..2026-11-22 vs 2026-07-01..2026-09-30`` (or the lexicon's ``vs_span``)."""
    return str(w["vs"].format(first=_vs_period(first, w), second=_vs_period(second, w)))


def _item_label(node: a.Node, w: dict[str, Any]) -> str:
    """The value part of one item of an any-of list: ``vip``, ``active``, ``AX``."""
    if isinstance(node, (a.HasTag, a.InSegment)):
        return node.name
    if isinstance(node, a.StatusIs):
        return str(w.get("status_" + node.status, node.status))
    if isinstance(node, a.ClassIs):
        return str(w.get(f"{node.kind}_{node.value}", node.value))
    if isinstance(node, a.And):
        return "".join(_item_label(n, w) for n in node.items)
    return _node(node, w)


def _output(out: a.Output, w: dict[str, Any]) -> str:
    if isinstance(out, (a.Top, a.List)) and (
        isinstance(out, a.Top) or out.by != "name" or not out.ascending
    ):
        by = {
            "spend": w.get("spend_by", w["spend"]),
            "orders": w.get("orders_by", w["orders"]),
            "last_purchase": w["last_purchase_by"],
            "name": w["name_by"],
        }[out.by]
        natural = out.ascending == (out.by == "name")
        way = "" if natural else " " + w["ascending" if out.ascending else "descending"]
        if isinstance(out, a.List):
            return str(w["sorted"].format(by=by) + way)
        if out.by == "name" and out.ascending:
            return str(w["first"].format(n=out.n))
        if out.ascending and out.by != "name":
            return str(w["bottom"].format(n=out.n, by=by))
        return str(w["top"].format(n=out.n, by=by) + way)
    if isinstance(out, a.Group):
        measure = {
            "spend": w.get("measure_spend", w["spend"]),
            "orders": w.get("measure_orders", w["orders"]),
        }.get(out.measure) or w.get(f"m_{out.measure}", w["count"])
        if out.by == "all":
            return str(measure)
        if out.by == "property":
            names = w.get("_props", {}).get(out.label.casefold())
            key = w["group_property"].format(name=names[0] if names else out.label)
        else:
            key = w.get(f"group_{out.by}") or (_field(out.by, w) if out.by in FIELDS else out.by)
        if out.n is not None:
            template = w["bottom_dim" if out.ascending else "top_dim"]
            by = w.get(f"{out.measure}_by", measure)
            return str(template.format(n=out.n, dim=w[f"dim_{out.by}"], by=by))
        return str(w["by"].format(measure=measure, key=key))
    if isinstance(out, a.Compare):
        measure = {
            "spend": w.get("measure_spend", w["spend"]),
            "orders": w.get("measure_orders", w["orders"]),
        }.get(out.measure) or w.get(f"m_{out.measure}", out.measure)
        if out.by == "property":
            names = w.get("_props", {}).get(out.label.casefold())
            key = w["group_property"].format(name=names[0] if names else out.label)
        else:
            key = w.get(f"group_{out.by}") or (_field(out.by, w) if out.by in FIELDS else out.by)
        said = measure if out.by == "all" else w["by"].format(measure=measure, key=key)
        return f"{said}: {_versus(out.first, out.second, w)}"
    if isinstance(out, a.List):
        return str(w["list"])
    return ""


def describe(query: a.Query) -> str:
    """The echoed interpretation of ``query`` (see the module docstring for an example)."""
    w = _words(query.language)
    if isinstance(query.output, a.Card):
        return f"{w['card']} {query.output.name}"
    parts = [w["customers"]]
    if not isinstance(query.where, a.Everyone):
        parts.append(_node(query.where, w, top=True))
    if out := _output(query.output, w):
        if (
            isinstance(query.output, a.Group)
            and (query.output.by in a.LINE_DIMENSIONS or query.output.measure not in _PLAIN)
            and query.period is not None
        ):
            out += _period(query.period, w)  # the period of the measure
        parts.append(out)
    return " · ".join(parts)


def stale_note(language: str, at: Any) -> str:
    """What the echo adds when a stale analytical copy answered (within the allowance):
    ``stale_note("en", at)`` → ``' · data as of 2026-12-04 17:02 UTC (the analytics copy; …)'``.
    """
    return " · " + str(_words(language)["stale"].format(at=at.strftime("%Y-%m-%d %H:%M")))
