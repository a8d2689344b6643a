"""Call lists: an XLSX workbook with one sheet per manager, ready to phone through.

Example::

    data = call_list_xlsx(conn, select(customers.c.id).where(customers.c.city == "Berlin"), today)
    Path("calls.xlsx").write_bytes(data)
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Select

from mailing.facts import customer_facts

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["COLUMNS", "call_list_xlsx", "sheet_name"]

# column title -> fact
COLUMNS = {
    "Customer": "name",
    "Phone": "phone",
    "City": "city",
    "Manager": "manager",
    "Rating": "stars",
    "Last purchase": "last_purchase",
    "Spend (12 months)": "spend_12m",
    "Last interaction": "last_interaction",
    "Outcome": None,  # filled in by whoever calls
}
NO_MANAGER = "No manager"
_WIDTHS = {
    "Customer": 34,
    "Phone": 18,
    "City": 16,
    "Manager": 22,
    "Rating": 8,
    "Last purchase": 14,
    "Spend (12 months)": 18,
    "Last interaction": 16,
    "Outcome": 40,
}


def sheet_name(manager: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, no ``[]:*?/\\``) for ``manager``."""
    base = re.sub(r"[\[\]:*?/\\]", " ", manager).strip().strip("'")[:31] or NO_MANAGER
    name, n = base, 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def call_list_xlsx(
    conn: Connection, ids: Select, today: date, title: Callable[[str], str] = str
) -> bytes:
    """The customers in ``ids`` as an XLSX call list, one sheet per manager, biggest spend first.

    Columns: Customer, Phone, City, Manager, Rating (stars), Last purchase, Spend (12 months),
    Last interaction, Outcome (empty); ``title`` says the column titles, "No manager" and
    "Calls" in the reader's language (a gettext function). Example:
    ``call_list_xlsx(conn, select(customers.c.id), today)``
    """
    import pandas as pd  # only here: importing pandas costs a second at start-up

    facts = customer_facts(conn, ids, today)
    nobody = title(NO_MANAGER)
    columns = [title(t) for t in COLUMNS]
    by_manager: dict[str, list[dict]] = {}
    for f in facts.values():
        by_manager.setdefault(f["manager"] or nobody, []).append(f)
    buffer = io.BytesIO()
    taken: set[str] = set()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        if not by_manager:
            calls = title("Calls")
            pd.DataFrame(columns=columns).to_excel(writer, sheet_name=calls, index=False)
            _format(writer.sheets[calls])
        for manager in sorted(by_manager, key=lambda m: (m == nobody, m.lower())):
            rows = sorted(by_manager[manager], key=lambda f: (-f["spend_12m"], f["name"]))
            frame = pd.DataFrame(
                [
                    {
                        column: (f[key] if key else "") or ("" if key != "spend_12m" else 0.0)
                        for column, key in zip(columns, COLUMNS.values(), strict=True)
                    }
                    for f in rows
                ],
                columns=columns,
            )
            name = sheet_name(manager, taken)
            frame.to_excel(writer, sheet_name=name, index=False)
            _format(writer.sheets[name])
    return buffer.getvalue()


def _format(sheet: Worksheet) -> None:
    """Readable widths, a frozen header row and an autofilter."""
    from openpyxl.utils import get_column_letter

    for i, english in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(english, 14)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for cell in sheet["G"][1:]:
        cell.number_format = "#,##0.00"
    for col in ("F", "H"):
        for cell in sheet[col][1:]:
            cell.number_format = "yyyy-mm-dd"
