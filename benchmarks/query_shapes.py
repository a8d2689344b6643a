"""The questions the SQL benchmark asks, each with the best hand-written SQL for it: the spec's
worked examples and the ten most common query shapes, on the synthetic database of
``query_language_data`` (today 2026-11-22; product 1 is Super Drill, products 1–2 are the
category power tools, manager 1 Ivanov, 2 Petrov, tag 1 vip, segment 1 bits-offer, property 1
employees).

``kind`` says how custbot's answer and the hand-written one are compared:

- ``ids``: the set of matching customers (custbot's ``matching_ids`` vs the hand-written ids);
- ``top``: the first page in order and the count of all matches (``run_query``);
- ``group``: one row per group with its count and net spend (``run_query``).

Example::

    for case in WORKED + COMMON:
        print(case.query, case.kind)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Case", "WORKED", "COMMON"]

_LINES = "orders o JOIN order_lines l ON l.order_id = o.id"
_LIVE = "c.status <> 'archived'"


@dataclass(frozen=True)
class Case:
    query: str
    kind: str  # ids | top | group
    sql: str
    count_sql: str = ""  # top: the count of all matches


def _top(by_agg: str, where_lines: str, where_customers: str, n: int) -> tuple[str, str]:
    """A top-N by a per-customer aggregate over lines, among customers who bought in the period."""
    sub = (
        f"SELECT o.customer_id, {by_agg} AS v FROM {_LINES} WHERE {where_lines} "
        f"GROUP BY o.customer_id HAVING MAX(l.quantity) > 0"
    )
    page = (
        f"SELECT c.id FROM customers c JOIN ({sub}) x ON x.customer_id = c.id "
        f"WHERE {where_customers} AND {_LIVE} ORDER BY x.v DESC, c.name, c.id LIMIT {n}"
    )
    count = (
        f"SELECT count(*) FROM customers c WHERE {where_customers} AND {_LIVE} AND EXISTS "
        f"(SELECT 1 FROM {_LINES} WHERE o.customer_id = c.id AND l.quantity > 0 AND {where_lines})"
    )
    return page, count


_THIS_YEAR = "o.date BETWEEN '2026-01-01' AND '2026-11-22'"
_LAST_MONTH = "o.date BETWEEN '2026-10-01' AND '2026-10-31'"
_KAZAN_TOP = _top("SUM(l.amount)", _THIS_YEAR, "c.city = 'Kazan'", 10)
_ORDERS_TOP = _top(
    "COUNT(DISTINCT CASE WHEN l.quantity > 0 THEN o.id END)", _LAST_MONTH, "1 = 1", 10
)

WORKED = [
    Case(
        "Moscow buyers of Super Drill over 40k last quarter, manager Ivanov",
        "ids",
        f"""
        SELECT c.id FROM customers c JOIN (SELECT o.customer_id FROM {_LINES}
        WHERE l.product_id = 1 AND o.date BETWEEN '2026-07-01' AND '2026-09-30'
        GROUP BY o.customer_id HAVING SUM(l.amount) > 40000 AND MAX(l.quantity) > 0) x
        ON x.customer_id = c.id WHERE c.city = 'Moscow' AND c.manager_id = 1 AND {_LIVE}""",
    ),
    Case(
        "buyers of Super Drill last month not in segment bits-offer",
        "ids",
        f"""
        SELECT c.id FROM customers c WHERE {_LIVE} AND EXISTS (SELECT 1 FROM {_LINES}
        WHERE o.customer_id = c.id AND l.product_id = 1 AND l.quantity > 0 AND {_LAST_MONTH})
        AND c.id NOT IN (SELECT customer_id FROM segment_members WHERE segment_id = 1)""",
    ),
    Case(
        "manufacturing buyers of Super Drill with complaints last month",
        "ids",
        f"""
        SELECT c.id FROM customers c WHERE c.industry = 'manufacturing' AND {_LIVE}
        AND EXISTS (SELECT 1 FROM {_LINES} WHERE o.customer_id = c.id AND l.product_id = 1 AND l.quantity > 0)
        AND EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = c.id AND i.kind = 'complaint'
        AND i.date >= '2026-10-01' AND i.date < '2026-11-01')""",
    ),
    Case("top 10 Kazan customers by spend this year", "top", *_KAZAN_TOP),
    Case(
        "rating B or worse spent over 1m last 12 months",
        "ids",
        f"""
        SELECT c.id FROM customers c JOIN (SELECT o.customer_id FROM {_LINES}
        WHERE o.date BETWEEN '2025-11-23' AND '2026-11-22' GROUP BY o.customer_id
        HAVING SUM(l.amount) > 1000000) x ON x.customer_id = c.id
        WHERE c.rating IN ('B', 'C') AND {_LIVE}""",
    ),
    Case(
        "vip no purchases in last 90 days",
        "ids",
        f"""
        SELECT c.id FROM customers c JOIN customer_tags t ON t.customer_id = c.id AND t.tag_id = 1
        WHERE {_LIVE}
        AND EXISTS (SELECT 1 FROM {_LINES} WHERE o.customer_id = c.id AND l.quantity > 0 AND o.date < '2026-08-25')
        AND NOT EXISTS (SELECT 1 FROM {_LINES} WHERE o.customer_id = c.id AND l.quantity > 0
        AND o.date >= '2026-08-25')""",
    ),
]

_VIP = "EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag_id = 1)"

COMMON = [
    Case("Moscow", "ids", f"SELECT c.id FROM customers c WHERE c.city = 'Moscow' AND {_LIVE}"),
    Case(
        "region Volga rating B or better",
        "ids",
        f"SELECT c.id FROM customers c WHERE c.region = 'Volga' AND c.rating IN ('A', 'B') AND {_LIVE}",
    ),
    Case(
        "manager Petrov vip",
        "ids",
        f"SELECT c.id FROM customers c WHERE c.manager_id = 2 AND {_VIP} AND {_LIVE}",
    ),
    Case(
        "(Moscow or Kazan) vip",
        "ids",
        f"SELECT c.id FROM customers c WHERE c.city IN ('Moscow', 'Kazan') AND {_VIP} AND {_LIVE}",
    ),
    Case(
        "buyers of power tools this year",
        "ids",
        f"""
        SELECT c.id FROM customers c WHERE {_LIVE} AND EXISTS (SELECT 1 FROM {_LINES}
        WHERE o.customer_id = c.id AND l.product_id IN (1, 2) AND l.quantity > 0 AND {_THIS_YEAR})""",
    ),
    Case(
        "spent over 40 000 in Q3 2026",
        "ids",
        f"""
        SELECT c.id FROM customers c JOIN (SELECT o.customer_id FROM {_LINES}
        WHERE o.date BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY o.customer_id
        HAVING SUM(l.amount) > 40000) x ON x.customer_id = c.id WHERE {_LIVE}""",
    ),
    Case(
        "at least 3 orders since 2026-03-01",
        "ids",
        f"""
        SELECT c.id FROM customers c JOIN (SELECT o.customer_id FROM {_LINES}
        WHERE l.quantity > 0 AND o.date BETWEEN '2026-03-01' AND '2026-11-22' GROUP BY o.customer_id
        HAVING COUNT(DISTINCT o.id) >= 3) x ON x.customer_id = c.id WHERE {_LIVE}""",
    ),
    Case(
        "employees over 100 contacted in last 2 weeks",
        "ids",
        f"""
        SELECT c.id FROM customers c JOIN customer_properties p ON p.customer_id = c.id
        AND p.property_id = 1 AND p.number_value > 100 WHERE {_LIVE}
        AND EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = c.id
        AND i.date >= '2026-11-09' AND i.date < '2026-11-23')""",
    ),
    Case("top 10 customers by orders last month", "top", *_ORDERS_TOP),
    Case(
        "spend by city this year",
        "group",
        f"""
        SELECT c.city, count(*), COALESCE(SUM(x.spend), 0) FROM customers c JOIN (
        SELECT o.customer_id, SUM(l.amount) AS spend FROM {_LINES} WHERE {_THIS_YEAR}
        GROUP BY o.customer_id HAVING MAX(l.quantity) > 0) x ON x.customer_id = c.id
        WHERE {_LIVE} GROUP BY c.city""",
    ),
]
