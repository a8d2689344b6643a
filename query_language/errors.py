"""QueryError: what went wrong, where in the query, what was expected and what to try instead.

Every message of the query language is worded here, so that the wording lives in one module.

Example::

    err = QueryError("I don't know 'Moskow'", span=(0, 6), suggestions=["Moscow"])
    err.render("Moskow buyers")   # the query, a caret line, and 'did you mean Moscow?'
"""

from __future__ import annotations

from typing import Any

__all__ = ["QueryError", "unknown_word", "unexpected", "ambiguous"]


class QueryError(Exception):
    """A query that cannot be understood; carries the span of the offending words."""

    def __init__(
        self,
        message: str,
        *,
        span: tuple[int, int] = (0, 0),
        expected: list[str] | None = None,
        suggestions: list[str] | None = None,
        choices: list[tuple[str, str]] | None = None,
        text: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = (int(span[0]), int(span[1]))
        self.expected = list(expected or [])
        self.suggestions = list(suggestions or [])
        self.choices = list(choices or [])
        self.text = text

    def __str__(self) -> str:
        hint = ""
        if self.suggestions:
            hint = "; did you mean " + " or ".join(f"'{s}'" for s in self.suggestions[:3]) + "?"
        elif self.choices:
            hint = "; say " + " or ".join(f"'{q}'" for _label, q in self.choices)
        elif self.expected:
            hint = "; expected " + ", ".join(self.expected[:6])
        where = f" at {self.span[0] + 1}" if self.text is not None else ""
        return f"{self.message}{where}{hint}"

    def to_json(self) -> dict[str, Any]:
        """``{"error", "position": [start, end], "suggestions"}`` plus ``choices`` when ambiguous."""
        out: dict[str, Any] = {
            "error": self.message,
            "position": [self.span[0], self.span[1]],
            "suggestions": list(self.suggestions),
        }
        if self.expected:
            out["expected"] = list(self.expected)
        if self.choices:
            out["choices"] = [{"label": label, "query": q} for label, q in self.choices]
        return out

    def render(self, text: str | None = None) -> str:
        """The query, a caret line under the span, what was expected, and 'did you mean …'."""
        text = self.text if text is None else text
        lines = [self.message]
        if text is not None:
            start, end = self.span
            lines.append("  " + text)
            lines.append("  " + " " * start + "^" * max(1, end - start))
        if self.expected:
            lines.append("expected: " + ", ".join(self.expected[:8]))
        if self.suggestions:
            lines.append("did you mean: " + ", ".join(self.suggestions[:5]) + "?")
        for label, q in self.choices:
            lines.append(f"  {label}: {q}")
        return "\n".join(lines)


def unknown_word(text: str, span: tuple[int, int], suggestions: list[str], expected: list[str] | None = None) -> QueryError:
    word = text[span[0]:span[1]]
    return QueryError(f"I don't know '{word}'", span=span, suggestions=suggestions,
                      expected=expected or ["a known value or keyword"], text=text)


def unexpected(text: str, span: tuple[int, int], expected: list[str]) -> QueryError:
    if span[0] >= len(text):
        return QueryError("the query ends too early", span=(len(text), len(text)),
                          expected=expected, text=text)
    word = text[span[0]:span[1]]
    return QueryError(f"I did not expect '{word}' here", span=span, expected=expected, text=text)


def ambiguous(text: str, span: tuple[int, int], choices: list[tuple[str, str]]) -> QueryError:
    word = text[span[0]:span[1]]
    kinds = " or ".join(label for label, _q in choices)
    return QueryError(f"'{word}' could mean {kinds}; which one?", span=span, choices=choices,
                      expected=[label for label, _q in choices], text=text)
