"""``custbot recompute`` and ``custbot classes`` end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from custbot.cli import main
from storage.schema import batches, customers
from tests.analytics.factories import add_customer, add_sale

CONFIG = """
[rating.rules]
A = "abc A"
C = "anyone"
"""


@pytest.fixture
def config(tmp_path: Path, engine: Engine) -> Path:
    with engine.begin() as conn:
        big = add_customer(conn, "big", name="Big Co")
        add_customer(conn, "idle", name="Idle Co", rating="A")
        add_sale(conn, big, date(2026, 10, 1), 500.0)
    path = tmp_path / "custbot.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_recompute_dry_run_then_apply(
    config: Path, db_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ("--config", str(config), "--db", db_url, "--as-of", "2026-11-22")
    status, out, err = _run(capsys, "recompute", "--dry-run", *common)
    assert status == 0, err
    assert "0 up, 1 down, 0 same, 1 newly rated" in out and "Dry run" in out
    assert "Big Co (- → A)" in out and "Idle Co (A → C)" in out
    with engine.connect() as conn:
        assert conn.execute(select(batches)).first() is None
    status, out, err = _run(capsys, "recompute", *common)
    assert status == 0, err
    assert "Applied as batch" in out
    with engine.connect() as conn:
        assert dict(conn.execute(select(customers.c.name, customers.c.rating)).all()) == {
            "Big Co": "A",
            "Idle Co": "C",
        }


def test_bad_rule_is_a_configuration_error(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[rating.rules]\nA = "abc A or"\n', encoding="utf-8")
    status, _out, err = _run(capsys, "recompute", "--config", str(path), "--db", db_url)
    assert status == 2 and "rating.rules.A" in err


def test_classes_command_with_charts(
    config: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = tmp_path / "abc.png"
    status, out, err = _run(
        capsys,
        "classes",
        "--config",
        str(config),
        "--db",
        db_url,
        "--as-of",
        "2026-11-22",
        "--abc-chart",
        str(chart),
        "--rfm-chart",
        str(tmp_path / "rfm.png"),
    )
    assert status == 0, err
    assert "abc: A 1, C 1" in out and "rfm: " in out
    assert "2026-11-22: classes changed for 2 customers" in out  # both rows written the first time
    assert chart.read_bytes().startswith(b"\x89PNG") and (tmp_path / "rfm.png").stat().st_size > 0
    status, out, err = _run(capsys, "classes", "--db", db_url, "--as-of", "2026-11-22")
    assert status == 0 and "classes changed for 0 customers" in out and "abc: A 1, C 1" in out
    status, _out, err = _run(capsys, "classes", "--db", db_url, "--start", "yesterday")
    assert status == 2 and "YYYY-MM-DD" in err


def test_bad_rule_stops_any_command_in_a_fresh_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "bad.toml"
    path.write_text(
        '[rating.rules]\nB = "at least 6 orders last"\nC = "anyone"\n', encoding="utf-8"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "custbot.cli",
            "--config",
            str(path),
            "--db",
            f"sqlite:///{tmp_path / 'x.db'}",
            "db",
            "upgrade",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "rating.rules.B" in done.stderr and "^" in done.stderr


def test_rule_with_an_unknown_value_is_one_clear_error(
    tmp_path: Path, db_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    with engine.begin() as conn:
        add_customer(conn, "one", name="One", city="Moscow")
    path = tmp_path / "unknown.toml"
    path.write_text('[rating.rules]\nA = "city Moskow"\n', encoding="utf-8")
    status, _out, err = _run(capsys, "recompute", "--config", str(path), "--db", db_url)
    assert status == 2, err
    assert "rating rule A = 'city Moskow' cannot be applied" in err and "Moscow" in err
    with engine.connect() as conn:
        assert conn.execute(select(batches)).first() is None
