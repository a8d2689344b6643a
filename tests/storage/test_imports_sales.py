"""Sales imports: the real online-retail sample, bad rows, re-import, products on the fly."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from storage.imports import ImportFailed, import_file
from storage.schema import customers, order_lines, orders, products
from tests.storage._import_helpers import RETAIL_MAP, count, snapshot, write

CUSTOMERS = """
external_id,name
C1,Acme
C2,Globex
"""


def _retail(engine: Engine, datasets: Path):  # type: ignore[no-untyped-def]
    path = datasets / "online_retail_sample.csv"
    return import_file(
        engine, "sales", path, mapping=RETAIL_MAP, create_customers=True, amount_from="UnitPrice"
    )


def test_online_retail_sample_imports_as_the_spec_says(engine: Engine, datasets: Path) -> None:
    report = _retail(engine, datasets)
    raw = pd.read_csv(datasets / "online_retail_sample.csv", dtype=str, keep_default_na=False)
    with engine.connect() as conn:
        ids = set(conn.execute(select(customers.c.external_id)).scalars())
        negative = conn.execute(select(func.count()).where(order_lines.c.quantity < 0)).scalar_one()
        n_orders = conn.execute(select(func.count()).select_from(orders)).scalar_one()
        total = conn.execute(select(func.sum(order_lines.c.amount))).scalar_one()
        country = conn.execute(
            select(customers.c.country).where(customers.c.external_id == "17850")
        ).scalar_one()
    assert len(ids) == 875 and "17850" in ids
    assert not any(i.endswith(".0") for i in ids)
    assert negative == (raw["Quantity"].astype(float) < 0).sum() == 520
    assert n_orders == raw["InvoiceNo"].nunique()
    assert report.tables["order_lines"].created == len(raw) == 4792
    expected = (raw["Quantity"].astype(float) * raw["UnitPrice"].astype(float)).sum()
    assert total == pytest.approx(expected)
    assert country == "United Kingdom"


def test_a_sku_with_several_descriptions_gets_the_most_frequent_one(
    engine: Engine, datasets: Path
) -> None:
    _retail(engine, datasets)
    raw = pd.read_csv(datasets / "online_retail_sample.csv", dtype=str, keep_default_na=False)
    raw["Description"] = raw["Description"].str.strip()
    expected: dict[str, str] = {}
    for sku, group in raw.groupby("StockCode", sort=False):
        counts = Counter(group["Description"])
        best = max(counts.values())
        expected[sku] = next(
            d for d in group["Description"] if counts[d] == best
        )  # ties: first seen
    with engine.connect() as conn:
        stored = dict(conn.execute(select(products.c.sku, products.c.name)).all())
    assert stored == expected
    assert sum(1 for _, g in raw.groupby("StockCode") if g["Description"].nunique() > 1) > 0


def test_importing_the_sample_twice_changes_nothing(engine: Engine, datasets: Path) -> None:
    _retail(engine, datasets)
    before = snapshot(engine)
    again = _retail(engine, datasets)
    assert not again.changed
    assert again.tables["order_lines"].unchanged == 4792
    assert snapshot(engine) == before


def test_bad_rows_are_named_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    before = snapshot(engine)
    path = write(
        tmp_path / "s.csv",
        """
order_id,customer_id,date,sku,quantity,amount,product_name
1,C1,2026-03-01,D1,2,20,Drill
1,C1,2026-13-45,D1,2,20,Drill
2,C9,2026-03-02,D1,1,10,Drill
3,C2,2026-03-02,X9,1,abc,
4,,2026-03-02,D1,1,10,Drill
""",
    )
    with pytest.raises(ImportFailed) as err:
        import_file(engine, "sales", path)
    found = {(e.line, e.column) for e in err.value.errors}
    assert found == {(3, "date"), (4, "customer_id"), (5, "amount"), (6, "customer_id")}
    reasons = " ".join(e.reason for e in err.value.errors)
    assert "'2026-13-45'" in reasons and "'C9'" in reasons and "'abc'" in reasons
    assert "line 3, column date" in str(err.value)
    assert snapshot(engine) == before


def test_an_unknown_sku_without_a_product_name_is_an_error(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    path = write(
        tmp_path / "s.csv",
        "order_id,customer_id,date,sku,quantity,amount\n1,C1,2026-03-01,NOPE,1,5\n",
    )
    with pytest.raises(ImportFailed) as err:
        import_file(engine, "sales", path)
    assert [(e.line, e.column) for e in err.value.errors] == [(2, "sku")]
    assert count(engine, "orders") == 0


def test_at_most_twenty_errors_are_listed_then_a_count(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    lines = "".join(f"{i},C1,2026-03-01,D1,x{i},5,Drill\n" for i in range(25))
    path = write(
        tmp_path / "s.csv", "order_id,customer_id,date,sku,quantity,amount,product_name\n" + lines
    )
    with pytest.raises(ImportFailed) as err:
        import_file(engine, "sales", path, chunk=7)
    assert err.value.total == 25
    assert [e.line for e in err.value.errors] == list(range(2, 22))
    assert "and 5 more" in str(err.value)


def test_formats_day_first_dates_decimal_commas_and_unknown_products(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(engine, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    path = write(
        tmp_path / "s.csv",
        """
Order_ID;Customer_ID;DATE;SKU;Quantity;Amount;Product_Name
A-1;C1;01.03.2026;D1;2;1 234,50;Super Drill
A-1;C1;01.03.2026;S1;-1;-10,5;Saw
""",
        bom=True,
    )
    report = import_file(engine, "sales", path)
    assert report.tables["products"].created == 2
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                orders.c.order_no,
                orders.c.date,
                order_lines.c.line_no,
                products.c.name,
                order_lines.c.amount,
            )
            .join(order_lines, order_lines.c.order_id == orders.c.id)
            .join(products, products.c.id == order_lines.c.product_id)
            .order_by(order_lines.c.line_no)
        ).all()
    assert [(r[0], r[1].isoformat(), r[2], r[3], r[4]) for r in rows] == [
        ("A-1", "2026-03-01", 1, "Super Drill", 1234.5),
        ("A-1", "2026-03-01", 2, "Saw", -10.5),
    ]


def test_a_changed_line_is_updated_on_reimport(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    head = "order_id,customer_id,date,sku,quantity,amount,product_name\n"
    import_file(
        engine,
        "sales",
        write(
            tmp_path / "s.csv",
            head + "1,C1,2026-03-01,D1,2,20,Drill\n1,C1,2026-03-01,D1,1,10,Drill\n",
        ),
    )
    report = import_file(
        engine,
        "sales",
        write(
            tmp_path / "s.csv",
            head + "1,C1,2026-03-01,D1,2,20,Drill\n1,C1,2026-03-01,D1,3,30,Drill\n",
        ),
    )
    assert report.tables["order_lines"].updated == 1 and report.tables["order_lines"].unchanged == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.sum(order_lines.c.amount))).scalar_one() == 50
