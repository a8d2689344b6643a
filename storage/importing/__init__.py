"""Imports of customers, products, sales, interactions and managers from CSV or XLSX.

All-or-nothing (one transaction; any bad row changes nothing and is named by line, column and
reason) and idempotent (upserts on the natural keys). See ``docs/importing.md``.

Example::

    report = import_file(engine, "sales", Path("online_retail_sample.csv"),
                         mapping={"InvoiceNo": "order_id", ...}, create_customers=True,
                         amount_from="UnitPrice")
    print(report.summary())
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from storage.bulk import MergeCounts
from storage.changes import Actor
from storage.importing.errors import ImportFailed, RowError
from storage.importing.pragmas import IMPORT_CACHE_KIB, import_settings

__all__ = ["KINDS", "ImportFailed", "ImportReport", "RowError", "import_file"]

KINDS = ("customers", "products", "sales", "interactions", "managers")
ANALYZE_AFTER = 50_000  # lines; planner statistics matter after a big load


@dataclass(frozen=True)
class ImportReport:
    """What an import did: lines read and, per table, rows created / updated / unchanged."""

    kind: str
    source: str
    lines: int
    tables: dict[str, MergeCounts]

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated or c.removed for c in self.tables.values())

    def summary(self) -> str:
        """One line, e.g. ``sales.csv: 4792 lines; orders 2093 created, 0 updated, 0 unchanged``."""
        parts = [
            f"{t} {c.created} created, {c.updated} updated, {c.unchanged} unchanged"
            + (f", {c.removed} removed" if c.removed else "")
            for t, c in self.tables.items()
        ]
        return f"{self.source}: {self.lines} lines; " + ("; ".join(parts) or "nothing to do")


def _analyze(conn: Connection, written: Mapping[str, MergeCounts]) -> None:
    """Refresh planner statistics of the tables the import wrote to (not the whole database)."""
    names = [t for t, c in written.items() if c.created or c.updated or c.removed]
    quote = conn.dialect.identifier_preparer.quote
    with conn.begin():
        for name in names:
            conn.exec_driver_sql(f"ANALYZE {quote(name)}")


def import_file(
    engine: Engine,
    kind: str,
    path: Path | str,
    *,
    mapping: Mapping[str, str] | None = None,
    create_customers: bool = False,
    amount_from: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    today: date | None = None,
    chunk: int = 50_000,
    actor: Actor | None = None,
    phone_region: str | None = "RU",
) -> ImportReport:
    """Import one file of ``kind`` (customers, products, sales, interactions, managers).

    ``mapping`` renames columns (SOURCE → TARGET, case-insensitive); ``create_customers`` makes a
    flat sales file create/update its customers; ``amount_from`` computes a sales line's amount
    as quantity × that column. ``progress(done, total)`` is called after each chunk. Raises
    ``ImportFailed`` (nothing written) with the bad rows. What it changes on existing customers'
    ratings, statuses and tags is one audited, undoable batch recorded as ``actor``'s.

    Example::

        import_file(engine, "customers", "customers.csv").summary()
    """
    # pandas and the readers load here, not with the package: ``custbot ask`` starts without them
    from storage.importing.common import Run
    from storage.importing.customers import import_customers
    from storage.importing.entities import import_interactions, import_managers, import_products
    from storage.importing.reading import open_table
    from storage.importing.sales import import_sales

    path = Path(path)
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise ImportFailed(
            str(path),
            [RowError(0, "*", f"unknown kind {kind!r}")],
            hint=f"Use one of {', '.join(KINDS)}",
        )
    if (create_customers or amount_from) and kind != "sales":
        raise ImportFailed(
            str(path),
            [RowError(0, "*", "--create-customers and --amount-from apply to sales only")],
        )
    table = open_table(path, mapping)
    cache = IMPORT_CACHE_KIB if kind == "sales" else None  # sales: the long files, measured flat
    with engine.connect() as conn, import_settings(conn, cache_kib=cache):
        try:
            with conn.begin():
                run = Run(conn, str(path), today or date.today(), progress, table.lines)
                run.actor = actor  # ratings, statuses and tags it changes: one audited batch
                run.phone_region = phone_region  # phones without a country code ([customers])
                if kind == "sales":
                    import_sales(
                        run,
                        table,
                        create_customers=create_customers,
                        amount_from=amount_from,
                        chunk=chunk,
                    )
                else:
                    {"customers": import_customers, "products": import_products, "managers": import_managers,
                     "interactions": import_interactions}[kind](run, table, chunk=chunk)  # fmt: skip
        except DBAPIError as e:
            reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
            raise ImportFailed(str(path), [RowError(0, "*", f"the database refused the data: {reason}")],
                               hint="Nothing was written; check the file against the data already stored") from e  # fmt: skip
        if run.done >= ANALYZE_AFTER:
            _analyze(conn, run.counts)
    return ImportReport(kind, path.name, run.done, dict(run.counts))
