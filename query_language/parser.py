"""Text → tokens (lexer.py) → Lark tree (grammar.lark, LALR) → the AST as typed (ast.py).

Lark's exceptions are translated into QueryError here and nowhere else.

Example::

    parse("Moscow buyers of Super Drill over 40k last quarter")
    # And((ValueWords('Moscow'), Keyword('bought', ValueWords('Super Drill')), Comparison('>', 40000.0),
    #      PeriodWords('last', unit='quarter')))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError
from lark.lexer import Lexer

from query_language import ast as a
from query_language.errors import QueryError, unexpected, unknown_word
from query_language.lexer import Tok, ValueIndex, tokenize
from query_language.lexicon import load_lexicon
from query_language.limits import check_tokens

__all__ = ["parse", "parse_tokens"]


class _PassThrough(Lexer):
    """The tokens are made by lexer.tokenize; Lark only parses them."""

    def __init__(self, conf: Any) -> None:
        pass

    def lex(self, data: Any) -> Any:  # type: ignore[override]
        yield from data


class _Word(Token):
    """A Lark token carrying our lexer's ``Tok`` (``tok``) and the query text (``src``)."""

    tok: Tok
    src: str


@v_args(inline=True)
class _ToAst(Transformer[Any, Any]):
    """Called by the LALR parser as it reduces (no tree is built); stateless, so one instance
    serves every thread: each token carries what the methods need."""

    # helpers ------------------------------------------------------------------------------
    @staticmethod
    def _t(token: Token) -> Tok:
        return token.tok  # type: ignore[attr-defined, no-any-return]

    def _span(self, *parts: Any) -> a.Span:
        starts, ends = [], []
        for p in parts:
            if isinstance(p, Token):
                t = self._t(p)
                starts.append(t.start)
                ends.append(t.end)
            elif isinstance(p, a.Node):
                starts.append(p.span[0])
                ends.append(p.span[1])
        return (min(starts), max(ends)) if starts else (0, 0)

    def _of(self, parts: tuple[Any, ...], *types: str) -> Token | None:
        return next((p for p in parts if isinstance(p, Token) and p.type in types), None)

    # logic --------------------------------------------------------------------------------
    def start(self, *items: Any) -> a.Node:
        return items[0] if items and items[0] is not None else a.And((), span=(0, 0))

    def or_expr(self, *parts: Any) -> a.Node:
        items = tuple(p for p in parts if isinstance(p, a.Node))
        return a.Or(items, span=self._span(*items))

    def and_expr(self, *parts: Any) -> a.Node:
        items = tuple(p for p in parts if isinstance(p, a.Node))
        return a.And(items, span=self._span(*items))

    def negation(self, tok: Token, item: a.Node) -> a.Node:
        return a.Not(item, span=self._span(tok, item))

    def group(self, lpar: Token, item: a.Node, rpar: Token) -> a.Node:
        if isinstance(item, (a.And, a.Or, a.Parenthesized)):
            return item
        return a.Parenthesized(item, span=self._span(lpar, rpar))

    # values -------------------------------------------------------------------------------
    def value(self, *parts: Any) -> a.ValueWords:
        alts = tuple(p for p in parts if isinstance(p, a.ValueWords))
        if len(alts) == 1:
            return alts[0]
        span = self._span(*parts)
        src = next(p for p in parts if isinstance(p, Token)).src  # type: ignore[attr-defined]
        return a.ValueWords(src[span[0] : span[1]], source="list", alts=alts, span=span)

    def one(self, *toks: Token) -> a.ValueWords:
        first = self._t(toks[0])
        span = self._span(*toks)
        if first.type == "VALUE":
            return a.ValueWords(first.text, source="catalog", span=span)
        if first.type == "QUOTED":
            return a.ValueWords(first.value, source="quoted", span=span)
        if first.type == "FIXED":
            return a.ValueWords(first.text, source="fixed", fixed=tuple(first.value), span=span)
        text = toks[0].src[span[0] : span[1]]  # type: ignore[attr-defined]
        return a.ValueWords(text, source="words", span=span)

    def _with(self, v: a.ValueWords, span: a.Span, **changes: Any) -> a.ValueWords:
        return a.ValueWords(
            changes.get("text", v.text),
            changes.get("field", v.field),
            v.source,
            v.fixed,
            changes.get("modifier", v.modifier),
            v.alts,
            span=span,
        )

    def bare(self, v: a.ValueWords) -> a.ValueWords:
        return v

    def field(self, f: Token, v: a.ValueWords, mod: Token | None = None) -> a.ValueWords:
        modifier = self._t(mod).value if mod is not None else None
        return self._with(v, v.span, field=self._t(f).value, modifier=modifier)

    def modified(self, v: a.ValueWords, mod: Token) -> a.ValueWords:
        return self._with(v, v.span, field=v.field or "rating", modifier=self._t(mod).value)

    def possessive(self, v: a.ValueWords, poss: Token) -> a.ValueWords:
        return self._with(v, v.span, field="manager")

    def located(self, *parts: Any) -> a.ValueWords:
        f = self._of(parts, "FIELD")
        v = parts[-1]
        return self._with(v, v.span, field=self._t(f).value if f else "location")

    def untagged(self, tok: Token, v: a.ValueWords) -> a.Node:
        return a.Not(self._with(v, v.span, field="tag"), span=self._span(tok, v))

    def bought(self, tok: Token, *parts: Any) -> a.Keyword:
        f = self._of(parts, "FIELD")
        v = next((p for p in parts if isinstance(p, a.ValueWords)), None)
        if v is not None and f is not None:
            v = self._with(v, v.span, field=self._t(f).value)
        return a.Keyword("bought", value=v, span=self._span(tok, *parts))

    def stars(self, num: Token, tok: Token) -> a.ValueWords:
        n = self._t(num).value
        return a.ValueWords(f"{n:g}", field="stars", source="words", span=self._span(num, tok))

    # comparisons --------------------------------------------------------------------------
    _OPS = {"GT": ">", "GE": ">=", "LT": "<", "LE": "<=", "EQ": "=", "BETWEEN": "between"}

    def cmp(self, op: Token, *parts: Any) -> a.Comparison:
        vals = [
            self._t(p).value if isinstance(p, Token) else p
            for p in parts
            if not (isinstance(p, Token) and p.type == "AND")
        ]
        high = vals[1] if len(vals) > 1 else None
        return a.Comparison(self._OPS[op.type], vals[0], high, span=self._span(op, *parts))

    def compare(self, c: a.Comparison) -> a.Comparison:
        return c

    def spend_compare(self, tok: Token, c: a.Comparison) -> a.Comparison:
        return a.Comparison(c.op, c.value, c.high, "spend", span=self._span(tok, c))

    def order_count(self, c: a.Comparison, tok: Token) -> a.Comparison:
        return a.Comparison(c.op, c.value, c.high, "orders", span=self._span(c, tok))

    def points_compare(self, tok: Token, c: a.Comparison) -> a.Comparison:
        return a.Comparison(c.op, c.value, c.high, "points", span=self._span(tok, c))

    def points_count(self, c: a.Comparison, tok: Token) -> a.Comparison:
        return a.Comparison(c.op, c.value, c.high, "points", span=self._span(c, tok))

    def tier_move(self, tok: Token) -> a.Keyword:
        return self._kw("tier_move", tok, payload=self._t(tok).value)

    # keywords -----------------------------------------------------------------------------
    def _kw(self, kind: str, tok: Token, **kw: Any) -> a.Keyword:
        return a.Keyword(kind, span=self._span(tok), **kw)

    def spend_word(self, tok: Token) -> a.Keyword:
        return self._kw("spend", tok)

    def no_purchases(self, tok: Token) -> a.Keyword:
        return self._kw("lapsed", tok)

    def inactive(self, tok: Token) -> a.Keyword:
        return self._kw("lapsed", tok)

    def last_purchase(self, tok: Token) -> a.Keyword:
        return self._kw("last_purchase", tok)

    def created(self, tok: Token) -> a.Keyword:
        return self._kw("created", tok)

    def first_purchase(self, tok: Token) -> a.Keyword:
        return self._kw("first_purchase", tok)

    def returning(self, tok: Token) -> a.Keyword:
        return self._kw("returning", tok)

    def interaction(self, tok: Token) -> a.Keyword:
        return self._kw("interaction", tok, payload=self._t(tok).value)

    def not_contacted(self, tok: Token) -> a.Node:
        return a.Not(self._kw("interaction", tok), span=self._span(tok))

    def follow_up(self, tok: Token) -> a.Keyword:
        return self._kw("follow_up", tok, payload=self._t(tok).value)

    def mine(self, tok: Token) -> a.Keyword:
        return self._kw("mine", tok)

    def count(self, tok: Token) -> a.Keyword:
        return self._kw("count", tok)

    def list_(self, tok: Token) -> a.Keyword:
        return self._kw("list", tok)

    def top(self, tok: Token, num: Token | None = None) -> a.Keyword:
        n = self._t(num).value if num is not None else 10
        return a.Keyword("top", n=int(n), span=self._span(tok, num))

    def card(self, tok: Token, v: a.ValueWords) -> a.Keyword:
        return a.Keyword(
            "card", value=self._with(v, v.span, field="customer"), span=self._span(tok, v)
        )

    def sort(self, tok: Token, key: Token, direction: Token | None = None) -> a.Keyword:
        k = self._t(key)
        payload = "name" if k.type == "NAME" else k.type.lower()
        asc = None if direction is None else int(self._t(direction).value == "asc")
        return a.Keyword("sort", payload=payload, n=asc, span=self._span(tok, key, direction))

    def direction(self, tok: Token) -> a.Keyword:
        return a.Keyword("dir", n=int(self._t(tok).value == "asc"), span=self._span(tok))

    def bottom(self, tok: Token, num: Token | None = None) -> a.Keyword:
        n = self._t(num).value if num is not None else 10
        return a.Keyword("bottom", n=int(n), span=self._span(tok, num))

    def first(self, tok: Token, num: Token) -> a.Keyword:
        return a.Keyword("first", n=int(self._t(num).value), span=self._span(tok, num))

    def by_value(self, tok: Token, key: Token) -> a.Keyword:
        v = a.ValueWords(self._t(key).text, source="catalog", span=self._span(key))
        return a.Keyword("by", value=v, span=self._span(tok, key))

    def measure(self, tok: Token) -> a.Keyword:
        return a.Keyword("measure", payload=self._t(tok).value, span=self._span(tok))

    def dim(self, tok: Token) -> a.Keyword:
        return a.Keyword("dim", payload=self._t(tok).value, span=self._span(tok))

    def orders_word(self, tok: Token) -> a.Keyword:
        return self._kw("orders", tok)

    def by(self, tok: Token, key: Token) -> a.Keyword:
        k = self._t(key)
        payload = (
            k.value
            if k.type in ("FIELD", "UNIT", "DIM")
            else "name"
            if k.type == "NAME"
            else k.type.lower()
        )
        return a.Keyword("by", payload=payload, span=self._span(tok, key))

    # period over period -------------------------------------------------------------------
    def vs(self, tok: Token, p: a.PeriodWords) -> a.Versus:
        return a.Versus(p, span=self._span(tok, p))

    def vs_same(self, tok: Token, same: Token) -> a.Versus:
        return a.Versus(None, True, span=self._span(tok, same))

    def vs_year(self, tok: Token, num: Token) -> a.Versus:  # "vs 2025"
        year = a.PeriodWords("year", n=int(self._t(num).value), span=self._span(num))
        return a.Versus(year, span=self._span(tok, num))

    def vs_last(self, tok: Token, last: Token) -> a.Versus:
        return a.Versus(None, span=self._span(tok, last))

    def change(self, *parts: Token) -> a.ChangeWords:
        word = self._of(parts, "CHANGE")
        assert word is not None
        num = self._of(parts, "NUMBER")
        measure = "orders" if self._of(parts, "ORDERS") else "spend"
        pct = float(self._t(num).value) if num is not None else None
        direction = str(self._t(word).value)
        strict = self._of(parts, "GT") is not None  # "by more than 30%"
        return a.ChangeWords(measure, direction, pct, strict, span=self._span(*parts))

    # periods ------------------------------------------------------------------------------
    def period(self, *parts: Any) -> a.PeriodWords:
        p = parts[-1]
        return a.PeriodWords(p.form, p.unit, p.n, p.first, p.second, span=self._span(*parts))

    def _p(self, form: str, parts: tuple[Any, ...], **kw: Any) -> a.PeriodWords:
        return a.PeriodWords(form, span=self._span(*parts), **kw)

    def year(self, tok: Token, num: Token) -> a.PeriodWords:
        return self._p("year", (tok, num), n=int(self._t(num).value))

    def p_day(self, t: Token) -> a.PeriodWords:
        return self._p("day", (t,), n=self._t(t).value)

    def p_this(self, t: Token, u: Token) -> a.PeriodWords:
        return self._p("this", (t, u), unit=self._t(u).value)

    def p_last(self, t: Token, u: Token) -> a.PeriodWords:
        return self._p("last", (t, u), unit=self._t(u).value)

    def p_last_n(self, t: Token, num: Token, u: Token) -> a.PeriodWords:
        return self._p("span", (t, num, u), unit=self._t(u).value, n=int(self._t(num).value))

    def p_span(self, num: Token, u: Token) -> a.PeriodWords:
        return self._p("span", (num, u), unit=self._t(u).value, n=int(self._t(num).value))

    def p_ytd(self, t: Token) -> a.PeriodWords:
        return self._p("this", (t,), unit="year")

    def p_month(self, m: Token, num: Token | None = None) -> a.PeriodWords:
        year = int(self._t(num).value) if num is not None else None
        return self._p("month", (m, num), n=self._t(m).value, unit=str(year) if year else None)

    def p_quarter(self, q: Token, num: Token | None = None) -> a.PeriodWords:
        year = int(self._t(num).value) if num is not None else None
        return self._p("quarter", (q, num), n=self._t(q).value, unit=str(year) if year else None)

    def p_yearmonth(self, t: Token) -> a.PeriodWords:
        y, m = self._t(t).value
        return self._p("month", (t,), n=m, unit=str(y))

    def p_date(self, t: Token) -> a.PeriodWords:
        d = self._t(t).value
        return self._p("between", (t,), first=d, second=d)

    def p_since(self, t: Token, d: Token) -> a.PeriodWords:
        return self._p("since", (t, d), first=self._t(d).value)

    def p_before(self, t: Token, d: Token) -> a.PeriodWords:
        return self._p("before", (t, d), first=self._t(d).value)

    def p_after(self, t: Token, d: Token) -> a.PeriodWords:
        return self._p("after", (t, d), first=self._t(d).value)

    def p_between(self, t: Token, d1: Token, _and: Token, d2: Token) -> a.PeriodWords:
        return self._p("between", (t, d1, d2), first=self._t(d1).value, second=self._t(d2).value)


