"""The DuckDB copy answers exactly as the primary, and never stale without saying so.

A property test drives random sequences of imports, re-imports (orders changed and shortened),
bulk changes and undos; after each step the copy is refreshed (incrementally) and the same
queries, run by custbot's own code on both engines, must give equal answers."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text, update

from query_language import CatalogCache, interpret, run_query
from query_language.compile import matching_ids
from query_language.route import configure, router_for, unconfigure
from query_language.run import run_query as run_on
from storage.changes import Actor, add_tag, finish_batch, set_field, start_batch
from storage.columnar import ColumnarCopy, ColumnarSettings
from storage.columnar.generation import prune_dirty, pruned_through
from storage.imports import import_file
from storage.schema import analytics_dirty_orders, batches, customers, order_lines
from storage.undo import apply_undo
from tests.conftest import fresh_database

TODAY = date(2026, 11, 22)
HEAD = "order_id,customer_id,date,sku,quantity,amount,product_name,name,city\n"
CITIES = ["Moscow", "Kazan", "Omsk"]
PRODUCTS = [("D1", "Drill"), ("S1", "Saw"), ("H1", "Hammer")]
ACTOR = Actor(platform="cli", user_id="test", manager_id=None, label="test")
QUERIES = [
    "Moscow",
    "buyers of Drill over 40 last quarter",
    "top 5 customers by spend this year",
    "top 3 customers by orders this year",
    "spend by city this year",
    "spend by rating last month",
    "spend by manager this year",
    "Moscow spend by rating this year",
    "customers by rating",
    "vip no purchases in last 90 days",
    "at least 2 orders this year",
    "spent over 55.005 in 2026",
    "rating A",
    "bought Saw last month",
]


def _sales(rng: random.Random, orders: list[int], path: Path) -> Path:
    rows = []
    for no in orders:
        cust = f"C{rng.randrange(12)}"
        day = date(2026, rng.randrange(1, 12), rng.randrange(1, 28)).isoformat()
        for _ in range(rng.randrange(1, 4)):
            sku, name = rng.choice(PRODUCTS)
            qty = rng.choice([1, 2, 3, -1])
            amount = qty * rng.randrange(1, 40) * 2.5
            rows.append(
                f"{no},{cust},{day},{sku},{qty},{amount},{name},{cust} Ltd,{rng.choice(CITIES)}"
            )
    path.write_text(HEAD + "\n".join(rows) + "\n")
    return path


def _answers(conn, catalog, query_texts: list[str]) -> list:  # type: ignore[no-untyped-def]
    out = []
    for q in query_texts:
        query = interpret(q, catalog, today=TODAY)
        r = run_on(conn, query, limit=None)
        out.append((q, r.count, r.rows, r.groups))
    return out


def _step(engine: Engine, tmp: Path, rng: random.Random, op: str, state: dict) -> None:
    if op in ("import", "reimport"):
        known = state["orders"]
        if op == "reimport" and known:
            chosen = rng.sample(sorted(known), min(len(known), rng.randrange(1, 4)))
        else:
            chosen = [state["next"] + i for i in range(rng.randrange(1, 6))]
            state["next"] += len(chosen)
        known.update(chosen)
        import_file(
            engine,
            "sales",
            _sales(rng, chosen, tmp / f"s{rng.random()}.csv"),
            create_customers=True,
        )
    elif op in ("rate", "tag"):
        catalog = CatalogCache(engine).get()
        q = interpret(
            rng.choice(["Moscow", "Kazan", "buyers of Saw this year"]), catalog, today=TODAY
        )
        with engine.begin() as conn:
            batch = start_batch(conn, ACTOR, action=op, description=op)
            if op == "rate":
                n = set_field(
                    conn,
                    batch,
                    "rating",
                    rng.choice(["A", "B", "C"]),
                    matching_ids(q),
                    source="test",
                )
            else:
                n = add_tag(conn, batch, "vip", matching_ids(q))
            finish_batch(conn, batch, n)
    elif op == "undo":
        with engine.begin() as conn:
            last = conn.execute(
                select(batches.c.id)
                .where(
                    batches.c.action.in_(["rate", "tag"]), batches.c.undone_by_batch_id.is_(None)
                )
                .order_by(batches.c.id.desc())
            ).first()
            if last is not None:
                apply_undo(conn, last[0], ACTOR)
    elif op == "delete_line":  # what a hand-typed fix does: the newest line goes
        with engine.begin() as conn:
            newest = conn.execute(
                select(order_lines.c.id).order_by(order_lines.c.id.desc())
            ).first()
            if newest is not None:
                conn.execute(order_lines.delete().where(order_lines.c.id == newest[0]))


def _setup(engine: Engine, tmp: Path) -> None:
    """Twelve customers in three cities, and an order of every product."""
    people = "".join(f"C{i},C{i} Ltd,{CITIES[i % 3]}\n" for i in range(12))
    (tmp / "c.csv").write_text("external_id,name,city\n" + people)
    import_file(engine, "customers", tmp / "c.csv")
    lines = "".join(f"0,C0,2026-01-05,{sku},1,10,{name},C0 Ltd,Moscow\n" for sku, name in PRODUCTS)
    (tmp / "p.csv").write_text(HEAD + lines)
    import_file(engine, "sales", tmp / "p.csv")


OPS = st.lists(
    st.sampled_from(["import", "reimport", "rate", "tag", "undo", "delete_line"]),
    min_size=3,
    max_size=7,
)


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # each example builds two databases
)
@given(ops=OPS, seed=st.integers(0, 10_000))
def test_random_changes_then_both_engines_answer_the_same(
    backend_name: str, tmp_path_factory: pytest.TempPathFactory, ops: list[str], seed: int
) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    rng = random.Random(seed)
    with fresh_database(backend_name, tmp) as engine:
        copy = ColumnarCopy(tmp / "copy.duckdb", memory_limit="256MB", threads=1)
        state: dict = {"orders": set(), "next": 1}
        _setup(engine, tmp)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO tags (name) VALUES ('vip')"))
        kinds = []
        try:
            for op in ["import", *ops]:
                _step(engine, tmp, rng, op, state)
                report = copy.refresh(engine)
                assert report.done, report
                kinds.append(report.kind)
                catalog = CatalogCache(engine).get()
                with engine.connect() as conn:
                    assert copy.is_current(conn)
                    primary = _answers(conn, catalog, QUERIES)
                duck = copy.engine()
                assert duck is not None
                with duck.connect() as dconn:
                    copied = _answers(dconn, catalog, QUERIES)
                for a, b in zip(primary, copied, strict=True):
                    assert a == b, (op, a[0])
        finally:
            copy.close()
        assert any(k.startswith("incremental") for k in kinds)


def test_a_copy_behind_a_prune_reloads_orders_and_stays_exact(
    engine: Engine, tmp_path: Path
) -> None:
    """The change list is pruned (serve's hourly purge, every refresh), so it does not grow
    forever; a copy that had not read what was pruned cannot replay it and reloads orders and
    lines whole: replaying only what is left would keep the re-imported orders' old lines."""
    _setup(engine, tmp_path)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO tags (name) VALUES ('vip')"))
    import_file(
        engine,
        "sales",
        _sales(random.Random(1), [1, 2, 3, 4], tmp_path / "a.csv"),
        create_customers=True,
    )
    copy = ColumnarCopy(tmp_path / "copy.duckdb", threads=1)
    try:
        assert copy.refresh(engine).kind == "full"
        import_file(  # orders 1 and 2 again, with other lines: they are listed as changed
            engine, "sales", _sales(random.Random(2), [1, 2], tmp_path / "b.csv")
        )
        with engine.begin() as conn:
            listed = conn.execute(select(func.count()).select_from(analytics_dirty_orders))
            assert listed.scalar_one() > 1
            assert prune_dirty(conn, keep=1) > 0  # one row kept: not enough to replay from
            kept = conn.execute(select(analytics_dirty_orders.c.id)).scalars().all()
            assert len(kept) == 1 and pruned_through(conn) == kept[0] - 1
            assert prune_dirty(conn, keep=10) == 0  # never backwards
            assert pruned_through(conn) == kept[0] - 1
        report = copy.refresh(engine)
        assert report.done and report.kind.startswith("incremental"), report
        catalog = CatalogCache(engine).get()
        with engine.connect() as conn:
            primary = _answers(conn, catalog, QUERIES)
        duck = copy.engine()
        assert duck is not None
        with duck.connect() as dconn:
            assert _answers(dconn, catalog, QUERIES) == primary
        # read up to the newest row now: the next changes replay from the list again
        import_file(engine, "sales", _sales(random.Random(3), [3], tmp_path / "c.csv"))
        assert copy.refresh(engine).kind == "incremental"
        duck = copy.engine()  # the file the refresh published
        assert duck is not None
        with engine.connect() as conn, duck.connect() as dconn:
            assert _answers(dconn, catalog, QUERIES) == _answers(conn, catalog, QUERIES)
    finally:
        copy.close()


def test_every_writer_advances_the_generation_in_its_own_transaction(
    engine: Engine, tmp_path: Path
) -> None:
    """A write the copy does not reflect makes it stale at once, whoever wrote; a rolled-back
    write does not; a fresh refresh makes it current again."""
    _setup(engine, tmp_path)
    import_file(
        engine,
        "sales",
        _sales(random.Random(1), [1, 2, 3], tmp_path / "a.csv"),
        create_customers=True,
    )
    copy = ColumnarCopy(tmp_path / "copy.duckdb", threads=1)
    try:
        assert copy.refresh(engine).kind == "full"
        writes = [
            update(customers).values(city="Tver"),
            text("UPDATE order_lines SET amount = amount + 1"),
            text(
                "INSERT INTO customer_tags (customer_id, tag_id) SELECT c.id, t.id FROM customers c, "
                "(SELECT id FROM tags) t WHERE 1 = 0"
            ),  # touches no row: may or may not count
        ]
        for stmt in writes[:2]:
            with engine.connect() as conn:
                tx = conn.begin()
                conn.execute(stmt)
                assert not copy.is_current(conn)  # the writer's own view: stale at once
                tx.rollback()
            with engine.connect() as conn:
                assert copy.is_current(conn)  # rolled back: nothing changed
            with engine.begin() as conn:
                conn.execute(stmt)
            with engine.connect() as conn:
                assert not copy.is_current(conn)
            report = copy.refresh(engine)
            assert report.kind.startswith("incremental")
            with engine.connect() as conn:
                assert copy.is_current(conn)
    finally:
        copy.close()


def test_the_router_falls_back_to_the_primary_or_says_how_stale(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(
        engine,
        "sales",
        _sales(random.Random(2), [1, 2, 3, 4], tmp_path / "a.csv"),
        create_customers=True,
    )
    base = {"engine": "duckdb", "refresh": "scheduled", "threads": 1}
    router = configure(engine, ColumnarSettings(**base), tmp_path / "copy.duckdb")
    assert router is not None
    try:
        router.copy.refresh(engine)
        catalog = CatalogCache(engine).get()
        query = interpret("spend by city this year", catalog, today=TODAY)
        with engine.connect() as conn:
            fresh = run_query(conn, query)
        assert router.counts == {"copy": 1}
        with engine.begin() as conn:
            conn.execute(update(order_lines).values(amount=order_lines.c.amount * 2))
        with engine.connect() as conn:
            exact = run_query(conn, query)
        assert router.counts == {"copy": 1, "primary": 1}  # stale, no allowance: the primary
        assert exact.groups != fresh.groups and "analytics copy" not in exact.interpretation
        assert [g["spend"] for g in exact.groups] == [g["spend"] * 2 for g in fresh.groups]

        configure(
            engine, ColumnarSettings(**base, max_stale_seconds=3600), tmp_path / "copy.duckdb"
        )
        with engine.connect() as conn:
            stale = run_query(conn, query)
            ru = run_query(
                conn, interpret("сумма по городам в этом году", catalog, today=TODAY, language="ru")
            )
        assert stale.groups == fresh.groups  # the copy's answer, and the echo says so
        assert "data as of" in stale.interpretation and "analytics copy" in stale.interpretation
        assert "аналитическая копия" in ru.interpretation
        assert router_for(engine).counts == {"stale": 2}  # type: ignore[union-attr]

        configure(engine, ColumnarSettings(engine="duckdb", threads=1), tmp_path / "copy.duckdb")
        with engine.connect() as conn:
            again = run_query(conn, query)  # refresh = on_query: brought up to date, then used
        assert again.groups == exact.groups and "analytics copy" not in again.interpretation
        assert router_for(engine).counts == {"refresh": 1, "copy": 1}  # type: ignore[union-attr]
    finally:
        unconfigure(engine)


def test_a_writer_inside_its_transaction_reads_its_own_changes(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(
        engine, "sales", _sales(random.Random(3), [1, 2], tmp_path / "a.csv"), create_customers=True
    )
    router = configure(
        engine, ColumnarSettings(engine="duckdb", threads=1), tmp_path / "copy.duckdb"
    )
    assert router is not None
    try:
        catalog = CatalogCache(engine).get()
        query = interpret("rating A", catalog, today=TODAY)
        with engine.connect() as conn:
            tx = conn.begin()
            conn.execute(update(customers).values(rating="A"))
            inside = run_query(conn, query, limit=None)
            tx.rollback()
        with engine.connect() as conn:
            total = conn.execute(select(customers.c.id)).all()
        assert inside.count == len(total) > 0
        assert router.counts.get("primary") == 1
    finally:
        unconfigure(engine)
