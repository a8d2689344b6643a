"""Reading CSV and XLSX files in chunks, with normalised column names and ``--map`` renames.

Every chunk is a DataFrame of stripped strings ('' for empty) whose index is the file's line
number (the header is line 1), so errors can name the line.

Example::

    table = open_table(Path("sales.csv"), {"InvoiceNo": "order_id"})
    for chunk in table.chunks(50_000):
        chunk["order_id"]
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from storage.importing.errors import ImportFailed, RowError

__all__ = ["Table", "open_table", "normalise_name"]

_SEP = re.compile(r"[\s\-]+")
_SPACE = re.compile(r"\s")
_EDGE_SPACE = re.compile(r"^\s|\s$|\s\x00|\x00\s")


def normalise_name(header: str) -> str:
    """``" External ID "`` → ``external_id``: column names compare case-insensitively."""
    return _SEP.sub("_", str(header).strip().lstrip("\ufeff").lower())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(" ", "minutes") if value.second == 0 else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass
class Table:
    """An opened import file: its columns (after renames) and a way to read it in chunks."""

    path: Path
    columns: list[str]  # normalised, after --map
    labels: dict[str, str]  # normalised name -> header as written
    lines: int  # data lines, approximately (for progress)
    _sep: str = ","
    _multiline: bool = False  # a quoted cell holds a line break
    _renames: dict[str, str] = field(default_factory=dict)

    def chunks(self, size: int) -> Iterator[pd.DataFrame]:
        if self._sep == "xlsx":
            frames = self._xlsx_chunks(size)
        else:
            frames = self._record_chunks(size) if self._multiline else self._csv_chunks(size)
        for df in frames:
            df.columns = self.columns
            for c in df.columns:
                if _needs_strip(values := df[c].tolist()):
                    df[c] = [v.strip() for v in values]
            blank = df.iloc[:, 0] == ""
            if blank.any():
                df = df[(df != "").any(axis=1)]
            if len(df):
                yield df

    def _csv_chunks(self, size: int) -> Iterator[pd.DataFrame]:
        """The fast path: one record per physical line, so the record number is the line."""
        reader = pd.read_csv(
            self.path, sep=self._sep, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, encoding="utf-8-sig", chunksize=size, engine="c",
        )  # fmt: skip
        try:
            for df in reader:
                df.index = df.index + 2
                yield df
        except pd.errors.ParserError as e:
            m = re.search(r"line (\d+)", str(e))
            line = int(m.group(1)) if m else 0
            raise ImportFailed(str(self.path), [RowError(line, "*", _first_line(e))]) from None

    def _record_chunks(self, size: int) -> Iterator[pd.DataFrame]:
        """Quoted cells span lines: read with ``csv`` so each record keeps its first line number."""
        width = len(self.columns)
        with self.path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, delimiter=self._sep)
            batch: list[list[str]] = []
            lines: list[int] = []
            start = 2
            try:
                next(reader, None)
                for row in reader:
                    if len(row) > width:
                        why = f"expected {width} fields, saw {len(row)}"
                        raise ImportFailed(str(self.path), [RowError(start, "*", why)])
                    batch.append(row + [""] * (width - len(row)))
                    lines.append(start)
                    start = reader.line_num + 1
                    if len(batch) == size:
                        yield pd.DataFrame(batch, index=lines, dtype=object)
                        batch, lines = [], []
            except (csv.Error, UnicodeDecodeError) as e:
                raise ImportFailed(str(self.path), [RowError(start, "*", _first_line(e))]) from None
            if batch:
                yield pd.DataFrame(batch, index=lines, dtype=object)

    def _xlsx_chunks(self, size: int) -> Iterator[pd.DataFrame]:
        from openpyxl import load_workbook

        book = load_workbook(self.path, read_only=True, data_only=True)
        try:
            rows = book.worksheets[0].iter_rows(min_row=2, values_only=True)
            width = len(self.columns)
            batch: list[list[str]] = []
            start = line = 2
            for line, row in enumerate(rows, start=2):
                cells = [_cell(v) for v in row[:width]]
                batch.append(cells + [""] * (width - len(cells)))
                if len(batch) == size:
                    yield pd.DataFrame(batch, index=range(start, line + 1), dtype=str)
                    batch, start = [], line + 1
            if batch:
                yield pd.DataFrame(batch, index=range(start, start + len(batch)), dtype=str)
        finally:
            book.close()


def _needs_strip(values: list[str]) -> bool:
    """Whether any cell starts or ends with whitespace (one C-speed scan, not a loop)."""
    joined = "\x00".join(values)
    return _SPACE.search(joined) is not None and _EDGE_SPACE.search(joined) is not None


def _scan(path: Path) -> tuple[int, bool]:
    """Count the lines and tell whether a quoted cell spans lines (an odd quote before a newline)."""
    newlines, inside, multiline = 0, False, False
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            newlines += block.count(b"\n")
            if not multiline and b'"' in block:
                parts = block.split(b'"')
                multiline = b"\n" in b"".join(parts[0 if inside else 1 :: 2])
                inside ^= (len(parts) - 1) % 2 == 1
    return newlines, multiline


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _headers(path: Path) -> tuple[list[str], str, int, bool]:
    """Headers, separator, line count, and whether quoted cells span lines."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            first = next(sheet.iter_rows(max_row=1, values_only=True), ())
            headers = [_cell(v) for v in first]
            while headers and headers[-1] == "":
                headers.pop()
            return headers, "xlsx", max((sheet.max_row or 1) - 1, 0), False
        finally:
            book.close()
    try:
        with path.open(encoding="utf-8-sig") as f:
            header = f.readline()
    except UnicodeDecodeError:
        raise ImportFailed(str(path), [RowError(1, "*", "the file is not UTF-8 text")],
                           hint="Save it as 'CSV UTF-8' (or XLSX) and import again") from None  # fmt: skip
    sep = max((";", ",", "\t"), key=header.count)
    newlines, multiline = _scan(path)
    headers = next(csv.reader([header.rstrip("\r\n")], delimiter=sep), [])
    return headers, sep, max(newlines - 1, 0), multiline


