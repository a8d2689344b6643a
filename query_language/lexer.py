"""The pre-pass: text → tokens, with keyword phrases from the lexicon and values from the catalog.

Longest match wins at every position: a catalog value longer than a keyword phrase protects the
keywords inside it (``PACK OF 72 …``), a keyword longer than a value wins (``top 10``). On a tie
the keyword wins, unless the previous token expects a value (``tag new``). Numbers (``40 000``,
``40,000``, ``40k``, ``1,5m``) and dates are recognised here; currency symbols are dropped.
An index with ``for_text`` (the catalog's) first adds the customer names the text may name.

Example::

    [t.type for t in tokenize("spent over 40k", load_lexicon("en"))]   # ['SPEND', 'GT', 'NUMBER']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from query_language.errors import QueryError
from query_language.lexicon import Lexicon, Rule

__all__ = ["Tok", "Piece", "ValueIndex", "tokenize", "split_words", "split_pieces"]

_CUR = "[$€£₽]"
_RAW = re.compile(
    r"""(?P<quoted>"[^"]*"|«[^»]*»|“[^”]*”|„[^“”]*[“”])
    |(?P<date>\d{4}-\d{1,2}-\d{1,2}(?![\d-])|\d{1,2}\.\d{1,2}\.\d{4}(?!\d)|\d{4}/\d{1,2}/\d{1,2}(?!\d))
    |(?P<ym>\d{4}-\d{1,2}(?![\d-]))
    |(?P<num>(?:CUR\s?)?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?(?!\d)|\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:[.,]\d+)?)
        (?:\s?(?P<suf>[kmкм]|mn|bn|млн|тыс)(?![\w]))?(?:\s?CUR)?(?![\w]))
    |(?P<sym>>=|<=|≥|≤|<>|!=|[<>=])
    |(?P<punct>[,;()])
    |(?P<cur>CUR)
    |(?P<word>[^\s,;()"«»“”„<>=]+)""".replace("CUR", _CUR),
    re.VERBOSE | re.IGNORECASE,
)
_SUFFIX = {"k": 1e3, "к": 1e3, "тыс": 1e3, "m": 1e6, "м": 1e6, "mn": 1e6, "млн": 1e6, "bn": 1e9}
_POSS = re.compile(r"^(.+?)(['’]s)$", re.IGNORECASE)
_VALUE_EXPECTING = {"FIELD", "BOUGHT", "NOTAG", "CARD", "IN", "FROM"}
_PUNCT = {",": "COMMA", ";": "COMMA", "(": "LPAR", ")": "RPAR"}


class ValueIndex(Protocol):
    def max_len(self, first: str) -> int: ...
    def get(self, key: str) -> Any: ...


@dataclass
class Tok:
    type: str
    text: str
    start: int
    end: int
    value: Any = None  # number, date, keyword payload, or catalog entries


@dataclass
class Piece:
    kind: str  # word | num | date | ym | sym | punct | quoted
    text: str
    start: int
    end: int
    norm: str


def split_pieces(text: str, lex: Lexicon) -> list[Piece]:
    """The pieces of ``text`` with their normalised forms: ``split_pieces("Romashka's", lex)``."""
    out: list[Piece] = []
    for m in _RAW.finditer(text):
        kind = m.lastgroup or "word"
        s, e = m.span()
        raw = m.group()
        if kind == "cur":
            continue
        if kind == "word":
            stripped = raw.rstrip(".?!:")
            if not stripped:
                continue
            e = s + len(stripped)
            raw = stripped
            poss = _POSS.match(raw)
            if poss:
                stem = poss.group(1)
                out.append(Piece("word", stem, s, s + len(stem), lex.normalise_word(stem)))
                out.append(Piece("word", poss.group(2), s + len(stem), e, "'s"))
                continue
            out.append(Piece("word", raw, s, e, lex.normalise_word(raw)))
        else:
            out.append(Piece(kind, raw, s, e, raw.casefold().replace("ё", "е")))
    return out


def split_words(text: str, lex: Lexicon) -> list[str]:
    """The normalised pieces of a catalog value, joined the same way queries are matched."""
    return [p.norm for p in split_pieces(text, lex) if p.kind != "quoted"]


def _number(raw: str, suf: str | None, text: str, start: int) -> float:
    body = re.sub(_CUR, "", raw).strip()
    if suf:
        body = body[: len(body) - len(suf)].strip() if body.lower().endswith(suf.lower()) else body
    body = body.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+", body):
        body = body.replace(",", "")
    try:
        value = float(body.replace(",", "."))
    except ValueError:
        raise QueryError(
            f"'{raw}' is not a number",
            span=(start, start + len(raw)),
            text=text,
            expected=["a number such as 40000, 40 000, 40k or 1.5m"],
        ) from None
    return value * _SUFFIX.get((suf or "").lower(), 1)


def _date(raw: str, text: str, start: int) -> date:
    try:
        if "." in raw:
            d, m, y = raw.split(".")
        else:
            y, m, d = re.split(r"[-/]", raw)
        return date(int(y), int(m), int(d))
    except ValueError:
        raise QueryError(
            f"'{raw}' is not a date",
            span=(start, start + len(raw)),
            text=text,
            expected=["a date as YYYY-MM-DD, e.g. 2026-03-01"],
        ) from None


def _simple(p: Piece, text: str) -> Tok:
    if p.kind == "num":
        m = _RAW.match(p.text)
        suf = m.group("suf") if m else None
        return Tok("NUMBER", p.text, p.start, p.end, _number(p.text, suf, text, p.start))
    if p.kind == "date":
        return Tok("DATE", p.text, p.start, p.end, _date(p.text, text, p.start))
    if p.kind == "ym":
        year, month = p.text.split("-")
        if not 1 <= int(month) <= 12:
            raise QueryError(
                f"'{p.text}' is not a month",
                span=(p.start, p.end),
                text=text,
                expected=["a month as YYYY-MM, e.g. 2026-03"],
            )
        return Tok("YEARMONTH", p.text, p.start, p.end, (int(year), int(month)))
    if p.kind == "punct":
        return Tok(_PUNCT[p.text], p.text, p.start, p.end)
    if p.kind == "quoted":
        return Tok("QUOTED", p.text, p.start, p.end, p.text[1:-1].strip())
    return Tok("WORD", p.text, p.start, p.end, p.norm)


_STOP = {
    "FIXED",
    "FIELD",
    "AND",
    "OR",
    "NOT",
    "COMMA",
    "LPAR",
    "RPAR",
    "GT",
    "GE",
    "LT",
    "LE",
    "EQ",
    "BETWEEN",
    "BY",  # "топ 10 товаров по выручке"
}


def _words_mode(toks: list[Tok]) -> bool:
    """Right after ``city``/``tag``… (not ``by city``) or ``=``, keywords are read as words."""
    if not toks:
        return False
    last = toks[-1].type
    if last == "FIELD":
        return len(toks) < 2 or toks[-2].type != "BY"
    i = len(toks) - 1
    while i >= 0 and toks[i].type == "WORD":
        i -= 1
    return i >= 0 and toks[i].type == "EQ" and (i < len(toks) - 1 or last == "EQ")


def _fits(elem: str, tok: Tok | None) -> bool:
    """Whether ``tok`` matches a rule element: ``TYPE``, ``A|B``, ``TYPE=payload`` or ``!TYPE``."""
    if elem.startswith("!"):
        return tok is None or tok.type != elem[1:]
    if tok is None:
        return False
    kind, _, want = elem.partition("=")
    if tok.type not in kind.split("|"):
        return False
    if not want:
        return True
    if kind == "NUMBER":
        v = tok.value
        whole = float(v).is_integer()
        if want == "year":
            return whole and 1900 <= v <= 2200 and tok.text.strip().isdigit()
        if want == "quarter":
            return whole and 1 <= v <= 4
    return str(tok.value) == want


def _rewrite(toks: list[Tok], rules: tuple[Rule, ...]) -> list[Tok]:
    """Apply the lexicon's token rewrites, left to right, the first matching rule at each place."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        for rule in rules:
            got = [toks[i + k] if i + k < len(toks) else None for k in range(len(rule.pattern))]
            if all(_fits(e, t) for e, t in zip(rule.pattern, got, strict=True)):
                for e, t, new in zip(rule.pattern, got, rule.replace, strict=True):
                    if t is None or e.startswith("!"):
                        continue  # a lookahead: neither consumed nor rewritten
                    if new == "-":
                        if out:
                            out[-1].end = max(out[-1].end, t.end)
                        continue
                    if new != "=":
                        t.type = new
                    out.append(t)
                i += sum(
                    1
                    for e, t in zip(rule.pattern, got, strict=True)
                    if t is not None and not e.startswith("!")
                )
                break
        else:
            out.append(toks[i])
            i += 1
    return out


def _soft(toks: list[Tok]) -> list[Tok]:
    """A keyword with payload ``soft`` ('покупатели') counts only before a product or category;
    elsewhere it is a filler ('покупатели из Москвы')."""
    out: list[Tok] = []
    for i, t in enumerate(toks):
        if t.value == "soft" and t.type not in ("WORD", "VALUE", "QUOTED"):
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            keep = nxt is not None and (
                nxt.type in ("QUOTED", "WORD")
                or (nxt.type == "FIELD" and nxt.value in ("product", "category"))
                or (
                    nxt.type == "VALUE"
                    and any(getattr(e, "kind", None) in ("product", "category") for e in nxt.value)
                )
            )
            if not keep:
                continue
        out.append(t)
    return out


def tokenize(text: str, lex: Lexicon, index: ValueIndex | None = None) -> list[Tok]:
    """Tokens of ``text``; catalog values become VALUE tokens when an ``index`` is given."""
    pieces = split_pieces(text, lex)
    norms = [p.norm for p in pieces]
    if index is not None and hasattr(index, "for_text"):
        index = index.for_text(text, pieces)  # adds the customer names this text may contain
    toks: list[Tok] = []
    i, n = 0, len(pieces)
    while i < n:
        p = pieces[i]
        kw_len, kw = 0, None
        if p.kind in ("word", "sym"):
            for L in range(min(lex.max_phrase, n - i), 0, -1):
                if all(q.kind in ("word", "sym") for q in pieces[i : i + L]):
                    hit = lex.phrases.get(tuple(norms[i : i + L]))
                    if hit:
                        kw_len, kw = L, hit
                        break
        cat_len, entries = 0, None
        if index is not None and p.kind not in ("quoted", "punct", "sym"):
            prev = toks[-1].type if toks else None
            for L in range(min(index.max_len(norms[i]), n - i), 0, -1):
                span = pieces[i : i + L]
                if any(q.kind == "quoted" for q in span):
                    continue
                if prev not in _VALUE_EXPECTING and not any(q.kind == "word" for q in span):
                    continue
                hit = index.get(" ".join(norms[i : i + L]))
                if hit:
                    cat_len, entries = L, hit
                    break
            if cat_len and cat_len == kw_len and prev not in _VALUE_EXPECTING:
                cat_len = 0
        if cat_len and cat_len >= kw_len:
            s, e = pieces[i].start, pieces[i + cat_len - 1].end
            toks.append(Tok("VALUE", text[s:e], s, e, entries))
            i += cat_len
        elif kw is not None and _words_mode(toks) and kw[0] not in _STOP:
            toks.append(
                Tok("WORD", p.text, p.start, p.end, p.norm)
            )  # "city New York", "= trade show"
            i += 1
        elif kw is not None:
            s, e = pieces[i].start, pieces[i + kw_len - 1].end
            term, payload = kw
            if term == "MULT" and toks and toks[-1].type == "NUMBER":
                toks[-1].value *= payload
                toks[-1].end = e
                toks[-1].text = text[toks[-1].start : e]
            else:
                toks.append(Tok(term, text[s:e], s, e, payload))
            i += kw_len
        elif p.kind == "word" and p.norm in lex.fillers and not _words_mode(toks):
            i += 1
        else:
            toks.append(_simple(p, text))
            i += 1
    if lex.rules:
        toks = _rewrite(toks, lex.rules)
    return _value_lists(_commas(_soft(toks)))


def _commas(toks: list[Tok]) -> list[Tok]:
    """Commas that separate nothing go: leading ('клиенты, купившие …'), doubled, trailing,
    next to 'or' or a parenthesis."""
    out: list[Tok] = []
    for i, t in enumerate(toks):
        nxt = toks[i + 1].type if i + 1 < len(toks) else None
        if t.type == "COMMA" and (
            not out
            or out[-1].type in ("COMMA", "LPAR", "AND", "OR", "NOT")
            or nxt in (None, "COMMA", "RPAR", "OR")
        ):
            continue
        out.append(t)
    return out


_LOCATION = frozenset({"city", "region", "country"})
_GOODS = frozenset({"product", "category"})
_LIST_OPENERS = {"BOUGHT", "IN", "FROM"}  # "buyers of A, B or C", "from Moscow, Kazan"


def _unit_end(toks: list[Tok], i: int) -> int:
    """The end (exclusive) of the value starting at ``i``: one catalog value, quoted text or
    fixed reading, or a run of unknown words; ``i`` when no value starts there."""
    t = toks[i]
    if t.type in ("VALUE", "QUOTED", "FIXED"):
        return i + 1
    j = i
    while j < len(toks) and toks[j].type == "WORD":
        j += 1
    return j


def _kinds_of(t: Tok, allowed: frozenset[str] | None) -> set[str]:
    """The kinds a value token may be (products and categories are one kind: goods)."""
    if t.type == "VALUE":
        kinds = {e.kind for e in t.value if e.kind != "customer"}
    elif t.type == "FIXED":
        kinds = {t.value[0]}
    else:  # unknown words or quoted text: whatever the keyword before the list names
        kinds = set(allowed or ())
    if allowed is not None:
        kinds &= allowed
    return {"goods" if k in _GOODS else k for k in kinds}


def _allowed(toks: list[Tok], i: int) -> frozenset[str] | None:
    prev = toks[i - 1] if i else None
    if prev is None:
        return None
    if prev.type == "FIELD" and not (i >= 2 and toks[i - 2].type == "BY"):
        f = str(prev.value)
        return _GOODS if f in _GOODS else frozenset({f})
    if prev.type == "BOUGHT":
        return _GOODS
    if prev.type in ("IN", "FROM"):
        return _LOCATION
    return None


def _value_lists(toks: list[Tok]) -> list[Tok]:
    """Values of one kind joined by ``or`` (or by commas after of/from/in) become one value
    list: their separators turn into VOR, which the grammar reads inside a value, so the list
    binds tighter than ``and`` ('Moscow or Kazan vip' is vip customers of either city)."""
    i = 0
    while i < len(toks):
        end = _unit_end(toks, i)
        if end == i or (i and toks[i - 1].type == "VOR"):
            i += 1
            continue
        allowed = _allowed(toks, i)
        opener = toks[i - 1].type if i else None
        common = _kinds_of(toks[i], allowed)
        while common and end + 1 < len(toks):
            sep = toks[end]
            if not (sep.type == "OR" or (sep.type == "COMMA" and opener in _LIST_OPENERS)):
                break
            nxt = _unit_end(toks, end + 1)
            if nxt == end + 1:
                break
            shared = common & _kinds_of(toks[end + 1], allowed)
            if not shared:
                break
            sep.type, common, end = "VOR", shared, nxt
        i = end
    return toks