_LARK = Lark.open(
    str(Path(__file__).with_name("grammar.lark")),
    parser="lalr",
    lexer=_PassThrough,
    cache=True,
    transformer=_ToAst(),  # spans come from the tokens, so no propagate_positions
)


def _lark_tokens(text: str, toks: list[Tok]) -> list[Token]:
    out: list[Token] = []
    for t in toks:
        w = _Word(t.type, t.text, t.start, 1, t.start + 1, 1, t.end + 1, t.end)
        w.tok, w.src = t, text
        out.append(w)
    return out


def _expected(exc: UnexpectedInput, language: str) -> list[str]:
    lex = load_lexicon(language)
    names = sorted(getattr(exc, "expected", None) or getattr(exc, "accepts", None) or [])
    first = ("$END", "VALUE", "NUMBER", "DATE", "RPAR")  # the likeliest first
    names.sort(key=lambda n: (first.index(n) if n in first else len(first), n))
    out: list[str] = []
    for n in names:
        w = lex.keyword_for(n)
        if w not in out:
            out.append(w)
    return out


def _typo(
    text: str, toks: list[Tok], language: str, expected: list[str], at: int
) -> QueryError | None:
    """An unknown word (or two) that is a keyword mistyped ('ovr', 'more then', 'quater'):
    an error at it with the keyword as the suggestion, when the query parses with it ('lst
    month': 'last', not the RFM segment 'lost')."""
    lex = load_lexicon(language)
    cands: list[tuple[float, int, int, str]] = []
    for i, t in enumerate(toks):
        if t.type != "WORD":
            continue
        for j in (i + 1, i + 2):
            if j > len(toks) or any(x.type != "WORD" for x in toks[i:j]):
                continue
            typed = text[t.start : toks[j - 1].end]
            cands += [(score, i, j, phrase) for phrase, score in lex.near_keywords(typed)]
    if not cands:
        return None
    cands.sort(key=lambda c: (-c[0], c[1], c[2]))

    def parses(c: tuple[float, int, int, str]) -> bool:
        _s, i, j, phrase = c
        fixed = text[: toks[i].start] + phrase + text[toks[j - 1].end :]
        try:
            _LARK.parse(_lark_tokens(fixed, tokenize(fixed, lex)))
        except Exception:  # noqa: BLE001 - any failure means: not this one
            return False
        return True

    chosen = next((c for c in cands[:6] if parses(c)), None)
    if chosen is None:  # no keyword fixes the query: the plain error says more
        return None
    _score, i, j, phrase = chosen
    span = (toks[i].start, toks[j - 1].end)
    here = span[0] <= at < span[1]  # what was expected is about this very word
    return unknown_word(text, span, [phrase], expected if here else None)


