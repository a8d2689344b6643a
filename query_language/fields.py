"""Fields and operators as data, one row each: key, how it compiles, how it reads back.

Adding a customer field, a grouping key or a comparison operator is one row; the compiler and
the echo both read these tables (datasette's TemplatedFilter idea).

Example::

    OPERATORS[">"].apply(customers.c.rating, "B")   # a SQLAlchemy comparison
    OPERATORS[">"].words["en"].format(v="40 000")   # 'over 40 000'
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage import schema as s

__all__ = ["Field", "Operator", "FIELDS", "GROUP_KEYS", "OPERATORS", "holds"]


@dataclass(frozen=True)
class Field:
    key: str
    column: Any  # a column of customers (or of the joined manager / latest classes)
    words: dict[str, str]  # language → how the echo names it


@dataclass(frozen=True)
class Operator:
    key: str
    apply: Callable[[Any, Any], Any]  # works on SQLAlchemy columns and on Python values
    words: dict[str, str]  # language → template with {v} (and {w} for between)


def _between(x: Any, bounds: Any) -> Any:
    low, high = bounds
    if hasattr(x, "between"):
        return x.between(low, high)
    return low <= x <= high


c = s.customers.c
FIELDS: dict[str, Field] = {
    f.key: f
    for f in [
        Field("city", c.city, {"en": "city", "ru": "город"}),
        Field("region", c.region, {"en": "region", "ru": "регион"}),
        Field("country", c.country, {"en": "country", "ru": "страна"}),
        Field("industry", c.industry, {"en": "industry", "ru": "отрасль"}),
        Field("manager", c.manager_id, {"en": "manager", "ru": "менеджер"}),
        Field("rating", c.rating, {"en": "rating", "ru": "рейтинг"}),
        Field("status", c.status, {"en": "status", "ru": "статус"}),
        Field("tier", c.tier, {"en": "tier", "ru": "уровень"}),
    ]
}

# Grouping keys: customers' own columns, the manager's name, the latest ABC/XYZ/RFM class.
GROUP_KEYS: dict[str, str] = {
    "city": "customers",
    "region": "customers",
    "country": "customers",
    "industry": "customers",
    "rating": "customers",
    "status": "customers",
    "manager": "managers",
    "abc": "classes",
    "xyz": "classes",
    "rfm": "classes",
    "tier": "customers",
}

OPERATORS: dict[str, Operator] = {
    o.key: o
    for o in [
        Operator(">", operator.gt, {"en": "over {v}", "ru": "более {v}"}),
        Operator(">=", operator.ge, {"en": "at least {v}", "ru": "не менее {v}"}),
        Operator("<", operator.lt, {"en": "under {v}", "ru": "менее {v}"}),
        Operator("<=", operator.le, {"en": "at most {v}", "ru": "не более {v}"}),
        Operator("=", operator.eq, {"en": "= {v}", "ru": "= {v}"}),
        Operator("between", _between, {"en": "between {v} and {w}", "ru": "от {v} до {w}"}),
    ]
}


def holds(op: str, x: Any, value: Any, high: Any = None) -> bool:
    """Whether the Python value ``x`` satisfies the comparison (e.g. does 0 pass 'under 5k')."""
    if op == "between":
        return bool(value <= x <= high)
    return bool(OPERATORS[op].apply(x, value))
