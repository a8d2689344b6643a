"""What every importer shares: the run (connection, errors, today), column checks, cell
conversion with row errors, staging, reference checks and name resolvers.

Example::

    run = Run(conn, "sales.csv", today=date(2026, 11, 22))
    amounts = run.convert(chunk, "amount", parse_numbers, "a number")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, func, select

from storage.bulk import MergeCounts, insert_rows
from storage.importing.errors import ErrorList, ImportFailed, RowError
from storage.importing.reading import Table
from storage.schema import managers, tags

__all__ = ["Run", "Parser", "require_columns", "ManagerNames", "TagNames", "surname_of"]

Parser = Callable[[pd.Series], tuple[pd.Series, pd.Series]]


@dataclass
class Run:
    """One import in progress: all of it happens in ``conn``'s single transaction."""

    conn: Connection
    source: str
    today: date
    progress: Callable[[int, int], None] | None = None
    total_lines: int = 0
    errors: ErrorList = field(default_factory=ErrorList)
    counts: dict[str, MergeCounts] = field(default_factory=dict)
    done: int = 0
    actor: Any = None  # who imports (storage.changes.Actor), for the audit log; None: the CLI
    phone_region: str | None = "RU"  # the country of phones written without one (E.164 column)

    def count(self, table: str, counts: MergeCounts) -> None:
        self.counts[table] = self.counts.get(table, MergeCounts()) + counts

    def advance(self, chunk: pd.DataFrame) -> None:
        """Count the chunk's records; report progress in the file's lines."""
        self.done += len(chunk)
        if self.progress and len(chunk):
            self.progress(min(int(chunk.index[-1]) - 1, self.total_lines), self.total_lines)

    def convert(self, chunk: pd.DataFrame, column: str, parse: Parser, what: str) -> pd.Series:
        """Parse ``column`` (None where empty); each unreadable cell becomes a row error."""
        values, bad = parse(chunk[column])
        for line, cell in chunk[column][bad].items():
            self.errors.add(int(line), column, f"{cell!r} is not {what}")
        return values

    def required(self, chunk: pd.DataFrame, column: str) -> pd.Series:
        """Mask of rows where ``column`` is empty, each recorded as an error."""
        empty = chunk[column] == ""
        for line in chunk.index[empty]:
            self.errors.add(int(line), column, "empty, but required")
        return empty

    def choice(
        self, chunk: pd.DataFrame, column: str, allowed: Sequence[str], *, upper: bool = False
    ) -> pd.Series:
        """A column of fixed words (case-insensitive); None where empty."""
        cells = chunk[column].str.upper() if upper else chunk[column].str.lower()
        bad = (cells != "") & ~cells.isin(allowed)
        for line, cell in chunk[column][bad].items():
            self.errors.add(int(line), column, f"{cell!r} is not one of {', '.join(allowed)}")
        return cells.where((cells != "") & ~bad, None)

    def text(self, chunk: pd.DataFrame, column: str, limit: int | None) -> pd.Series:
        """A text column (None where empty); cells longer than ``limit`` are row errors."""
        cells = chunk[column]
        bad = cells.str.len() > limit if limit else cells != cells
        for line, cell in cells[bad].items():
            self.errors.add(int(line), column, f"{len(cell)} characters, at most {limit} fit")
        return cells.where((cells != "") & ~bad, None)

    def stage(self, table: Any, frame: dict[str, Any], keep: pd.Series) -> None:
        """Insert the kept rows of ``frame`` (column → values, aligned on the chunk) into ``table``."""
        mask = keep.to_numpy(dtype=bool)
        columns = [_python(v, keep.index)[mask].tolist() for v in frame.values()]
        insert_rows(self.conn, table, list(frame), zip(*columns, strict=True))

    def reference_errors(
        self, query: Select[Any], column: str, reason: Callable[[Any], str]
    ) -> None:
        """Record a row error for each (line, value) the query finds (the first 20, then a count)."""
        found = self.conn.execute(query.order_by(query.selected_columns[0]).limit(20)).all()
        for line, value in found:
            self.errors.add(line, column, reason(value))
        if len(found) == 20:
            total = self.conn.execute(
                select(func.count()).select_from(query.subquery())
            ).scalar_one()
            self.errors.count(total - 20)

    def check(self, hint: str = "") -> None:
        self.errors.raise_if_any(self.source, hint)


