"""The query as typed (``ValueWords``, ``Comparison``, ``PeriodWords``, ``Keyword``) and as
understood (``FieldIs``, ``Bought``, ``SpendCmp``, ``HasTag``, ``Period`` …), as frozen dataclasses.

Every node carries the source ``span`` (start, end) of the words it came from; spans are left
out of equality so that tests can build nodes directly. Nothing here knows SQL.

Example::

    And((FieldIs("city", ("Moscow",), "Moscow"), Bought(Scope(products=(1,), label="Super Drill"))))
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime

from storage.scope import CustomerScope

__all__ = [
    "Span",
    "Node",
    "ValueWords",
    "Comparison",
    "PeriodWords",
    "Keyword",
    "And",
    "Or",
    "Not",
    "Parenthesized",
    "Everyone",
    "Period",
    "Cmp",
    "Scope",
    "FieldIs",
    "AnyOf",
    "CustomerIs",
    "Bought",
    "SpendCmp",
    "OrderCountCmp",
    "Lapsed",
    "LastPurchase",
    "FirstPurchase",
    "Returning",
    "Created",
    "RatingIn",
    "HasTag",
    "StatusIs",
    "PropertyCmp",
    "Interacted",
    "ClassIs",
    "InSegment",
    "Output",
    "Count",
    "List",
    "Top",
    "Group",
    "LINE_DIMENSIONS",
    "Card",
    "Query",
    "Versus",
    "ChangeWords",
    "Change",
    "Compare",
    "FollowUpIs",
]

Span = tuple[int, int]


@dataclass(frozen=True)
class Node:
    span: Span = field(default=(0, 0), kw_only=True, compare=False, repr=False)


# --- as typed (parser output) --------------------------------------------------------------


@dataclass(frozen=True)
class ValueWords(Node):
    """A value: catalog words, quoted text, unknown words, or a keyword's fixed reading."""

    text: str
    field: str | None = None  # the keyword that settles its kind (city, tag, manager, …)
    source: str = "words"  # catalog | quoted | words | fixed
    fixed: tuple[str, str] | None = None  # (field, value) for keyword values: active, at risk
    modifier: str | None = None  # "better" / "worse" after a rating
    alts: tuple[ValueWords, ...] = ()  # "Moscow or Kazan": any of these values (one kind)


@dataclass(frozen=True)
class Comparison(Node):
    """``over 40k``, ``at least 3 orders``, ``= yes``; measure: auto | spend | orders."""

    op: str
    value: float | date | ValueWords
    high: float | date | None = None
    measure: str = "auto"


@dataclass(frozen=True)
class PeriodWords(Node):
    """A period as typed: form (this, last, last_n, span, year, month, …) and its numbers."""

    form: str
    unit: str | None = None
    n: int | None = None
    first: date | None = None
    second: date | None = None


@dataclass(frozen=True)
class Keyword(Node):
    """A keyword item: bought, lapsed, last_purchase, created, interaction, not_contacted,
    count, list, top, card, by, spend, stars."""

    kind: str
    value: ValueWords | None = None
    n: int | None = None
    payload: str | None = None


