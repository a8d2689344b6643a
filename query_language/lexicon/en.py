"""English keywords: phrase → (terminal, payload). Adding a synonym is one line.

Terminals are the grammar's (see ``grammar.lark``); the payload says which field, unit, class
value or interaction kind the phrase names.
"""

from __future__ import annotations

__all__ = ["PHRASES", "FILLERS", "FIELD_WORDS", "ECHO", "normalise_word"]


def normalise_word(word: str) -> str:
    """Lower case, ``ё`` as ``е``; English needs no lemmatiser."""
    return word.casefold().replace("ё", "е")


_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]
_RFM = ["champions", "cannot lose them", "loyal", "at risk", "potential loyalists",
        "need attention", "promising", "hibernating", "lost"]

PHRASES: dict[str, tuple[str, object]] = {
    # fields (a keyword before a value settles which kind of value it is)
    "city": ("FIELD", "city"), "town": ("FIELD", "city"),
    "region": ("FIELD", "region"), "country": ("FIELD", "country"),
    "industry": ("FIELD", "industry"), "sector": ("FIELD", "industry"),
    "manager": ("FIELD", "manager"), "managed by": ("FIELD", "manager"),
    "manager is": ("FIELD", "manager"), "responsible": ("FIELD", "manager"),
    "product": ("FIELD", "product"), "sku": ("FIELD", "product"),
    "category": ("FIELD", "category"),
    "tag": ("FIELD", "tag"), "tagged": ("FIELD", "tag"), "with tag": ("FIELD", "tag"),
    "segment": ("FIELD", "segment"), "in segment": ("FIELD", "segment"),
    "member of": ("FIELD", "segment"), "members of": ("FIELD", "segment"),
    "status": ("FIELD", "status"),
    "rating": ("FIELD", "rating"), "rated": ("FIELD", "rating"), "rating is": ("FIELD", "rating"),
    "abc": ("FIELD", "abc"), "xyz": ("FIELD", "xyz"), "class": ("FIELD", "class"),
    "rfm": ("FIELD", "rfm"), "customer": ("FIELD", "customer"),
    "without tag": ("NOTAG", None), "untagged": ("NOTAG", None), "not tagged": ("NOTAG", None),
    # fixed values
    "active": ("FIXED", ("status", "active")), "check": ("FIXED", ("status", "check")),
    "on check": ("FIXED", ("status", "check")), "to check": ("FIXED", ("status", "check")),
    "archived": ("FIXED", ("status", "archived")),
    "unrated": ("FIXED", ("rating", "")), "no rating": ("FIXED", ("rating", "")),
    "without rating": ("FIXED", ("rating", "")), "not rated": ("FIXED", ("rating", "")),
    "a-rated": ("FIXED", ("rating", "a")), "b-rated": ("FIXED", ("rating", "b")),
    "c-rated": ("FIXED", ("rating", "c")),
    **{name: ("FIXED", ("rfm", name)) for name in _RFM},
    "or better": ("ORDER_MOD", "better"), "or higher": ("ORDER_MOD", "better"),
    "or above": ("ORDER_MOD", "better"), "or worse": ("ORDER_MOD", "worse"),
    "or lower": ("ORDER_MOD", "worse"), "or below": ("ORDER_MOD", "worse"),
    "stars": ("STARS", None), "star": ("STARS", None),
    # places
    "in": ("IN", None), "during": ("IN", None), "within": ("IN", None),
    "from": ("FROM", None), "based in": ("IN", None), "located in": ("IN", None),
    # purchases and spend
    "bought": ("BOUGHT", None), "buyers of": ("BOUGHT", "of"), "buyer of": ("BOUGHT", "of"),
    "who bought": ("BOUGHT", None), "purchased": ("BOUGHT", None), "buying": ("BOUGHT", None),
    "buyers": ("BOUGHT", None), "buyer": ("BOUGHT", None), "bought from": ("BOUGHT", "of"),
    "purchasers of": ("BOUGHT", "of"), "buy": ("BOUGHT", None), "buys": ("BOUGHT", None),
    "spent": ("SPEND", None), "spend": ("SPEND", None), "spending": ("SPEND", None),
    "revenue": ("SPEND", None), "net spend": ("SPEND", None), "sales": ("SPEND", None),
    "orders": ("ORDERS", None), "order": ("ORDERS", None), "purchases": ("ORDERS", None),
    "purchase": ("ORDERS", None),
    "no purchases": ("NO_PURCHASES", None), "no orders": ("NO_PURCHASES", None),
    "nothing bought": ("NO_PURCHASES", None), "not bought": ("NO_PURCHASES", None),
    "inactive": ("INACTIVE", None), "inactive for": ("INACTIVE", None),
    "lapsed": ("INACTIVE", None), "lapsed for": ("INACTIVE", None),
    "dormant": ("INACTIVE", None), "dormant for": ("INACTIVE", None),
    "last purchase": ("LAST_PURCHASE", None), "last order": ("LAST_PURCHASE", None),
    "last bought": ("LAST_PURCHASE", None), "last purchased": ("LAST_PURCHASE", None),
    "new": ("CREATED", None), "created": ("CREATED", None), "added": ("CREATED", None),
    # comparisons
    "over": ("GT", None), "more than": ("GT", None), "above": ("GT", None), ">": ("GT", None),
    "greater than": ("GT", None), "at least": ("GE", None), ">=": ("GE", None),
    "min": ("GE", None), "no less than": ("GE", None), "under": ("LT", None),
    "less than": ("LT", None), "below": ("LT", None), "<": ("LT", None), "fewer than": ("LT", None),
    "at most": ("LE", None), "<=": ("LE", None), "up to": ("LE", None), "max": ("LE", None),
    "no more than": ("LE", None), "=": ("EQ", None), "is": ("EQ", None), "equals": ("EQ", None),
    "between": ("BETWEEN", None), "and": ("AND", None), "or": ("OR", None), "not": ("NOT", None),
    "non": ("NOT", None), "except": ("NOT", None), "excluding": ("NOT", None),
    "thousand": ("MULT", 1_000), "thousands": ("MULT", 1_000), "million": ("MULT", 1_000_000),
    "millions": ("MULT", 1_000_000), "mln": ("MULT", 1_000_000),
    # interactions
    "complaints": ("INTERACTION", "complaint"), "complaint": ("INTERACTION", "complaint"),
    "complained": ("INTERACTION", "complaint"), "calls": ("INTERACTION", "call"),
    "called": ("INTERACTION", "call"), "meetings": ("INTERACTION", "meeting"),
    "met": ("INTERACTION", "meeting"), "visits": ("INTERACTION", "visit"),
    "visited": ("INTERACTION", "visit"), "emailed": ("INTERACTION", "email"),
    "contacted": ("INTERACTION", None), "interactions": ("INTERACTION", None),
    "not contacted": ("NOT_CONTACTED", None), "no contact": ("NOT_CONTACTED", None),
    "no contacts": ("NOT_CONTACTED", None), "without contact": ("NOT_CONTACTED", None),
    "uncontacted": ("NOT_CONTACTED", None),
    # output forms
    "count": ("COUNT", None), "how many": ("COUNT", None), "number of": ("COUNT", None),
    "list": ("LIST", None), "show": ("LIST", None), "show me": ("LIST", None),
    "display": ("LIST", None), "find": ("LIST", None),
    "'s": ("POSS", None), "top": ("TOP", None), "card": ("CARD", None), "card of": ("CARD", None), "by": ("BY", None),
    # periods
    "today": ("DAYREF", 0), "yesterday": ("DAYREF", -1),
    "this": ("THIS", None), "current": ("THIS", None),
    "last": ("LAST", None), "past": ("LAST", None), "previous": ("LAST", None),
    "day": ("UNIT", "day"), "days": ("UNIT", "day"), "week": ("UNIT", "week"),
    "weeks": ("UNIT", "week"), "month": ("UNIT", "month"), "months": ("UNIT", "month"),
    "quarter": ("UNIT", "quarter"), "quarters": ("UNIT", "quarter"),
    "year": ("UNIT", "year"), "years": ("UNIT", "year"),
    "ytd": ("YTD", None), "year to date": ("YTD", None),
    **{m: ("MONTHNAME", i + 1) for i, m in enumerate(_MONTHS)},
    **{m[:3]: ("MONTHNAME", i + 1) for i, m in enumerate(_MONTHS) if m != "may"},
    "sept": ("MONTHNAME", 9),
    **{f"q{i}": ("QUARTERNAME", i) for i in range(1, 5)},
    "since": ("SINCE", None), "before": ("BEFORE", None), "after": ("AFTER", None),
    "to": ("TO", None), "till": ("TO", None), "until": ("TO", None),
}

