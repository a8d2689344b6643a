"""Call lists: one sheet per manager, read back with pandas."""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine, select

from mailing import call_list_xlsx
from mailing.call_lists import COLUMNS, sheet_name
from storage.schema import customers
from tests.mailing.conftest import TODAY, add_interaction, add_order


def test_one_sheet_per_manager_with_every_column(seeded: Engine) -> None:
    with seeded.begin() as conn:
        ids = list(conn.scalars(select(customers.c.id).order_by(customers.c.id)))
        add_order(conn, ids[2], date(2026, 9, 1), 500.0)
        add_order(conn, ids[2], date(2026, 10, 1), 250.0)
        add_interaction(conn, ids[2], datetime(2026, 11, 2, 15, 0))
        conn.execute(customers.update().where(customers.c.id == ids[9]).values(manager_id=None))
        data = call_list_xlsx(
            conn, select(customers.c.id).where(customers.c.city == "Berlin"), TODAY
        )
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert list(sheets) == ["Anna Ivanova", "Boris Petrov", "No manager"]
    anna = sheets["Anna Ivanova"]
    assert list(anna.columns) == list(COLUMNS)
    assert len(anna) == 5 and len(sheets["Boris Petrov"]) == 4 and len(sheets["No manager"]) == 1
    top = anna.iloc[0]  # biggest spend first
    assert top["Customer"] == "Customer 3" and top["Spend (12 months)"] == 750.0
    assert top["Rating"] == "★" and top["Phone"] == "+49 30 0003"
    assert pd.Timestamp(top["Last purchase"]).date() == date(2026, 10, 1)
    assert pd.Timestamp(top["Last interaction"]).date() == date(2026, 11, 2)
    assert anna["Outcome"].isna().all()
    assert set(anna["Manager"]) == {"Anna Ivanova"}


def test_an_empty_call_list_still_opens(seeded: Engine) -> None:
    with seeded.connect() as conn:
        data = call_list_xlsx(
            conn, select(customers.c.id).where(customers.c.city == "Nowhere"), TODAY
        )
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert list(sheets) == ["Calls"] and list(sheets["Calls"].columns) == list(COLUMNS)


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_name("A/B: C?", taken) == "A B  C"
    long = "Konstantin Konstantinopolsky-Petrovsky"
    first, second = sheet_name(long, taken), sheet_name(long, taken)
    assert len(first) == 31 and len(second) <= 31 and first != second