def _python(values: Any, index: pd.Index) -> Any:
    """An object array of plain Python values (None for missing), whatever pandas inferred."""
    series = (
        values
        if isinstance(values, pd.Series)
        else pd.Series(list(values), index=index, dtype=object)
    )
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = series.array.to_pydatetime().astype(object)
    else:
        out = series.to_numpy(dtype=object)
    missing = pd.isna(out)
    if missing.any():
        out = out.copy()
        out[missing] = None
    return out


def require_columns(table: Table, required: Iterable[str], kind: str) -> None:
    """Fail when the file lacks a required column; suggest ``--map``."""
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ImportFailed(
            str(table.path),
            [RowError(1, c, "required column is missing") for c in missing],
            hint=f"A {kind} file needs {', '.join(missing)}; its columns are "
            f"{', '.join(table.labels.values())}. Rename with --map SOURCE=TARGET",
        )


def surname_of(name: str) -> str:
    return name.split()[-1] if name.split() else name


class ManagerNames:
    """Manager names → ids: full name, or a surname that names one manager; unknown names are
    created (surname = last word)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.by_name: dict[str, int] = {}
        self.by_surname: dict[str, list[int]] = {}
        for mid, name, surname in run.conn.execute(
            select(managers.c.id, managers.c.name, managers.c.surname)
        ):
            self._remember(mid, name, surname)

    def _remember(self, mid: int, name: str, surname: str) -> None:
        self.by_name[name.lower()] = mid
        self.by_surname.setdefault(surname.lower(), []).append(mid)

    def _known(self, name: str) -> int | None:
        low = " ".join(name.split()).lower()
        if low in self.by_name:
            return self.by_name[low]
        same = self.by_surname.get(low, []) if " " not in low else []
        return same[0] if len(same) == 1 else None

    def _create(self, new: list[str]) -> None:
        if not new:
            return
        rows = [(n, surname_of(n), "rep") for n in new]
        insert_rows(self.run.conn, managers, ["name", "surname", "role"], rows)
        query = select(managers.c.id, managers.c.name, managers.c.surname).where(
            managers.c.name.in_(new)
        )
        for mid, name, surname in self.run.conn.execute(query):
            self._remember(mid, name, surname)
        self.run.count("managers", MergeCounts(created=len(new)))

    def ids(self, names: pd.Series) -> pd.Series:
        """Ids for a column of names (None where empty), creating the unknown managers."""
        for full_names_first in (True, False):  # "Petrov" may be the "Ivan Petrov" just created
            wanted = {n for n in names.unique() if n and (" " in n.strip()) == full_names_first}
            self._create(
                sorted(
                    {
                        n.lower(): " ".join(n.split()) for n in wanted if self._known(n) is None
                    }.values()
                )
            )
        known = [self._known(n) if n else None for n in names]
        return pd.Series(known, index=names.index, dtype=object)


class TagNames:
    """Tag names (lower case) → ids, creating the unknown tags."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.ids = {n: i for i, n in run.conn.execute(select(tags.c.id, tags.c.name))}

    def resolve(self, names: Iterable[str]) -> dict[str, int]:
        new = sorted({n for n in names if n not in self.ids})
        if new:
            insert_rows(self.run.conn, tags, ["name"], [(n,) for n in new])
            self.ids.update(
                {
                    n: i
                    for i, n in self.run.conn.execute(
                        select(tags.c.id, tags.c.name).where(tags.c.name.in_(new))
                    )
                }
            )
            self.run.count("tags", MergeCounts(created=len(new)))
        return self.ids
