"""Sales imports chunk by chunk: last-line customer attributes, orders replaced by the file's lines,
orders and product names that span chunks, and line numbers of records with line breaks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select

from storage.imports import ImportFailed, import_file
from storage.schema import customers, order_lines, orders, products
from tests.storage._import_helpers import snapshot, write

HEAD = "order_id,customer_id,date,sku,quantity,amount,product_name\n"


def _lines(engine: Engine) -> list[tuple]:
    """(order_no, line_no, sku, quantity, amount) for every stored line."""
    with engine.connect() as conn:
        query = (select(orders.c.order_no, order_lines.c.line_no, products.c.sku, order_lines.c.quantity,
                        order_lines.c.amount)
                 .join(order_lines, order_lines.c.order_id == orders.c.id)
                 .join(products, products.c.id == order_lines.c.product_id)
                 .order_by(orders.c.order_no, order_lines.c.line_no))  # fmt: skip
        return [tuple(r) for r in conn.execute(query)]


@pytest.mark.parametrize("chunk", [1, 2, 50_000])
def test_create_customers_takes_each_attribute_from_the_last_line_that_has_it(
    engine: Engine, tmp_path: Path, chunk: int
) -> None:
    path = write(tmp_path / "s.csv", """
order_id,customer_id,date,sku,quantity,amount,product_name,name,city,country
1,C1,2026-03-05,D1,1,10,Drill,Zeta Ltd,Omsk,Russia
2,C1,2026-03-01,D1,1,10,Drill,Acme,Kazan,
3,C1,2026-03-09,D1,1,10,Drill,,,
4,C2,2026-03-02,D1,1,10,Drill,,,
""")  # fmt: skip
    report = import_file(engine, "sales", path, create_customers=True, chunk=chunk)
    with engine.connect() as conn:
        rows = {r.external_id: r for r in conn.execute(select(customers))}
    assert (rows["C1"].name, rows["C1"].city, rows["C1"].country) == ("Acme", "Kazan", "Russia")
    assert rows["C1"].created_at == date(2026, 3, 1)  # the first order date, not the first line's
    assert (rows["C2"].name, rows["C2"].city) == ("C2", None)  # no name: named by its id
    assert report.tables["customers"].created == 2
    update = write(tmp_path / "u.csv", """