@dataclass(frozen=True)
class And(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    item: Node


@dataclass(frozen=True)
class Parenthesized(Node):
    """One item in parentheses, e.g. ``(buyers of Super Drill)``: a following amount or order
    count does not qualify it. The resolver removes it."""

    item: Node


# --- as understood (resolver output, compiler input) ---------------------------------------


@dataclass(frozen=True)
class Everyone(Node):
    """No condition: every customer."""


@dataclass(frozen=True)
class Period(Node):
    """Both ends inclusive; None = open on that side."""

    start: date | None
    end: date | None


@dataclass(frozen=True)
class Cmp(Node):
    """op in >, >=, <, <=, =, between (value..high inclusive)."""

    op: str
    value: float | date | str | bool
    high: float | date | None = None


@dataclass(frozen=True)
class Scope(Node):
    """Which order lines count: some products, a category, or everything (both empty).

    ``in_categories`` are the ids of the categories' products as the catalog knew them, when
    few enough to list: compiled as a list, they let the planner use each product's own
    statistics (a popular product's lines are many). Not part of the meaning: equality ignores it.
    """

    products: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    label: str = ""
    in_categories: tuple[int, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class FieldIs(Node):
    field: str  # a key of compile.FIELDS: city, region, country, industry, manager
    values: tuple[str | int, ...]
    label: str
    labels: tuple[str, ...] = dataclasses.field(default=(), compare=False)  # as named


@dataclass(frozen=True)
class AnyOf(Node):
    """``vip or partner``, ``active or check``: values of one kind, any of them (``field`` names
    the kind in the echo)."""

    items: tuple[Node, ...]
    field: str


@dataclass(frozen=True)
class CustomerIs(Node):
    ids: tuple[int, ...]
    label: str


@dataclass(frozen=True)
class Bought(Node):
    """A purchase line in scope and period; optionally net spend / order count on that scope."""

    scope: Scope = Scope()
    period: Period | None = None
    spend: Cmp | None = None
    orders: Cmp | None = None


@dataclass(frozen=True)
class SpendCmp(Node):
    cmp: Cmp
    scope: Scope = Scope()
    period: Period | None = None


@dataclass(frozen=True)
class OrderCountCmp(Node):
    cmp: Cmp
    scope: Scope = Scope()
    period: Period | None = None


@dataclass(frozen=True)
class Lapsed(Node):
    """Bought before ``period.start`` and nothing within ``period``."""

    period: Period


@dataclass(frozen=True)
class FirstPurchase(Node):
    """Their first purchase ever is in ``period`` (bought in it, never before it)."""

    period: Period


@dataclass(frozen=True)
class Returning(Node):
    """Bought in ``period`` and also before it."""

    period: Period


@dataclass(frozen=True)
class LastPurchase(Node):
    period: Period


@dataclass(frozen=True)
class Created(Node):
    period: Period


@dataclass(frozen=True)
class RatingIn(Node):
    ratings: tuple[str, ...]  # "" = unrated


@dataclass(frozen=True)
class HasTag(Node):
    tag_id: int
    name: str


@dataclass(frozen=True)
class StatusIs(Node):
    status: str


@dataclass(frozen=True)
class PropertyCmp(Node):
    property_id: int
    name: str
    type: str  # number | date | yesno | text
    cmp: Cmp


@dataclass(frozen=True)
class Interacted(Node):
    kind: str | None
    period: Period | None = None


@dataclass(frozen=True)
class ClassIs(Node):
    kind: str  # abc | xyz | rfm
    value: str


@dataclass(frozen=True)
class InSegment(Node):
    segment_id: int
    name: str
    dynamic: Node | None = None  # the resolved stored query of a dynamic segment


@dataclass(frozen=True)
class FollowUpIs(Node):
    """An open follow-up (``storage.follow_ups``) exists: ``open`` any, ``overdue`` one due
    before ``before`` (the start of the query's day)."""

    state: str  # open | overdue
    before: datetime | None = None


# --- output forms --------------------------------------------------------------------------


@dataclass(frozen=True)
class Output(Node):
    pass


@dataclass(frozen=True)
class Count(Output):
    pass


@dataclass(frozen=True)
class List(Output):
    """The list, paged; ``sorted by …`` orders it by a measure (largest or latest first)."""

    by: str = "name"  # name | spend | orders | last_purchase
    ascending: bool = True


@dataclass(frozen=True)
class Top(Output):
    """The first ``n`` by a measure: ``top``/``biggest`` (descending), ``bottom`` (ascending),
    ``first N`` (by name)."""

    n: int = 10
    by: str = "spend"  # spend | orders | last_purchase | name
    ascending: bool = False


@dataclass(frozen=True)
class Group(Output):
    """One row per group. ``by`` is a customer field (a key of fields.GROUP_KEYS, or
    ``property`` with ``property_id``: rows count customers and their spend) or a dimension of
    the order lines (``product``, ``category``, ``month``, ``week``, ``quarter``, ``year``: rows
    sum the matching customers' lines in the query's period). ``n`` keeps the first N by the
    measure (``top 10 products by spend``)."""

    by: str = "city"
    measure: str = "count"  # count | spend | orders
    n: int | None = None
    ascending: bool = False
    property_id: int | None = None
    label: str = ""  # the property's name


LINE_DIMENSIONS = ("product", "category", "month", "week", "quarter", "year")
GOODS_DIMENSIONS = ("product", "category")  # the line dimensions that are not calendar buckets
LINE_MEASURES = ("aov", "avg_spend", "share")  # measures by a line dimension (not medians yet)


@dataclass(frozen=True)
class Card(Output):
    ids: tuple[int, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class Query:
    """A query understood: what to match (``where``), what to answer (``output``), and the period
    that spend / orders / last purchase are measured in (None = all time)."""

    text: str
    language: str
    today: date
    where: Node
    output: Output
    period: Period | None = None
    include_archived: bool = False
    # whose customers the reader may see (storage.scope.CustomerScope); None: everyone's.
    # ``interpret(..., scope=…)`` sets it and every compiled form of the query applies it.
    scope: CustomerScope | None = field(default=None, compare=False)


# --- period over period (query_language/versus.py) -------------------------------------------


@dataclass(frozen=True)
class Versus(Node):
    """``vs last quarter`` (``period``), ``vs same period last year`` (``same``), ``против
    прошлого`` (neither: the first period's unit, the previous one)."""

    period: PeriodWords | None = None
    same: bool = False


@dataclass(frozen=True)
class ChangeWords(Node):
    """``spend dropped by 30%``, ``orders grew``: direction grew | dropped, pct or None."""

    measure: str = "spend"  # spend | orders
    direction: str = "dropped"
    pct: float | None = None
    strict: bool = False  # "by more than 30%"


@dataclass(frozen=True)
class Change(Node):
    """Customers whose measure in ``first`` is at most (100 − pct)% of ``second`` (dropped) or
    at least (100 + pct)% (grew); without pct below / above 100%; among those with a positive
    measure in ``second``."""

    measure: str
    direction: str
    pct: float | None
    first: Period
    second: Period
    strict: bool = False  # "by more than 30%": below (above) rather than at most (at least)


@dataclass(frozen=True)
class Compare(Output):
    """Per group (a key of fields.GROUP_KEYS, ``property`` or ``all``), the measure (spend,
    orders, customers = buying customers, aov) in ``first`` and in ``second``, the change and
    the change in per cent."""

    by: str = "all"
    measure: str = "spend"
    first: Period = Period(None, None)
    second: Period = Period(None, None)
    property_id: int | None = None
    label: str = ""
