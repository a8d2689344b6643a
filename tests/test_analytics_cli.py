"""``custbot analytics status|refresh|rebuild`` and ``custbot ask`` answered from the copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from custbot.cli import main
from storage.schema import customers
from tests.bot.seed import seed


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out + err


def test_rebuild_status_refresh_and_ask_from_the_copy(
    engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    config = tmp_path / "custbot.toml"
    copy = tmp_path / "copy.duckdb"
    config.write_text(f'[analytics]\nengine = "duckdb"\npath = "{copy}"\nthreads = 1\n')
    common = ("--config", str(config), "--db", db_url, "--as-of", "2026-11-22")
    status, out = _run(capsys, *common, "analytics", "status")
    assert status == 0 and "none yet" in out
    status, out = _run(capsys, *common, "analytics", "rebuild")
    assert status == 0 and out.startswith("full refresh in")
    status, out = _run(capsys, *common, "analytics", "status")
    assert status == 0 and "state: current" in out and str(copy) in out
    with engine.begin() as conn:
        conn.execute(update(customers).values(rating="B"))
    status, out = _run(capsys, *common, "analytics", "status")
    assert "state: stale" in out
    status, out = _run(capsys, *common, "analytics", "refresh")
    assert status == 0 and out.startswith("incremental refresh in") and "customers" in out
    status, out = _run(capsys, *common, "analytics", "refresh")
    assert out.startswith("current refresh")
    status, out = _run(capsys, *common, "ask", "--json", "rating B")
    assert status == 0, out
    answer = json.loads(out)
    assert answer["count"] > 0 and "analytics copy" not in answer["interpretation"]
