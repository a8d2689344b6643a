"""What went wrong in an import: row errors (line, column, reason) and the one exception.

Example::

    errors = ErrorList()
    errors.add(7, "amount", "'12,3,4' is not a number")
    errors.raise_if_any("sales.csv")   # ImportFailed: sales.csv: 1 bad row …
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RowError", "ImportFailed", "ErrorList", "MAX_SHOWN"]

MAX_SHOWN = 20
_KEEP = 2_000  # errors kept before the first MAX_SHOWN by line are chosen


@dataclass(frozen=True, order=True)
class RowError:
    """One bad value: the file's line number (1 is the header), the column and why."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


class ImportFailed(Exception):
    """An import that changed nothing; ``errors`` lists the first bad rows, ``total`` counts all."""

    def __init__(
        self, source: str, errors: list[RowError], total: int | None = None, hint: str = ""
    ):
        self.source = source
        self.errors = errors
        self.total = len(errors) if total is None else total
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        n = self.total
        head = f"{self.source}: nothing imported, {n} error{'s' if n != 1 else ''}"
        body = "; ".join(str(e) for e in self.errors)
        more = f"; … and {n - len(self.errors)} more" if n > len(self.errors) else ""
        hint = f". {self.hint}" if self.hint else ""
        return f"{head}: {body}{more}{hint}"

    def lines(self) -> list[str]:
        """The report as separate lines, for a terminal."""
        out = [f"{self.source}: nothing imported, {self.total} error(s)"]
        out += [f"  {e}" for e in self.errors]
        if self.total > len(self.errors):
            out.append(f"  … and {self.total - len(self.errors)} more")
        if self.hint:
            out.append(self.hint)
        return out


class ErrorList:
    """Collects row errors; keeps the first ``MAX_SHOWN`` by line and counts them all."""

    def __init__(self) -> None:
        self._kept: list[RowError] = []
        self.total = 0

    def add(self, line: int, column: str, reason: str) -> None:
        self.total += 1
        self._kept.append(RowError(int(line), column, reason))
        if len(self._kept) > _KEEP:
            self._kept = sorted(self._kept)[:MAX_SHOWN]

    def count(self, extra: int) -> None:
        """Count errors that were found but not listed (beyond a query's LIMIT)."""
        self.total += extra

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self, source: str, hint: str = "") -> None:
        if self.total:
            raise ImportFailed(source, sorted(set(self._kept))[:MAX_SHOWN], self.total, hint)
