"""Audited set-based changes and undo, on both databases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select

from storage.changes import (
    Actor,
    add_tag,
    finish_batch,
    rating_history,
    remove_tag,
    set_field,
    start_batch,
)
from storage.previews import breakdown, change_counts, changing
from storage.schema import audit_log, customer_tags, customers, tags
from storage.undo import apply_undo, plan_undo

ALICE = Actor("telegram", "1", None, "Alice (telegram)")
BOB = Actor("slack", "T1:U2", None, "Bob (slack)")


def _seed(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        insert(customers),
        [
            {
                "external_id": f"c{i}",
                "name": f"Cust {i}",
                "city": "Moscow" if i < 6 else "Kazan",
                "rating": ["A", "B", "C", None][i % 4],
                "created_at": date(2025, 1, 1),
            }
            for i in range(10)
        ],
    )


def _ids(city: str):  # type: ignore[no-untyped-def]
    return select(customers.c.id).where(customers.c.city == city)


def _ratings(conn) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    return dict(conn.execute(select(customers.c.external_id, customers.c.rating)).all())


def test_set_field_audits_only_real_changes_and_undo_restores(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _seed(conn)
        before = _ratings(conn)
        assert breakdown(conn, "rating", _ids("Moscow")) == {"A": 2, "B": 2, "C": 1, None: 1}
        batch = start_batch(conn, ALICE, action="rate", description="rate A: Moscow")
        n = set_field(conn, batch, "rating", "A", _ids("Moscow"), source="Alice")
        finish_batch(conn, batch, n)
    assert n == 4  # two were A already
    with engine.connect() as conn:
        assert conn.execute(select(audit_log).where(audit_log.c.batch_id == batch)).rowcount != 0
        audit = conn.execute(
            select(audit_log.c.before, audit_log.c.after).where(audit_log.c.batch_id == batch)
        ).all()
        assert sorted(audit, key=str) == sorted(
            [("B", "A"), ("B", "A"), ("C", "A"), (None, "A")], key=str
        )
        assert (
            len(
                conn.execute(select(rating_history).where(rating_history.c.batch_id == batch)).all()
            )
            == 4
        )
    # Bob changes one of them afterwards: a conflict for the undo
    with engine.begin() as conn:
        b2 = start_batch(conn, BOB, action="rate", description="rate C: c1")
        set_field(
            conn,
            b2,
            "rating",
            "C",
            select(customers.c.id).where(customers.c.external_id == "c1"),
            source="Bob",
        )
        plan = plan_undo(conn, batch)
    assert plan.revertible == 3 and [name for _, name in plan.conflicts] == ["Cust 1"]
    with engine.begin() as conn:
        undo_id, reverted = apply_undo(conn, batch, ALICE)
        after = _ratings(conn)
    assert reverted == 3
    assert after["c1"] == "C"  # left alone
    assert {k: v for k, v in after.items() if k != "c1"} == {
        k: v for k, v in before.items() if k != "c1"
    }


def test_change_counts_is_the_count_and_the_breakdown_of_what_would_change(engine) -> None:  # type: ignore[no-untyped-def]
    """The preview's one pass equals its two statements: the count of the matching customers and
    the breakdown of those the confirmation would change, for a field, a flag and a tag both ways;
    and the confirmation then changes exactly that many."""
    with engine.begin() as conn:
        _seed(conn)
        b = start_batch(conn, ALICE, action="tag", description="tag vip: two")
        add_tag(
            conn, b, "vip", select(customers.c.id).where(customers.c.external_id.in_(["c1", "c7"]))
        )
        cases = [
            ("rating", "A", False, "Moscow"),
            ("rating", None, False, "Kazan"),
            ("rating_pinned", True, False, "Kazan"),
            ("tag:vip", "yes", False, "Moscow"),
            ("tag:vip", "yes", True, "Kazan"),
            ("tag:never", "yes", True, "Kazan"),
            ("tag:never", "yes", False, "Nowhere"),
            ("tag: VIP", "yes", True, "Kazan"),  # named as typed: the tag as stored
        ]
        seen = []
        for field, value, remove, city in cases:
            got = change_counts(conn, field, value, _ids(city), remove=remove)
            matched = len(conn.execute(_ids(city)).all())
            will = changing(conn, field, value, _ids(city), remove=remove)
            assert got == (matched, breakdown(conn, field, will)), (field, value, remove, city)
            seen.append(got)
        assert seen[0] == (6, {"B": 2, "C": 1, None: 1})
        assert seen[3] == (6, {"no": 5})
        assert seen[4] == (4, {"yes": 1})
        assert seen[5] == (4, {})
        assert seen[6] == (0, {})
        assert seen[7] == (4, {"yes": 1})
        r = start_batch(conn, ALICE, action="rate", description="rate A: Moscow")
        assert set_field(conn, r, "rating", "A", _ids("Moscow"), source="Alice") == 4


def test_tags_and_pins_round_trip_through_undo(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        _seed(conn)
        b = start_batch(conn, ALICE, action="tag", description="tag vip: Kazan")
        assert add_tag(conn, b, "VIP", _ids("Kazan")) == 4
        assert add_tag(conn, b, "vip", _ids("Kazan")) == 0  # already tagged: nothing to do
        p = start_batch(conn, ALICE, action="pin", description="pin: Kazan")
        assert set_field(conn, p, "rating_pinned", True, _ids("Kazan"), source="Alice") == 4
        assert breakdown(conn, "rating_pinned", _ids("Kazan")) == {"yes": 4}
        assert breakdown(conn, "tag:vip", _ids("Kazan")) == {"yes": 4}
    with engine.begin() as conn:
        u = start_batch(conn, BOB, action="untag", description="untag vip: all")
        assert remove_tag(conn, u, "vip", select(customers.c.id)) == 4
        apply_undo(conn, u, BOB)
        assert conn.execute(select(customer_tags)).rowcount != 0
        assert len(conn.execute(select(customer_tags)).all()) == 4
        apply_undo(conn, p, ALICE)
        assert breakdown(conn, "rating_pinned", _ids("Kazan")) == {"no": 4}
        assert conn.execute(select(tags.c.name)).scalars().all() == ["vip"]


def test_a_bulk_rating_on_postgresql_is_a_hot_update(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Rating three quarters of the customers in one transaction rewrites every row on its own
    page and adds no index entries (fillfactor 50, migration 0003): a regression to a full page,
    or an index on a changed column, would add one entry to each of customers' ten indexes."""
    from sqlalchemy import text

    from storage.bulk import insert_rows
    from tests.conftest import fresh_database

    columns = (
        "id",
        "external_id",
        "name",
        "city",
        "region",
        "country",
        "industry",
        "status",
        "rating",
        "created_at",
    )
    rows = [
        (
            i,
            f"B{i:07d}",
            f"Bench Customer {i:07d}",
            "Benchtown",
            "Benchland",
            "Russia",
            "retail",
            "active",
            (None, "A", "B", "C")[i % 4],
            date(2024, 1, 1),
        )
        for i in range(1, 2001)
    ]
    with fresh_database("postgresql", tmp_path) as engine:
        with engine.begin() as conn:
            insert_rows(conn, customers, columns, rows)  # COPY: pages filled to the fillfactor
        with engine.begin() as conn:
            batch = start_batch(conn, ALICE, action="rate", description="rate A: Benchtown")
            assert (
                set_field(conn, batch, "rating", "A", select(customers.c.id), source="Alice")
                == 1500
            )
            updated, hot = conn.execute(
                text(
                    "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = 'customers'::regclass"
                )
            ).one()
            audit = conn.execute(
                select(audit_log.c.customer_id, audit_log.c.before, audit_log.c.after)
            ).all()
    assert (updated, hot) == (1500, 1500)
    assert sorted(audit) == [(i, r, "A") for i, *_, r, _d in rows if r != "A"]


