"""Benchmark of Russian queries: parse + resolve + compile with pymorphy3 lemmatisation on, vs
English queries over the same catalog in the same run (the ratio cancels the machine's load).

The catalog is built in memory (no database: this times the query language, not SQL), once
demo-sized (300 customers, 40 products) and once large (100,000 customers, 10,000 products,
Cyrillic names); the Russian value index (every catalog word lemmatised) is built once per
catalog and its build time printed. Each query is run as a chat answer pays for it:
``interpret`` + ``matching_ids`` + compiling through SQLAlchemy's compiled cache. CPU time,
median and p90 per language; the spec's target is a Russian median under 2 ms.

Usage::

    .venv/bin/python benchmarks/query_language_ru.py            # demo and 100,000 customers
    .venv/bin/python benchmarks/query_language_ru.py --small    # demo only
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine  # noqa: E402

from benchmarks._timing import compile_cached, load_note  # noqa: E402

__all__ = ["build_catalog", "bench", "main"]

TODAY = date(2026, 11, 22)
RU = [
    "клиенты из Москвы, купившие Супер дрель более чем на 40 тыс. за прошлый квартал, менеджер Иванов",
    "кто купил «Супер дрель», производство, с претензиями за последний месяц",
    "топ 10 клиентов из Казани по выручке в этом году",
    "рейтинг В и ниже потратили более 1 млн за последние 12 месяцев",
    "vip без покупок за последние 90 дней",
    "в Москве",
    "регион Поволжье рейтинг B и выше",
    "купившие электроинструмент в этом году",
    "потратили более 40 000 руб. в III квартале 2026",
    "не менее 3 заказов с 01.03.2026",
    "(Москва или Казань) и vip, не архивные",
    "количество по менеджерам из Москвы",
    "выручка по городам",
    "купившие Супер дрелью с 01.01.2026 по 31.03.2026",
    "сотрудников более 100 контактировали за последние 2 недели",
]
EN = [
    "Москва buyers of Супер дрель over 40k last quarter, manager Иванов",
    "производство buyers of Супер дрель with complaints last month",
    "top 10 Казань customers by spend this year",
    "rating B or worse spent over 1m last 12 months",
    "vip no purchases in last 90 days",
    "in Москва",
    "region Поволжье rating B or better",
    "buyers of электроинструмент this year",
    "spent over 40 000 in Q3 2026",
    "at least 3 orders since 2026-03-01",
    "(Москва or Казань) vip not archived",
    "count by manager Москва",
    "spend by city",
    "buyers of Супер дрель between 2026-01-01 and 2026-03-31",
    "сотрудники over 100 contacted in last 2 weeks",
]
_SYL = [
    "ра",
    "ко",
    "ми",
    "на",
    "сто",
    "лен",
    "вер",
    "да",
    "тех",
    "пром",
    "снаб",
    "гор",
    "бел",
    "ка",
]
_CITIES = ["Москва", "Казань", "Санкт-Петербург", "Самара", "Новосибирск", "Екатеринбург", "Алматы"]


def build_catalog(customers: int, products: int, seed: int = 1) -> Any:
    """An in-memory ``Catalog`` shaped like ``load_catalog``'s, with Russian values."""
    from query_language.catalog import Catalog

    rnd = random.Random(seed)
    values: dict[str, list[tuple[Any, str]]] = defaultdict(list)
    cat = Catalog(values)
    values["city"] = [(c, c) for c in _CITIES]
    values["region"] = [(r, r) for r in ("Центральный", "Поволжье", "Северо-Запад", "Сибирь", "Юг")]
    values["country"] = [(c, c) for c in ("Россия", "Казахстан")]
    values["industry"] = [
        (i, i) for i in ("производство", "строительство", "розничная торговля", "логистика")
    ]
    for mid, (name, surname) in enumerate(
        [("Иван Иванов", "Иванов"), ("Ольга Петрова", "Петрова"), ("Анна Сидорова", "Сидорова")], 1
    ):
        cat.managers[mid] = (name, surname)
        values["manager"] += [(mid, surname), (mid, name)]
    names = ["Супер дрель", "Супер дрель Про", "Свёрла по металлу"]
    for pid in range(1, products + 1):
        name = (
            names[pid - 1]
            if pid <= len(names)
            else f"{rnd.choice(['Дрель', 'Пила', 'Ключ', 'Набор'])} {''.join(rnd.sample(_SYL, 3))} {pid}"
        )
        category = rnd.choice(["электроинструмент", "расходники", "крепёж"])
        cat.products[pid] = (f"SKU-{pid}", name, category)
        values["product"] += [(pid, name), (pid, f"SKU-{pid}")]
        values["category"].append((category, category))
    values["category"] = list(dict.fromkeys(values["category"]))
    for tid, tag in enumerate(["vip", "партнёр", "опт"], 1):
        cat.tags[tid] = tag
        values["tag"].append((tid, tag))
    cat.properties[1] = {"name": "сотрудники", "label": "Сотрудники", "type": "number"}
    values["property"] += [(1, "сотрудники"), (1, "Сотрудники")]
    # customer names are not part of the in-memory catalog: they are looked up in SQL where a
    # name can stand (query_language/customer_names.py), so ``customers`` does not grow it
    return cat