def open_table(path: Path, mapping: Mapping[str, str] | None = None) -> Table:
    """Open ``path`` (CSV or XLSX) and apply ``mapping`` (SOURCE → TARGET, case-insensitive).

    Example::

        open_table(Path("orders.xlsx"), {"Kunde": "customer_id"}).columns
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFailed(str(path), [RowError(0, "*", "no such file")])
    try:
        headers, sep, lines, multiline = _headers(path)
    except ImportFailed:
        raise
    except Exception as e:  # noqa: BLE001 - a damaged file is the user's to fix, say so
        raise ImportFailed(str(path), [RowError(1, "*", f"cannot read the file: {_first_line(e)}")],
                           hint="Use CSV (UTF-8, comma or semicolon) or XLSX") from None  # fmt: skip
    names = [normalise_name(h) for h in headers]
    renames = {normalise_name(s): normalise_name(t) for s, t in (mapping or {}).items()}
    problems = [
        RowError(1, source, f"--map {source}={target}: the file has no column {source!r}; "
                 f"its columns are {', '.join(headers)}")
        for source, target in (mapping or {}).items() if normalise_name(source) not in names
    ]  # fmt: skip
    columns = [renames.get(n, n) for n in names]
    seen: set[str] = set()
    for name in columns:
        if name in seen or name == "":
            why = "a column has no name" if name == "" else f"two columns are called {name!r}"
            problems.append(RowError(1, name or "?", why))
        seen.add(name)
    if problems:
        raise ImportFailed(str(path), problems)
    labels = {c: h.strip() for c, h in zip(columns, headers, strict=True)}
    return Table(path, columns, labels, lines, sep, multiline, renames)