def parse_tokens(text: str, toks: list[Tok], language: str = "en") -> a.Node:
    """The AST as typed, from tokens made by ``lexer.tokenize``."""
    try:
        return _LARK.parse(_lark_tokens(text, toks))  # type: ignore[return-value]
    except UnexpectedToken as e:
        t = getattr(e.token, "tok", None)
        expected = _expected(e, language)
        at = t.start if t is not None else len(text)
        if (typo := _typo(text, toks, language, expected, at)) is not None:
            raise typo from None
        if e.token.type == "$END" or t is None:
            raise unexpected(text, (len(text), len(text)), expected) from None
        raise unexpected(text, (t.start, t.end), expected) from None
    except UnexpectedInput as e:
        expected = _expected(e, language)
        if (typo := _typo(text, toks, language, expected, len(text))) is not None:
            raise typo from None
        raise unexpected(text, (len(text), len(text)), expected) from None
    except VisitError as e:
        if isinstance(e.orig_exc, QueryError):
            raise e.orig_exc from None
        raise


def parse(text: str, language: str = "en", index: ValueIndex | None = None) -> a.Node:
    """Syntax only (no catalog unless ``index`` is given): text → AST; raises QueryError.

    Example: ``parse("rating B or better, vip")`` → ``And((ValueWords('B', field='rating', …), …))``.
    """
    try:
        lex = load_lexicon(language)
    except KeyError:
        raise QueryError(f"unknown language '{language}'", expected=["en", "ru"]) from None
    return parse_tokens(text, check_tokens(text, tokenize(text, lex, index), language), language)