FILLERS = ["customers", "customer's", "clients", "client", "companies", "accounts",
           "who", "whose", "that", "which", "with", "have", "has", "had", "having", "the",
           "all", "me", "of", "for", "on", "an", "are", "were", "did", "do", "any", "please",
           "rub", "rubles", "usd", "eur", "dollars", "euros", "gbp", "pounds", "₽", "$", "€", "£"]

# The keyword that names each field: for choices ("city Moscow") and the echo ("city = Moscow").
FIELD_WORDS = {"city": "city", "region": "region", "country": "country", "industry": "industry",
               "manager": "manager", "product": "product", "category": "category", "tag": "tag",
               "segment": "segment", "status": "status", "rating": "rating", "abc": "abc",
               "xyz": "xyz", "rfm": "rfm", "customer": "card", "property": "",
               "spend": "spend", "orders": "orders", "last_purchase": "last purchase",
               "count": "count"}

ECHO = {
    "customers": "customers", "and": "and", "or": "or", "not": "not",
    "bought": "bought {what}", "anything": "anything", "for": "for {cmp}",
    "spend": "spend {cmp}", "orders": "orders {cmp}", "in": "in {period}",
    "lapsed": "bought before {start} but not in {period}",
    "last_purchase": "last purchase in {period}", "created": "created in {period}",
    "unrated": "unrated", "has_tag": "tag = {tag}", "interaction": "{kind} in {period}",
    "interaction_any": "{kind}", "contacted": "contacted", "segment": "in segment {name}",
    "gt": "over {v}", "ge": "at least {v}", "lt": "under {v}", "le": "at most {v}",
    "eq": "= {v}", "between": "between {v} and {w}", "top": "top {n} by {by}",
    "list": "list", "count": "count", "group": "{measure} by {by}", "card": "card {name}",
    "all": "all customers", "customer": "customer = {name}", "archived_too": "",
}
