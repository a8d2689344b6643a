"""QueryError: what went wrong, where in the query, what was expected and what to try instead.

Every message of the query language is worded here, so that the wording lives in one module.

Example::

    err = QueryError("I don't know 'Moskow'", span=(0, 6), suggestions=["Moscow"])
    err.render("Moskow buyers")   # the query, a caret line, and 'did you mean Moscow?'
"""

from __future__ import annotations

from typing import Any

__all__ = ["QueryError", "unknown_word", "unexpected", "ambiguous", "localise"]


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
        self.glue: dict[str, str] = {}  # the joining words, from the lexicon (see localise)
        self.language: str | None = None  # the language of the words, once localised

    def _g(self, key: str, default: str) -> str:
        return self.glue.get(key, default)

    def __str__(self) -> str:
        hint = ""
        if self.suggestions:
            hint = (
                f"; {self._g('did_you_mean', 'did you mean')} "
                + f" {self._g('or', 'or')} ".join(f"'{s}'" for s in self.suggestions[:3])
                + "?"
            )
        elif self.choices:
            hint = f"; {self._g('say', 'say')} " + f" {self._g('or', 'or')} ".join(
                f"'{q}'" for _label, q in self.choices
            )
        elif self.expected:
            hint = f"; {self._g('expected', 'expected')} " + ", ".join(self.expected[:6])
        where = f" {self._g('at', 'at')} {self.span[0] + 1}" if self.text is not None else ""
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
            shown, start, end = _window(text, *self.span)
            lines.append("  " + shown)
            lines.append("  " + " " * start + "^" * max(1, end - start))
        if self.expected:
            lines.append(f"{self._g('expected', 'expected')}: " + ", ".join(self.expected[:8]))
        if self.suggestions:
            lines.append(
                f"{self._g('did_you_mean', 'did you mean')}: "
                + ", ".join(self.suggestions[:5])
                + "?"
            )
        for label, q in self.choices:
            lines.append(f"  {label}: {q}")
        return "\n".join(lines)


ECHO_WIDTH = 72  # characters of the query shown above the caret line
_BEFORE = 24  # of them, at most this many before the error


def _window(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The part of a long query around the span, with … where it was cut, and the span in it."""
    if len(text) <= ECHO_WIDTH:
        return text, start, end
    lo = max(0, min(start - _BEFORE, len(text) - ECHO_WIDTH))
    hi = min(len(text), lo + ECHO_WIDTH)
    head = "…" if lo > 0 else ""
    tail = "…" if hi < len(text) else ""
    shift = len(head) - lo
    return head + text[lo:hi] + tail, start + shift, min(end, hi) + shift


def _clip(word: str, width: int = 40) -> str:
    return word if len(word) <= width else word[: width - 1] + "…"


def unknown_word(
    text: str, span: tuple[int, int], suggestions: list[str], expected: list[str] | None = None
) -> QueryError:
    word = _clip(text[span[0] : span[1]])
    return QueryError(
        f"I don't know '{word}'",
        span=span,
        suggestions=suggestions,
        expected=expected or ["a known value or keyword"],
        text=text,
    )


def unexpected(text: str, span: tuple[int, int], expected: list[str]) -> QueryError:
    if span[0] >= len(text):
        return QueryError(
            "the query ends too early", span=(len(text), len(text)), expected=expected, text=text
        )
    word = _clip(text[span[0] : span[1]])
    return QueryError(f"I did not expect '{word}' here", span=span, expected=expected, text=text)


def ambiguous(text: str, span: tuple[int, int], choices: list[tuple[str, str]]) -> QueryError:
    word = text[span[0] : span[1]]
    kinds = " or ".join(label for label, _q in choices)
    return QueryError(
        f"'{word}' could mean {kinds}; which one?",
        span=span,
        choices=choices,
        expected=[label for label, _q in choices],
        text=text,
    )


def _translate(text: str, lex: Any) -> str:
    for pattern, template in lex.messages:
        m = pattern.match(text)
        if m is None:
            continue
        groups = {}
        for name, value in m.groupdict().items():
            value = value or ""
            if name.startswith("kinds"):
                value = " / ".join(lex.field_words.get(k, k) for k in value.split(" / "))
            groups[name] = value.replace(" or ", f" {lex.describe_words.get('or', 'or')} ")
        return str(template.format(**groups))
    return text


def localise(err: QueryError, language: str) -> QueryError:
    """Reword ``err`` (message and what was expected) in ``language`` from its lexicon's
    ``MESSAGES``; the span, suggestions and choices stay. Returns ``err``.

    Example: ``localise(QueryError("I don't know 'Моськва'"), "ru").message`` → ``'не знаю «Моськва»'``.
    """
    from query_language.lexicon import LANGUAGES, load_lexicon

    if language not in LANGUAGES or err.language == language:
        return err
    lex = load_lexicon(language)
    if lex.messages:
        err.message = _translate(err.message, lex)
        err.args = (err.message,)
        err.expected = [_translate(x, lex) for x in err.expected]
        err.glue = {k[4:]: v for k, v in lex.describe_words.items() if k.startswith("err_")}
        err.glue.setdefault("or", lex.describe_words.get("or", "or"))
    err.language = language
    return err
