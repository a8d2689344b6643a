"""The demo's sales and contacts: orders, order lines and interactions, vectorised by chunk.

Orders are shared out over customers in proportion to their size and how long they have been
customers (an exact total, via one multinomial draw); each chunk of customers then gets its
orders' dates (seasonal), lines (industry-flavoured products, size-scaled quantities, ~4 %
returns) and interactions. Example::

    counts = allocate_orders(pop, 8000, seed=7)
    orders, lines = order_rows(pop, 0, 2000, counts, window=w, seed=7, ...)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import numpy as np

from storage.demo_catalog import AFFINITY, INTERACTION_KINDS
from storage.demo_population import INDUSTRY_KEYS, Population, Window, rng_for
from storage.demo_products import PRODUCTS
from storage.demo_words import TEXT

__all__ = [
    "SalesIds",
    "allocate_orders",
    "customer_discount",
    "order_rows",
    "interaction_rows",
    "order_no",
    "RETURN_SHARE",
]

RETURN_SHARE = 0.04
_PRICE = np.array([p.price for p in PRODUCTS])
_QTY = np.array([p.quantity for p in PRODUCTS])
_KINDS = list(INTERACTION_KINDS)


def order_no(seq: int) -> str:
    """The order number of the ``seq``-th generated order (1-based), e.g. ``SO-00000042``."""
    return f"SO-{seq:08d}"


def _product_probabilities() -> np.ndarray:
    """One row per industry: the chance that a line is each product."""
    rows = []
    for industry in INDUSTRY_KEYS:
        boost = AFFINITY.get(industry, {})
        w = np.array([p.popularity * boost.get(p.category, 1.0) for p in PRODUCTS])
        rows.append(w / w.sum())
    return np.array(rows)


_PROBS = _product_probabilities()


def customer_discount(size: np.ndarray | float) -> np.ndarray:
    """The discount a customer of that size gets: none for the smallest, at most 12 %."""
    return np.minimum(0.12, 0.025 * np.log(np.asarray(size, dtype=np.float64)))


def allocate_orders(pop: Population, total: int, *, seed: int) -> np.ndarray:
    """How many orders each customer places; the counts sum to exactly ``total``."""
    if total <= 0:
        return np.zeros(pop.n, dtype=np.int64)
    span = np.maximum(pop.last - pop.first + 1, 0).astype(np.float64)
    weight = pop.size * span * ~pop.prospect * np.where(pop.status == 2, 0.3, 1.0)
    if weight.sum() <= 0:
        weight = np.ones(pop.n)
    return rng_for(seed, 2).multinomial(total, weight / weight.sum())


@dataclass(frozen=True)
class SalesIds:
    customer_base: int  # customer i has id customer_base + i + 1
    order_base: int  # the k-th order of the whole generation (0-based) has id order_base + k + 1
    line_base: int
    product_ids: list[int]  # by index in PRODUCTS
    manager_ids: list[int]  # by index in MANAGERS


def order_rows(
    pop: Population,
    lo: int,
    hi: int,
    counts: np.ndarray,
    *,
    window: Window,
    seed: int,
    first_order: int,
    first_line: int,
    ids: SalesIds,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Orders (id, order_no, customer_id, date) and lines (id, order_id, line_no, product_id,
    quantity, amount) of customers ``lo..hi-1``; ``first_order``/``first_line`` are the 0-based
    sequence numbers of the chunk's first order and line."""
    rng = rng_for(seed, 3, lo)
    cust = np.repeat(np.arange(lo, hi), counts[lo:hi])
    n = len(cust)
    if n == 0:
        return [], []
    cdf = window.cdf
    first, last = pop.first[cust], pop.last[cust]
    low = np.where(first > 0, cdf[np.maximum(first - 1, 0)], 0.0)
    u = low + (cdf[last] - low) * rng.random(n)
    day = np.clip(np.searchsorted(cdf, u, side="left"), first, last)
    dates = [window.day(d) for d in range(window.days)]
    order_seq = first_order + np.arange(n)
    order_id = ids.order_base + order_seq + 1
    orders = [
        (int(oid), order_no(int(seq) + 1), ids.customer_base + int(c) + 1, dates[int(d)])
        for oid, seq, c, d in zip(order_id, order_seq, cust, day, strict=True)
    ]
    k = 1 + rng.binomial(4, 0.5, n)  # 1..5 lines, three on average
    m = int(k.sum())
    line_order = np.repeat(np.arange(n), k)
    line_no = np.arange(m) - np.repeat(np.cumsum(k) - k, k) + 1
    line_cust = cust[line_order]
    industry = pop.industry[line_cust]
    product = np.empty(m, dtype=np.int64)
    for ind in np.unique(industry):
        mask = industry == ind
        product[mask] = rng.choice(len(PRODUCTS), int(mask.sum()), p=_PROBS[ind])
    size = pop.size[line_cust].astype(np.float64)
    qty = np.maximum(1, np.round(_QTY[product] * np.sqrt(size) * rng.lognormal(0, 0.45, m)))
    returned = rng.random(m) < RETURN_SHARE
    qty = np.where(returned, -np.maximum(1, np.round(qty / 3)), qty)
    discount = customer_discount(size)
    amount = np.round(qty * _PRICE[product] * (1 - discount), 2)
    line_id = ids.line_base + first_line + np.arange(m) + 1
    pids = np.array(ids.product_ids)[product]
    lines = list(
        zip(
            line_id.tolist(),
            order_id[line_order].tolist(),
            line_no.tolist(),
            pids.tolist(),
            qty.tolist(),
            amount.tolist(),
            strict=True,
        )
    )
    return orders, lines


def interaction_rows(
    pop: Population, lo: int, hi: int, *, window: Window, seed: int, lang: str, ids: SalesIds
) -> list[tuple[Any, ...]]:
    """Interactions (customer_id, date, kind, manager_id, note) of customers ``lo..hi-1``."""
    rng = rng_for(seed, 4, lo)
    notes = TEXT[lang]["notes"]
    rate = (1.0 + 0.6 * np.log1p(pop.size[lo:hi])) * np.where(pop.prospect[lo:hi], 0.5, 1.0)
    counts = rng.poisson(rate)
    cust = np.repeat(np.arange(lo, hi), counts)
    n = len(cust)
    first = pop.first[cust]
    day = first + (rng.random(n) * (window.days - first)).astype(np.int64)
    minute = rng.integers(9 * 60, 18 * 60, n)
    kind_w = np.array(list(INTERACTION_KINDS.values()))
    kind = rng.choice(len(_KINDS), n, p=kind_w / kind_w.sum())
    pick = rng.integers(0, 1000, n)
    rows, seen = [], set()
    for c, d, mi, ki, p in zip(
        cust.tolist(), day.tolist(), minute.tolist(), kind.tolist(), pick.tolist(), strict=True
    ):
        kind_key = _KINDS[ki]
        note = notes[kind_key][p % len(notes[kind_key])]
        at = datetime.combine(window.day(d), time(mi // 60, mi % 60))
        key = (c, at, kind_key, note)
        if key in seen:  # (customer, date, kind, note) is unique
            continue
        seen.add(key)
        rows.append(
            (ids.customer_base + c + 1, at, kind_key, ids.manager_ids[pop.manager[c]], note)
        )
    return rows
