"""The scale generator, the Russian demo, and the `custbot demo` / `custbot generate` commands."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from custbot.cli import main
from storage import schema as t
from storage.demo import DemoError, build_demo, clear_data, generate

TODAY = date(2026, 11, 22)


def count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def values(engine: Engine, column) -> set:  # type: ignore[no-untyped-def,type-arg]
    with engine.connect() as conn:
        return set(conn.scalars(select(column).distinct()))


def test_generate_gives_exactly_the_requested_counts(engine: Engine) -> None:
    summary = generate(engine, customers=2000, orders=8000, seed=5, today=TODAY)
    assert (summary.customers, summary.orders) == (2000, 8000)
    assert (count(engine, t.customers), count(engine, t.orders)) == (2000, 8000)
    with engine.connect() as conn:
        numbers = conn.scalars(select(t.orders.c.order_no).order_by(t.orders.c.id)).all()
        per_order = conn.execute(
            select(
                func.count(), func.min(t.order_lines.c.line_no), func.max(t.order_lines.c.line_no)
            ).group_by(t.order_lines.c.order_id)
        ).all()
    assert numbers == [f"SO-{i:08d}" for i in range(1, 8001)]
    assert len(per_order) == 8000  # every order has lines
    assert all(n == hi and lo == 1 and 1 <= n <= 5 for n, lo, hi in per_order)
    assert 2.5 <= summary.order_lines / summary.orders <= 3.5


def test_generate_leaves_planner_statistics(engine: Engine) -> None:
    generate(engine, customers=300, orders=900, seed=1, today=TODAY)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            analysed = conn.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'orders'"))
        else:
            analysed = conn.scalar(
                text(
                    "SELECT reltuples FROM pg_class WHERE relname = 'orders' "
                    "AND relnamespace = current_schema()::regnamespace"
                )
            )
    assert analysed and analysed > 0


def test_a_filled_database_is_refused_until_cleared(engine: Engine) -> None:
    build_demo(engine, customers=100, today=TODAY)
    with pytest.raises(DemoError, match="already holds 100 customers"):
        generate(engine, customers=100, orders=400, today=TODAY)
    clear_data(engine)
    assert count(engine, t.customers) == count(engine, t.managers) == 0
    assert generate(engine, customers=100, orders=400, today=TODAY).customers == 100


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lang": "de"}, "language 'de' is not available"),
        ({"customers": 10}, "at least 35 customers"),
        ({"orders": 20}, "at least 43 orders"),
    ],
)
def test_impossible_requests_say_what_to_do(engine: Engine, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(DemoError, match=message):
        build_demo(engine, **{"customers": 100, "today": TODAY, **kwargs})
    assert count(engine, t.customers) == 0


def test_russian_demo_is_the_same_base_in_russian(backend: str, tmp_path: Path) -> None:
    from tests.conftest import fresh_database

    shapes = {}
    for lang in ("en", "ru"):
        with fresh_database(backend, tmp_path) as engine:
            build_demo(engine, customers=200, seed=9, today=TODAY, lang=lang)
            with engine.connect() as conn:
                shapes[lang] = conn.execute(
                    select(
                        t.orders.c.order_no,
                        t.orders.c.customer_id,
                        t.orders.c.date,
                        t.order_lines.c.quantity,
                        t.order_lines.c.amount,
                    )
                    .join(t.order_lines, t.order_lines.c.order_id == t.orders.c.id)
                    .order_by(t.order_lines.c.id)
                ).all()
            if lang == "ru":
                assert {"Москва", "Санкт-Петербург", "Казань", "Новосибирск"} <= values(
                    engine, t.customers.c.city
                )
                assert {"Центральный", "Поволжье"} <= values(engine, t.customers.c.region)
                assert {"Россия"} <= values(engine, t.customers.c.country)
                assert {"производство", "строительство", "розница"} <= values(
                    engine, t.customers.c.industry
                )
                assert {"Иван Иванов", "Ольга Петрова"} <= values(engine, t.managers.c.name)
                assert "Иванов" in values(engine, t.managers.c.surname)
                assert {"Супер дрель", "Супер дрель Про", "Свёрла по металлу"} <= values(
                    engine, t.products.c.name
                )
                assert "vip" in values(engine, t.tags.c.name)
                assert "сотрудники" in values(engine, t.property_definitions.c.name)
                assert any(n == "Ромашка" for n in values(engine, t.customers.c.name))
    assert shapes["en"] == shapes["ru"]


def test_cli_demo_builds_once_and_rebuilds_on_request(
    db_url: str,
    engine: Engine,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)  # the demo writes its custbot.toml here
    # the demo opens the chat, which reads one message per line when stdin is not a terminal
    monkeypatch.setattr("sys.stdin", io.StringIO("top 10 Kazan customers by spend this year\n"))
    assert main(["demo", "--db", db_url, "--customers", "150", "--as-of", "2026-11-22"]) == 0
    out = capsys.readouterr().out
    assert (
        "customers" in out and "150" in out and "top 10 Kazan customers by spend this year" in out
    )
    # the chat answered the README's query: the echo with its concrete dates
    assert "city = Kazan" in out and "2026-01-01..2026-11-22" in out
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert count(engine, t.customers) == 150 and count(engine, t.orders) == 750
    assert main(["demo", "--db", db_url, "--customers", "300"]) == 0
    assert "already holds 150 customers" in capsys.readouterr().out
    assert count(engine, t.customers) == 150
    assert main(["demo", "--db", db_url, "--rebuild", "--customers", "120", "--lang", "ru"]) == 0
    assert count(engine, t.customers) == 120 and "Москва" in values(engine, t.customers.c.city)


def test_cli_generate_and_its_errors(
    db_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["generate", "--db", db_url, "--customers", "300", "--orders", "900", "--seed", "2"])
        == 0
    )
    assert "rows/s" in capsys.readouterr().out
    assert (count(engine, t.customers), count(engine, t.orders)) == (300, 900)
    assert main(["generate", "--db", db_url, "--customers", "300", "--orders", "900"]) == 2
    assert "--rebuild" in capsys.readouterr().err
    assert main(["demo", "--db", db_url, "--rebuild", "--lang", "xx"]) == 2
    assert "the demo speaks en and ru" in capsys.readouterr().err
