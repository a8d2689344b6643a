"""The demo's customers: who they are, drawn once as compact arrays, turned into rows by chunk.

Only numbers per customer are kept for the whole base (a few bytes each, so a million customers
fit in tens of megabytes); names, e-mails, tags and properties are built chunk by chunk.
Every draw comes from ``numpy.random.default_rng([seed, stream, chunk])``, never global state.
Example::

    window = make_window(date(2026, 11, 22))
    pop = draw_population(2000, seed=7, window=window)
    rows = customer_rows(pop, 0, 2000, seed=7, lang="en", ids=Ids(...))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np

from storage.contacts import normalise_phone
from storage.demo_catalog import (
    CITIES,
    INDUSTRIES,
    MANAGERS,
    PHONE_PREFIX,
    TAGS,
)
from storage.demo_words import COMPANY_ROOTS, COMPANY_SUFFIXES, TEXT

__all__ = [
    "Window",
    "Population",
    "CustomerRows",
    "make_window",
    "draw_population",
    "customer_rows",
    "rng_for",
    "CITY_KEYS",
    "INDUSTRY_KEYS",
    "STATUS_KEYS",
    "RATING_KEYS",
]

CITY_KEYS = list(CITIES)
INDUSTRY_KEYS = list(INDUSTRIES)
STATUS_KEYS = ("active", "check", "archived")
RATING_KEYS = ("A", "B", "C")
# Orders per month relative to the average: spring and autumn peaks, a December dip.
SEASON = (0.75, 0.85, 1.15, 1.3, 1.2, 1.0, 0.85, 0.9, 1.2, 1.3, 1.15, 0.6)
_HISTORY_START = date(2014, 1, 1)  # the oldest customer records


def rng_for(seed: int, stream: int, chunk: int = 0) -> np.random.Generator:
    """The random stream for one part of the generation; independent of every other part."""
    return np.random.default_rng([seed, stream, chunk])


@dataclass(frozen=True)
class Window:
    """Two years of trading ending *today*: day offsets 0..days-1 and their seasonal weights."""

    start: date
    days: int
    cdf: np.ndarray  # cumulative share of orders up to and including each day

    def day(self, offset: int) -> date:
        return self.start + timedelta(days=int(offset))

    def offset(self, d: date) -> int:
        return (d - self.start).days


def make_window(today: date) -> Window:
    """The order window: the two years ending ``today`` (inclusive), weighted by season."""
    try:
        start = today.replace(year=today.year - 2) + timedelta(days=1)
    except ValueError:  # 29 February
        start = date(today.year - 2, 3, 1)
    days = (today - start).days + 1
    weights = np.empty(days)
    for i in range(days):
        d = start + timedelta(days=i)
        weights[i] = SEASON[d.month - 1] * (0.2 if d.weekday() >= 5 else 1.0)
    cdf = np.cumsum(weights)
    return Window(start, days, cdf / cdf[-1])


@dataclass
class Population:
    """Per-customer numbers (index i is the i-th customer generated)."""

    n: int
    city: np.ndarray
    industry: np.ndarray
    manager: np.ndarray
    size: np.ndarray  # purchasing power, heavy-tailed (a few big B2B buyers)
    created: np.ndarray  # date ordinals
    status: np.ndarray
    rating: np.ndarray  # -1 unrated
    prospect: np.ndarray  # never buys
    today: date
    first: np.ndarray  # first window day the customer may order
    last: np.ndarray  # last window day the customer may order
    names: dict[int, str] = field(default_factory=dict)  # showcase names: a key of TEXT[lang]
    extra_tags: dict[int, set[str]] = field(default_factory=dict)


def _manager_choices() -> dict[str | None, list[int]]:
    by_region: dict[str | None, list[int]] = {}
    for i, m in enumerate(MANAGERS):
        for region in m.territory:
            by_region.setdefault(region, []).append(i)
    return by_region


def draw_population(n: int, *, seed: int, window: Window) -> Population:
    """Draw the numbers of ``n`` customers (no strings, no rows)."""
    rng = rng_for(seed, 1)
    city_w = np.array([c.weight for c in CITIES.values()])
    city = rng.choice(len(CITY_KEYS), n, p=city_w / city_w.sum()).astype(np.int16)
    ind_w = np.array(list(INDUSTRIES.values()))
    industry = rng.choice(len(INDUSTRY_KEYS), n, p=ind_w / ind_w.sum()).astype(np.int16)
    manager = np.empty(n, dtype=np.int16)
    pick = rng.random(n)
    for region, candidates in _manager_choices().items():
        cities = [i for i, c in enumerate(CITIES.values()) if c.region == region]
        mask = np.isin(city, cities)
        manager[mask] = np.array(candidates)[(pick[mask] * len(candidates)).astype(int)]
    leads = [i for i, m in enumerate(MANAGERS) if m.role == "manager"]
    key_accounts = rng.random(n) < 0.02  # team leads keep a few accounts themselves
    manager[key_accounts] = rng.choice(leads, int(key_accounts.sum()))
    size = np.minimum(rng.pareto(1.4, n) + 1.0, 300.0).astype(np.float32)
    old = rng.random(n) < 0.55
    w0, h0 = window.start.toordinal(), _HISTORY_START.toordinal()
    created = np.where(old, rng.integers(h0, w0, n), w0 + rng.integers(0, window.days, n)).astype(
        np.int32
    )
    status = rng.choice(3, n, p=[0.85, 0.08, 0.07]).astype(np.int8)
    score = np.log(size) + rng.normal(0, 0.6, n)
    order = np.argsort(-score, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    rating = np.where(rank < n * 0.1, 0, np.where(rank < n * 0.4, 1, 2)).astype(np.int8)
    rating[rng.random(n) < 0.35] = -1
    prospect = rng.random(n) < 0.07
    first = np.maximum(created - w0, 0).astype(np.int32)
    last = np.full(n, window.days - 1, dtype=np.int32)
    return Population(
        n,
        city,
        industry,
        manager,
        size,
        created,
        status,
        rating,
        prospect,
        window.day(window.days - 1),
        first,
        last,
    )


@dataclass
class CustomerRows:
    customers: list[tuple[Any, ...]]
    tags: list[tuple[Any, ...]]  # (customer_id, tag key)
    properties: list[tuple[Any, ...]]  # (customer_id, property key, number, date, bool)


def _company(i: int, perm: np.ndarray, lang: str, form: str) -> tuple[str, str]:
    """(display name, e-mail slug) of the i-th company name."""
    roots, suffixes = COMPANY_ROOTS[lang], COMPANY_SUFFIXES[lang]
    combos = len(roots) * len(suffixes)
    k = int(perm[i % combos])
    root, suffix = divmod(k, len(suffixes))
    cycle = i // combos
    base = roots[root] + suffixes[suffix] + (f"-{cycle + 1}" if cycle else "")
    slug_en = (
        COMPANY_ROOTS["en"][root]
        + COMPANY_SUFFIXES["en"][suffix]
        + (str(cycle + 1) if cycle else "")
    )
    slug = slug_en.lower().replace("-", "")
    return TEXT[lang]["company"].format(name=base, form=form), slug


_TLD = {"russia": "ru", "kazakhstan": "kz", "belarus": "by", "germany": "de"}


def customer_rows(
    pop: Population, lo: int, hi: int, *, seed: int, lang: str, id_base: int, manager_ids: list[int]
) -> CustomerRows:
    """Rows for customers ``lo..hi-1`` (ids ``id_base + i + 1``), their tags and properties."""
    text = TEXT[lang]
    rng = rng_for(seed, 5, lo)
    perm = rng_for(seed, 6).permutation(len(COMPANY_ROOTS[lang]) * len(COMPANY_SUFFIXES[lang]))
    m = hi - lo
    forms = rng.integers(0, len(text["legal_forms"]), m)
    has_email, has_phone, opted = rng.random(m) < 0.88, rng.random(m) < 0.92, rng.random(m) < 0.03
    mailbox = rng.integers(0, 4, m)
    phone_no = rng.integers(0, 10**9, m)
    opt_days = rng.integers(1, 600, m)
    tag_draw = rng.random((m, 6))
    employees = np.maximum(1, np.round(rng.lognormal(2.6, 1.0, m) * pop.size[lo:hi] ** 0.6))
    prop_draw = rng.random((m, 4))
    contract_days = rng.integers(0, 10**6, m)
    customers: list[tuple[Any, ...]] = []
    tags: list[tuple[Any, ...]] = []
    props: list[tuple[Any, ...]] = []
    for j in range(m):
        i = lo + j
        cid = id_base + i + 1
        city = CITIES[CITY_KEYS[pop.city[i]]]
        name, slug = _company(i, perm, lang, text["legal_forms"][forms[j]])
        if i in pop.names:  # a showcase company under its short name, e.g. Romashka
            name = text[pop.names[i]]
            slug = pop.names[i]
        email = (
            f"{('info', 'sales', 'office', 'zakaz')[mailbox[j]]}@{slug}.{_TLD[city.country]}"
            if has_email[j]
            else None
        )
        p = f"{phone_no[j]:09d}"
        phone = (
            f"{PHONE_PREFIX[city.country]}{p[:2]} {p[2:5]}-{p[5:7]}-{p[7:9]}"
            if has_phone[j]
            else None
        )
        created = date.fromordinal(int(pop.created[i]))
        opted_out = None
        if email and opted[j]:
            opted_out = datetime.combine(created + timedelta(days=int(opt_days[j])), time(12, 0))
            opted_out = None if opted_out.date() > pop.today else opted_out
        rating = int(pop.rating[i])
        customers.append(
            (
                cid,
                f"C{i + 1:07d}",
                name,
                text["city"][CITY_KEYS[pop.city[i]]],
                text["region"].get(city.region) if city.region else None,
                text["country"][city.country],
                text["industry"][INDUSTRY_KEYS[pop.industry[i]]],
                manager_ids[pop.manager[i]],
                email,
                phone,
                STATUS_KEYS[pop.status[i]],
                RATING_KEYS[rating] if rating >= 0 else None,
                False,
                created,
                opted_out,
                _e164(phone, city.country),
            )
        )
        big, t = float(pop.size[i]) > 8, tag_draw[j]
        wanted = {
            "vip": t[0] < (0.35 if big else 0.02),
            "key-account": big and t[1] < 0.3,
            "newsletter": bool(email) and opted_out is None and t[2] < 0.35,
            "wholesale": t[3] < (0.5 if INDUSTRY_KEYS[pop.industry[i]] == "wholesale" else 0.03),
            "tender": t[4] < 0.04,
            "partner": t[5] < 0.02,
        }
        extra = pop.extra_tags.get(i, set())
        tags.extend((cid, tag) for tag in TAGS if wanted[tag] or tag in extra)
        q = prop_draw[j]
        if q[0] < 0.85:
            props.append((cid, "employees", float(employees[j]), None, None))
        if q[1] < 0.6:
            span = max(1, pop.today.toordinal() - created.toordinal())
            props.append(
                (
                    cid,
                    "contract_date",
                    None,
                    created + timedelta(days=int(contract_days[j] % span)),
                    None,
                )
            )
        if q[2] < 0.7:
            props.append((cid, "dealer", None, None, bool(q[3] < 0.2)))
    return CustomerRows(customers, tags, props)


def _e164(phone: str | None, country: str) -> str | None:
    """The demo phone in E.164 as ``storage.contacts.normalise_phone`` reads it (checked once
    per country: a per-row parse would cost seconds at a million customers)."""
    if phone is None or not _E164_OK.setdefault(
        country, normalise_phone(PHONE_PREFIX[country] + "12 345-67-89", None) is not None
    ):
        return None
    return "+" + "".join(c for c in phone if c.isdigit())


_E164_OK: dict[str, bool] = {}