order_id,customer_id,date,sku,quantity,amount,product_name,name,city,country
1,C1,2026-03-05,D1,1,10,Drill,,Tver,
1,C1,2026-03-05,D1,1,10,Drill,,Kazan,
""")  # fmt: skip
    report = import_file(engine, "sales", update, create_customers=True, chunk=chunk)
    counts = report.tables["customers"]
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, 1)  # Kazan is last again
    with engine.connect() as conn:
        assert conn.execute(select(customers.c.created_at).where(customers.c.external_id == "C1")).scalar_one() \
            == date(2026, 3, 1)  # fmt: skip


@pytest.mark.parametrize("chunk", [1, 2, 50_000])
def test_an_order_in_the_file_is_replaced_by_the_files_lines(
    engine: Engine, tmp_path: Path, chunk: int
) -> None:
    import_file(
        engine, "customers", write(tmp_path / "c.csv", "external_id,name\nC1,Acme\nC2,Globex\n")
    )
    first = HEAD + ("1,C1,2026-03-01,D1,1,10,Drill\n1,C1,2026-03-01,S1,2,4,Saw\n1,C1,2026-03-01,H1,3,9,Hammer\n"
                    "2,C2,2026-03-02,D1,1,10,Drill\n")  # fmt: skip
    import_file(engine, "sales", write(tmp_path / "s.csv", first), chunk=chunk)
    with engine.connect() as conn:
        kept_id = conn.execute(select(order_lines.c.id).where(order_lines.c.line_no == 1)
                               .join(orders).where(orders.c.order_no == "1")).scalar_one()  # fmt: skip
    shorter = HEAD + "1,C2,2026-03-03,D1,1,10,Drill\n1,C1,2026-03-01,S1,5,10,Saw\n"
    report = import_file(engine, "sales", write(tmp_path / "s2.csv", shorter), chunk=chunk)
    lines, heads = report.tables["order_lines"], report.tables["orders"]
    assert (lines.created, lines.updated, lines.unchanged, lines.removed) == (0, 1, 1, 1)
    assert (heads.created, heads.updated, heads.unchanged) == (0, 1, 0)
    assert "order_lines 0 created, 1 updated, 1 unchanged, 1 removed" in report.summary()
    assert _lines(engine) == [("1", 1, "D1", 1, 10), ("1", 2, "S1", 5, 10), ("2", 1, "D1", 1, 10)]
    with engine.connect() as conn:
        head = conn.execute(select(orders.c.customer_id, orders.c.date, customers.c.external_id)
                            .join(customers).where(orders.c.order_no == "1")).one()  # fmt: skip
        same_id = conn.execute(select(order_lines.c.id).where(order_lines.c.line_no == 1)
                               .join(orders).where(orders.c.order_no == "1")).scalar_one()  # fmt: skip
    assert (head.external_id, head.date) == (
        "C2",
        date(2026, 3, 3),
    )  # the first line's customer/date
    assert same_id == kept_id  # an unchanged line keeps its row
    before = snapshot(engine)
    again = import_file(engine, "sales", write(tmp_path / "s2.csv", shorter), chunk=chunk)
    assert not again.changed and snapshot(engine) == before
    longer = shorter + "1,C2,2026-03-03,H1,1,3,Hammer\n"
    added = import_file(engine, "sales", write(tmp_path / "s3.csv", longer), chunk=chunk)
    assert (added.tables["order_lines"].created, added.tables["order_lines"].unchanged) == (1, 2)


def test_an_order_spread_over_chunks_is_numbered_in_file_order(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(engine, "customers", write(tmp_path / "c.csv", "external_id,name\nC1,Acme\n"))
    path = write(tmp_path / "s.csv", HEAD + (
        "A,C1,2026-03-01,D1,1,1,Drill\nB,C1,2026-03-01,D1,1,2,Drill\nA,C1,2026-03-01,D1,1,3,Drill\n"
        "C,C1,2026-03-01,D1,1,4,Drill\nA,C1,2026-03-01,D1,1,5,Drill\nB,C1,2026-03-01,D1,1,6,Drill\n"))  # fmt: skip
    report = import_file(engine, "sales", path, chunk=2)
    assert report.tables["orders"].created == 3 and report.tables["order_lines"].created == 6
    assert [(o, n, a) for o, n, _, _, a in _lines(engine)] == [
        ("A", 1, 1),
        ("A", 2, 3),
        ("A", 3, 5),
        ("B", 1, 2),
        ("B", 2, 6),
        ("C", 1, 4),
    ]
    before = snapshot(engine)
    again = import_file(engine, "sales", path, chunk=4)  # other chunk borders, same numbering
    assert not again.changed and again.tables["order_lines"].unchanged == 6
    assert snapshot(engine) == before


def test_a_product_named_in_a_later_chunk_and_one_never_named(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(engine, "customers", write(tmp_path / "c.csv", "external_id,name\nC1,Acme\n"))
    named_later = (
        HEAD + "1,C1,2026-03-01,N1,1,1,\n2,C1,2026-03-01,N1,1,1,Nail\n3,C1,2026-03-01,N1,1,1,Nail\n"
    )
    report = import_file(engine, "sales", write(tmp_path / "s.csv", named_later), chunk=1)
    assert report.tables["products"].created == 1
    with engine.connect() as conn:
        assert conn.execute(select(products.c.name)).scalar_one() == "Nail"
    before = snapshot(engine)
    never = HEAD + "9,C1,2026-03-01,X1,1,1,\n9,C1,2026-03-01,N1,1,1,\n9,C1,2026-03-01,X1,1,1,\n"
    with pytest.raises(ImportFailed) as err:
        import_file(engine, "sales", write(tmp_path / "s2.csv", never), chunk=2)
    assert [(e.line, e.column) for e in err.value.errors] == [(2, "sku"), (4, "sku")]
    assert snapshot(engine) == before
    indexes = {i["name"] for t in ("orders", "order_lines") for i in inspect(engine).get_indexes(t)}
    assert {
        "ix_order_lines_product_order_amount",
        "ix_orders_date_customer",
    } <= indexes  # rolled back too


def test_line_breaks_inside_quoted_cells_keep_error_lines_right(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(engine, "customers", write(tmp_path / "c.csv", "external_id,name\nC1,Acme\n"))
    path = write(
        tmp_path / "s.csv",
        HEAD
        + (
            '1,C1,2026-03-01,D1,1,10,"Drill\nwith a case"\n'  # lines 2-3
            '1,C1,2026-03-01,S1,1,5,"Saw ""XL""\n\nlong"\n'  # lines 4-6
            "2,C1,2026-13-45,D1,1,10,Drill\n"  # line 7: bad date
            '3,C1,2026-03-01,D1,x,10,"Drill"\n'
        ),
    )  # line 8: bad quantity; fmt: skip
    with pytest.raises(ImportFailed) as err:
        import_file(engine, "sales", path, chunk=2)
    assert [(e.line, e.column) for e in err.value.errors] == [(7, "date"), (8, "quantity")]
    good = write(tmp_path / "g.csv", HEAD + '1,C1,2026-03-01,D1,1,10,"Drill\nwith a case"\n')
    report = import_file(engine, "sales", good)
    assert report.lines == 1
    with engine.connect() as conn:
        assert conn.execute(select(products.c.name)).scalar_one() == "Drill\nwith a case"
