"""``custbot import`` end to end, and the bulk helpers on their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, String, select

from custbot.cli import main
from storage.bulk import insert_rows, merge_select, temp_table, upsert_rows
from storage.schema import products, tags
from tests.storage._import_helpers import RETAIL_MAP, count, write


def test_cli_imports_the_sample_and_reports(
    db_url: str, engine: Engine, datasets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--db", db_url, "import", "sales", str(datasets / "online_retail_sample.csv"), "--create-customers",
            "--amount-from", "UnitPrice"] + [a for s, t in RETAIL_MAP.items() for a in ("--map", f"{s}={t}")]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "customers 875 created" in out and "order_lines 4792 created" in out
    assert main(args) == 0
    assert "order_lines 0 created, 0 updated, 4792 unchanged" in capsys.readouterr().out


def test_cli_failure_exits_nonzero_with_row_errors(
    db_url: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "c.csv", "external_id,name,rating\n1,Acme,Q\n")
    assert main(["import", "customers", str(path), "--db", db_url]) == 1
    err = capsys.readouterr().err
    assert "line 2, column rating" in err and "nothing imported" in err
    assert count(engine, "customers") == 0
    assert main(["--db", db_url, "import", "customers", str(path), "--map", "oops"]) == 2
    assert "SOURCE=TARGET" in capsys.readouterr().err
    assert main(["--db", db_url, "import", "planets", str(path)]) == 1
    assert "unknown kind" in capsys.readouterr().err


def test_bulk_helpers(engine: Engine) -> None:
    with engine.begin() as conn:
        assert (
            insert_rows(conn, tags, ["name"], ((f"t{i}",) for i in range(2500)), chunk=1000) == 2500
        )
        upsert_rows(
            conn,
            products,
            [{"sku": "D1", "name": "Drill"}, {"sku": "S1", "name": "Saw"}],
            key=["sku"],
        )
        upsert_rows(conn, products, [{"sku": "D1", "name": "Drill Pro"}], key=["sku"])
        stage = temp_table(
            conn, [Column("sku", String(64)), Column("name", String(300)), Column("n", Integer)]
        )
        insert_rows(
            conn, stage, ["sku", "name"], [("D1", "Drill Pro"), ("S1", "Saw 2"), ("H1", "Hammer")]
        )
        counts = merge_select(conn, products, select(stage.c.sku, stage.c.name), key=["sku"])
        names = dict(conn.execute(select(products.c.sku, products.c.name)).all())
    assert (counts.created, counts.updated, counts.unchanged) == (1, 1, 1)
    assert names == {"D1": "Drill Pro", "S1": "Saw 2", "H1": "Hammer"}
    assert count(engine, "tags") == 2500
