"""The echo of a query error: the query with a caret line under the word, clipped around the
error when the line is long (issue #15, defect 9: no 5,000 carets)."""

from __future__ import annotations

from query_language.errors import ECHO_WIDTH, QueryError


def _echo(text: str, span: tuple[int, int]) -> tuple[str, str]:
    lines = QueryError("I don't know it", span=span, text=text).render().split("\n")
    return lines[1][2:], lines[2][2:]


def test_a_short_query_is_echoed_whole() -> None:
    assert _echo("Moskow buyers", (0, 6)) == ("Moskow buyers", "^^^^^^")


def test_a_long_line_is_clipped_around_the_error() -> None:
    text = "Moscow " + "and on " * 700 + "zzzzz"
    start = len(text) - 5
    line, carets = _echo(text, (start, len(text)))
    assert len(line) <= ECHO_WIDTH + 2 and line.startswith("…") and line.endswith("zzzzz")
    assert carets.strip() == "^^^^^" and line[carets.index("^") :] == "zzzzz"


def test_a_long_span_gets_carets_only_as_far_as_the_clipped_line() -> None:
    text = "Moscow " + "x" * 5000 + " buyers"
    line, carets = _echo(text, (7, 5007))
    assert line.startswith("Moscow x") and line.endswith("…")
    assert carets == " " * 7 + "^" * (len(line) - 1 - 7)


def test_the_error_in_the_middle_keeps_its_place() -> None:
    text = "a " * 100 + "WRONG" + " b" * 100
    start = text.index("WRONG")
    line, carets = _echo(text, (start, start + 5))
    assert line[carets.index("^") : carets.index("^") + 5] == "WRONG"
    assert line.startswith("…") and line.endswith("…")