def _times(queries: list[str], language: str, catalog: Any, engine: Any, runs: int) -> list[float]:
    from query_language import interpret, matching_ids

    out: list[float] = []
    for q in queries:

        def once(q: str = q) -> None:
            compile_cached(
                matching_ids(interpret(q, catalog, today=TODAY, language=language)), engine
            )

        once()  # warm: the SQL shape, the lemma cache
        for _ in range(runs):
            t0 = time.process_time()
            once()
            out.append(time.process_time() - t0)
    return out


def _p90(xs: list[float]) -> float:
    return sorted(xs)[min(len(xs) - 1, int(0.9 * len(xs)))]


def bench(label: str, customers: int, products: int, runs: int) -> dict[str, float]:
    """Print and return the medians (ms) of Russian and English queries on one catalog."""
    engine = create_engine("sqlite://", query_cache_size=2000)
    t0 = time.perf_counter()
    catalog = build_catalog(customers, products)
    t1 = time.perf_counter()
    catalog.index("ru")
    t2 = time.perf_counter()
    catalog.index("en")
    t3 = time.perf_counter()
    print(
        f"\n[{label}] {customers:,} customers, {products:,} products; catalog {1e3 * (t1 - t0):.0f} ms, "
        f"ru index {1e3 * (t2 - t1):.0f} ms (lemmatised), en index {1e3 * (t3 - t2):.0f} ms; {load_note()}"
    )
    ru = _times(RU, "ru", catalog, engine, runs)
    en = _times(EN, "en", catalog, engine, runs)
    out = {
        "ru_median": 1e3 * statistics.median(ru),
        "ru_p90": 1e3 * _p90(ru),
        "en_median": 1e3 * statistics.median(en),
        "en_p90": 1e3 * _p90(en),
    }
    print(
        f"  ru: median {out['ru_median']:.3f} ms, p90 {out['ru_p90']:.3f} ms (CPU; target median < 2 ms)"
    )
    print(f"  en: median {out['en_median']:.3f} ms, p90 {out['en_p90']:.3f} ms")
    print(f"  ru / en median: {out['ru_median'] / out['en_median']:.2f}x")
    return out


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="the demo-sized catalog only")
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args(argv)
    from query_language.morph import analyser

    t0 = time.perf_counter()
    analyser()
    print(
        f"pymorphy3 dictionaries loaded in {1e3 * (time.perf_counter() - t0):.0f} ms (once per process)"
    )
    bench("demo", 300, 40, args.runs)
    if not args.small:
        bench("large", 100_000, 10_000, args.runs)


if __name__ == "__main__":
    main()