def test_before_is_the_value_a_concurrent_change_committed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: a rating another transaction changes while a bulk change starts is waited
    for, and the audit's "before" (what undo restores) is that committed value, not a stale one."""
    import threading

    from tests.conftest import fresh_database

    with fresh_database("postgresql", tmp_path) as engine:
        with engine.begin() as conn:
            _seed(conn)
        other = engine.connect()
        other.begin()
        other.execute(
            customers.update().where(customers.c.external_id == "c1").values(rating="C")
        )  # was B
        done: list[int] = []

        def bulk() -> None:
            with engine.begin() as conn:
                batch = start_batch(conn, ALICE, action="rate", description="rate A: Moscow")
                done.append(set_field(conn, batch, "rating", "A", _ids("Moscow"), source="Alice"))

        worker = threading.Thread(target=bulk)
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive(), (
            "the bulk change should wait for the row the other transaction holds"
        )
        other.commit()
        other.close()
        worker.join(timeout=30)
        with engine.connect() as conn:
            before = dict(
                conn.execute(
                    select(customers.c.external_id, audit_log.c.before).join(
                        audit_log, audit_log.c.customer_id == customers.c.id
                    )
                ).all()
            )
    assert done == [4] and before["c1"] == "C"


def test_a_plain_selection_is_applied_without_a_self_join(engine) -> None:  # type: ignore[no-untyped-def]
    """``SELECT customers.id FROM customers WHERE c`` is changed by ``c`` itself; anything else
    (here a LIMIT) by ``id IN (…)``: both change exactly the customers selected."""
    from storage.changes import members

    limited = _ids("Moscow").order_by(customers.c.id).limit(2)
    assert "IN" not in str(members(_ids("Moscow"))) and "IN" in str(members(limited))
    with engine.begin() as conn:
        _seed(conn)
        batch = start_batch(conn, ALICE, action="rate", description="rate B: two of Moscow")
        assert (
            set_field(conn, batch, "rating", "B", limited, source="Alice") == 1
        )  # c0 A -> B, c1 is B
        assert (
            set_field(conn, batch, "rating", "C", _ids("Kazan"), source="Alice") == 3
        )  # c6..c9, c6 is C
        assert _ratings(conn)["c0"] == "B" and _ratings(conn)["c2"] == "C"


