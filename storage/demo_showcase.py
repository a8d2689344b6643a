"""Showcase customers: a few dozen customers whose history makes the documented examples answer.

Random data alone might leave `Moscow buyers of Super Drill over 40k last quarter, manager
Ivanov` empty on a small base, so a handful of customers (chosen at random, otherwise ordinary)
get the attributes and the orders or complaints each example needs, relative to *today*. The
planted orders are part of the requested order count. Example::

    show = plant(pop, window, seed=7)      # adjusts pop in place
    orders, lines, contacts = showcase_rows(show, pop, window, lang="en", ...)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from storage.demo_catalog import CITIES, MANAGERS
from storage.demo_population import CITY_KEYS, INDUSTRY_KEYS, Population, Window, rng_for
from storage.demo_products import PRODUCTS, SUPER_DRILL, SUPER_DRILL_PRO
from storage.demo_sales import SalesIds, customer_discount, order_no
from storage.demo_words import TEXT

__all__ = ["SCENARIOS", "SHOWCASE_CUSTOMERS", "Showcase", "plant", "showcase_rows", "periods"]

# scenario -> how many customers; each is documented in docs/demo.md.
SCENARIOS = {
    "moscow_drill": 6,
    "drill_complaint": 5,
    "lapsed_vip": 8,
    "kazan_year": 12,
    "big_b": 3,
    "romashka": 1,
}
SHOWCASE_CUSTOMERS = sum(SCENARIOS.values())
_SKU = {p.sku: i for i, p in enumerate(PRODUCTS)}
_MANAGER = {m.key: i for i, m in enumerate(MANAGERS)}


def periods(today: date) -> dict[str, tuple[date, date]]:
    """The calendar periods the examples use: last quarter, last month, this year."""
    q_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    lq_end = date.fromordinal(q_start.toordinal() - 1)
    lq_start = date(lq_end.year, 3 * ((lq_end.month - 1) // 3) + 1, 1)
    lm_end = date.fromordinal(today.replace(day=1).toordinal() - 1)
    return {
        "last_quarter": (lq_start, lq_end),
        "last_month": (lm_end.replace(day=1), lm_end),
        "this_year": (date(today.year, 1, 1), today),
    }


@dataclass
class Showcase:
    orders: list[tuple[int, int, list[tuple[str, float]]]] = field(
        default_factory=list
    )  # (customer, day, [(sku, qty)])
    complaints: list[tuple[int, int]] = field(default_factory=list)  # (customer, day)
    customers: dict[str, list[int]] = field(default_factory=dict)  # scenario -> customer indexes


def plant(pop: Population, window: Window, *, seed: int) -> Showcase:
    """Pick the showcase customers, give them their attributes (in ``pop``) and their orders."""
    rng = rng_for(seed, 7)
    chosen = rng.choice(pop.n, SHOWCASE_CUSTOMERS, replace=False).tolist()
    show = Showcase()
    w0 = window.start.toordinal()
    span = {
        k: (max(0, window.offset(a)), window.offset(b)) for k, (a, b) in periods(pop.today).items()
    }
    last_day = window.days - 1

    def day_in(key: str) -> int:
        lo, hi = span[key]
        return int(rng.integers(lo, hi + 1))

    for scenario, count in SCENARIOS.items():
        picked, chosen = chosen[:count], chosen[count:]
        show.customers[scenario] = picked
        for i in picked:
            pop.status[i], pop.prospect[i], pop.first[i] = 0, False, 0
            pop.created[i] = min(int(pop.created[i]), w0 - int(rng.integers(30, 1500)))
            if scenario == "moscow_drill":
                _move(pop, i, "moscow", "ivanov")
                show.orders.append(
                    (
                        i,
                        day_in("last_quarter"),
                        [(SUPER_DRILL, float(rng.integers(8, 11))), ("SG-01", 10.0)],
                    )
                )
            elif scenario == "drill_complaint":
                pop.industry[i] = INDUSTRY_KEYS.index("manufacturing")
                show.orders.append(
                    (i, day_in("last_month"), [(SUPER_DRILL, float(rng.integers(1, 4)))])
                )
                show.complaints.append((i, day_in("last_month")))
            elif scenario == "lapsed_vip":
                pop.extra_tags.setdefault(i, set()).add("vip")
                pop.last[i] = last_day - 91 - int(rng.integers(0, 200))
                day = int(pop.last[i]) - int(rng.integers(0, 60))
                show.orders.append((i, day, [(SUPER_DRILL_PRO, 2.0), ("CD-125", 20.0)]))
            elif scenario == "kazan_year":
                _move(pop, i, "kazan", ("volkov", "sokolova")[int(rng.integers(0, 2))])
                extra = PRODUCTS[int(rng.integers(0, len(PRODUCTS)))].sku
                show.orders.append(
                    (
                        i,
                        day_in("this_year"),
                        [(SUPER_DRILL_PRO, float(rng.integers(1, 6))), (extra, 3.0)],
                    )
                )
            elif scenario == "big_b":
                pop.rating[i], pop.size[i] = 1, 60.0
                pop.extra_tags.setdefault(i, set()).add("key-account")
                for _ in range(4):
                    day = last_day - int(rng.integers(0, 360))
                    show.orders.append((i, day, [(SUPER_DRILL_PRO, 20.0), ("LL-360", 5.0)]))
            elif scenario == "romashka":
                _move(pop, i, "moscow", "petrova")
                pop.names[i] = "romashka"
    return show


def _move(pop: Population, i: int, city: str, manager: str) -> None:
    pop.city[i] = CITY_KEYS.index(city)
    pop.manager[i] = _MANAGER[manager]
    assert CITIES[city].region in MANAGERS[_MANAGER[manager]].territory


def showcase_rows(
    show: Showcase,
    pop: Population,
    window: Window,
    *,
    lang: str,
    first_order: int,
    first_line: int,
    ids: SalesIds,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The planted orders, lines and complaints, numbered after the ordinary ones."""
    orders, lines, contacts = [], [], []
    line_seq = first_line
    for k, (i, day, items) in enumerate(show.orders):
        seq = first_order + k
        oid = ids.order_base + seq + 1
        orders.append((oid, order_no(seq + 1), ids.customer_base + i + 1, window.day(day)))
        discount = float(customer_discount(float(pop.size[i])))
        for no, (sku, qty) in enumerate(items, start=1):
            line_seq += 1
            amount = round(qty * PRODUCTS[_SKU[sku]].price * (1 - discount), 2)
            lines.append(
                (ids.line_base + line_seq, oid, no, ids.product_ids[_SKU[sku]], qty, amount)
            )
    notes = TEXT[lang]["notes"]["complaint"]
    for k, (i, day) in enumerate(show.complaints):
        at = datetime.combine(
            window.day(day), time(10 + k % 7, 17, 1)
        )  # second 1: never a random one
        contacts.append(
            (
                ids.customer_base + i + 1,
                at,
                "complaint",
                ids.manager_ids[pop.manager[i]],
                notes[k % len(notes)],
            )
        )
    return orders, lines, contacts