def test_fixed_targets_counts_and_changes_the_same_customers(engine) -> None:  # type: ignore[no-untyped-def]
    """What a confirmation counts is what it changes: a customer moved into the city after the
    targets were fixed is neither counted nor changed; on SQLite the temporary table goes."""
    from sqlalchemy import text, update

    from storage.changes import fixed_targets

    with engine.begin() as conn:
        _seed(conn)
        moscow = set(conn.execute(_ids("Moscow")).scalars())
        batch = start_batch(conn, ALICE, action="rate", description="rate C: Moscow")
        with fixed_targets(conn, _ids("Moscow")) as (targets, n):
            assert n == len(moscow) == 6
            assert set(conn.execute(targets).scalars()) == moscow
            if conn.dialect.name == "sqlite":  # fixed: a later move does not change the set
                conn.execute(
                    update(customers).where(customers.c.external_id == "c9").values(city="Moscow")
                )
                changed = set_field(conn, batch, "rating", "C", targets, source="Alice")
                assert _ratings(conn)["c9"] == "B"  # moved in after the targets were fixed
                assert changed == sum(1 for i in range(6) if ["A", "B", "C", None][i % 4] != "C")
        if conn.dialect.name == "sqlite":
            temp = "SELECT count(*) FROM sqlite_temp_master WHERE name LIKE 'tmp_%'"
            assert conn.execute(text(temp)).scalar_one() == 0
