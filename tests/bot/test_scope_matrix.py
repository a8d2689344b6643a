"""Scope "own" leaks nothing (issue #16, defect 2): every route of the chat × {a rep asking about
their own customers, the rep asking about another rep's, a manager, an admin, a stranger}, on
SQLite and PostgreSQL, through the real chat core.

For the rep, nothing of another rep's customers may appear anywhere in the answer — text,
tables, buttons, file contents, captions: no name, e-mail or phone beyond what the rep typed, no
table row, and none of those customers' rows or tags may change. The manager and the admin ask
the same and must see those customers (the control: the check can see a leak). A stranger gets
the refusal and no customer at all. Routes are data: adding a route is one row, and a test fails
when a command or a button kind has no row.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import date

import openpyxl
import pytest
from sqlalchemy import Engine, insert, select

from bot import state
from bot.core import ChatCore
from bot.messages import Buttons, File, Identity, Image, Reply, Request, Table, Text
from bot.registry import ACTIONS, COMMANDS
from storage.changes import Actor, finish_batch, set_field, start_batch
from storage.schema import customer_tags, customers, order_lines, orders
from tests.bot.conftest import make_settings, tg
from tests.bot.seed import TODAY

VASILEK = 36  # one more customer of Petrova's, with a name nothing else resembles
OWN, OTHER = "Romashka", "Vasilek Trading"  # Ivanov's customer, Petrova's customer
OWN_Q, OTHER_Q = "manager Ivanov", "Moscow manager Petrova"
OWN_4 = "Client <04> & Co_*[]"  # Ivanov's, first of his by name
IVANOV = tg(1001)
PERSONAS = {
    "rep-own": IVANOV,
    "rep-other": IVANOV,
    "manager": tg(1003),
    "admin": tg(1004),
    "unknown": tg(999_999),
}


@dataclass(frozen=True)
class Route:
    command: str  # the registry's command name, or a query form ("query", "name", …)
    own: str  # asked by the rep about their own customers ({p}: the persona, for unique names)
    other: str  # the same about another rep's customers (asked by everyone else too)
    shows: bool = False  # control: a manager / admin asking `other` sees those customers
    empty: bool = False  # the rep asking `other` gets no table rows at all
    own_sees: str | None = None  # what the rep asking `own` must see of their own customer
    secret: str | None = None  # a figure the manager sees and the rep must not


ROUTES = [
    Route("query", OWN_Q, OTHER_Q, shows=True, empty=True, own_sees=OWN_4),
    Route("name", OWN, OTHER, shows=True, own_sees="c1@example.com"),
    Route("suggestion", "Romashkka", "Vasilekk Trading", shows=True, own_sees=OWN),
    Route("top", f"top 5 {OWN_Q} by spend", f"top 5 {OTHER_Q} by spend", shows=True, empty=True),
    Route("group", f"count by city {OWN_Q}", f"count by city {OTHER_Q}", empty=True),
    Route("card", f"card {OWN}", f"card {OTHER}", shows=True, own_sees="c1@example.com"),
    Route("explain", f"explain {OWN}", f"explain {OTHER}"),
    Route("export", f"export {OWN_Q} as csv", f"export {OTHER_Q} as csv", shows=True, own_sees=OWN),
    Route("chart", f"chart {OWN_Q}", f"chart {OTHER_Q}"),
    Route("chart", "chart abc", "chart rfm"),
    Route("segments", "segments", "segments", secret="3 customers frozen"),
    Route("segment", "segment bits-offer", "segment bits-offer", shows=True),
    Route("save", f"save {OWN_Q} as mine-{{p}}", f"save {OTHER_Q} as theirs-{{p}}"),
    Route(
        "freeze",
        f"freeze {OWN_Q} as mine-f-{{p}}",
        f"freeze {OTHER_Q} as theirs-f-{{p}}",
        secret="Froze 9 customers",
    ),
    Route("drop segment", "drop segment mine-{p}", "drop segment theirs-{p}"),
    Route(
        "preview template",
        f"preview template winback for {OWN}",
        f"preview template winback for {OTHER}",
        shows=True,
        own_sees="c1@example.com",
    ),
    Route(
        "mail",
        f"mail winback to {OWN_Q} at tomorrow 9:00",
        f"mail winback to {OTHER_Q} at tomorrow 9:00",
        shows=True,
    ),  # fmt: skip
    Route("mailings", "mailings", "mailings"),
    Route("cancel mailing", "cancel mailing 999", "cancel mailing 999"),
    Route(
        "template",
        "template t-{p}\nSubject: Hi {{ name }}\nHello",
        "template t-{p}\nSubject: Hi\nHello",
    ),  # fmt: skip
    Route("opt out", f"opt out {OWN}", f"opt out {OTHER}"),
    Route("opt in", f"opt in {OWN}", f"opt in {OTHER}"),
    Route("call list", f"call list {OWN_Q}", f"call list {OTHER_Q}", shows=True, own_sees=OWN),
    Route("undo", "undo", "undo"),
    Route("history", "history", "history"),
    Route("rate", f"rate A {OWN_Q}", f"rate A {OTHER_Q}", shows=True),
    Route("set rating", f"set rating B for {OWN_Q}", f"set rating B for {OTHER_Q}", shows=True),
    Route("unrate", f"unrate {OWN_Q}", f"unrate {OTHER_Q}", shows=True),
    Route("tag", f"tag hot {OWN_Q}", f"tag hot {OTHER_Q}", shows=True),
    Route("untag", f"untag vip {OWN_Q}", f"untag vip {OTHER_Q}"),
    Route("archive", f"archive {OWN_Q}", f"archive {OTHER_Q}", shows=True),
    Route("set status", f"set status check {OWN_Q}", f"set status check {OTHER_Q}", shows=True),
    Route("pin rating", f"pin rating {OWN_Q}", f"pin rating {OTHER_Q}", shows=True),
    Route("unpin rating", f"unpin rating {OWN_Q}", f"unpin rating {OTHER_Q}"),
    Route("recompute ratings", "recompute ratings", "recompute ratings"),
    Route("help", "help", "help"),
    Route("whoami", "whoami", "whoami"),
    Route("watch", f"watch {OWN_Q}", f"watch {OTHER_Q}"),  # a count, no names; notices: below
    Route("watches", "watches", "watches"),
    Route("unwatch", "unwatch 999", "unwatch 999"),
    # period over period (issue 18): the vs answer, its chart and its export
    Route(
        "vs",
        f"spend this year vs last year by city {OWN_Q}",
        f"spend this year vs last year by city {OTHER_Q}",
        empty=True,
    ),
    Route(
        "chart",
        f"chart spend this year vs last year by city {OWN_Q}",
        f"chart spend this year vs last year by city {OTHER_Q}",
    ),
    Route(
        "export",
        f"export spend this year vs last year by city {OWN_Q} as csv",
        f"export spend this year vs last year by city {OTHER_Q} as csv",
    ),
    Route(
        "grew", f"{OWN_Q} spend grew vs last year", f"{OTHER_Q} spend grew vs last year", empty=True
    ),
    # subscriptions: what is posted later is computed as its recipient (tests/bot/test_digests.py)
    Route("every", f"every monday 9:00 post {OWN_Q}", f"every monday 9:00 post {OTHER_Q}"),
    Route("digest", f"digest daily 8:00 {OWN_Q}", f"digest daily 8:00 {OTHER_Q}"),
    Route("subscriptions", "subscriptions", "subscriptions"),
    Route("unsubscribe", "unsubscribe 999", "unsubscribe 999"),
    # one customer from chat (issue 21): by email or phone, edit, create, reassign
    Route("card", "card c1@example.com", "card vasilek@example.com", shows=True, own_sees=OWN),
    Route("phone", "8 900 000-00-01", "8 900 111-22-33", shows=True, own_sees=OWN),
    Route("set", f"set phone {OWN} +7 912 000-00-01", f"set phone {OTHER} +7 912 000-00-01"),
    Route("new customer", 'new customer "Fresh {p}", Kazan', f'new customer "{OTHER}", Moscow'),
    Route("assign", f"assign {OWN_Q} to Ivanov", f"assign {OTHER_Q} to Ivanov", shows=True),
    Route(
        "query",
        f"{OWN_Q} points under 1m",
        f"{OTHER_Q} points under 1m",
        shows=True,
        empty=True,
        own_sees=OWN_4,
    ),  # fmt: skip
    # issue 21: log, follow-ups, "my"
    Route("log", f"log note {OWN}: ok", f"log note {OTHER}: ok", own_sees="Logged: note"),
    Route(
        "remind me",
        f"remind me tomorrow call {OWN}",
        f"remind me tomorrow call {OTHER}",
        own_sees="Follow-up set",
    ),
    Route("follow up", f"follow up {OWN} in 2 weeks", f"follow up {OTHER} in 2 weeks"),
    Route("my follow-ups", "my follow-ups", "my follow-ups", own_sees=OWN),
    Route("my", "my customers", "my customers", own_sees=OWN_4),
    Route("undo log", "undo log", "undo log"),
]

# every kind of button, replayed by the rep with a payload about another rep's customers
REPLAYS = {
    "page": {"text": OTHER_Q, "today": TODAY.isoformat(), "language": "en", "offset": 0},
    "query": {"text": OTHER, "language": "en"},
    "export": {"text": OTHER_Q, "today": TODAY.isoformat(), "language": "en", "format": "csv"},
    "chart": {"text": OTHER_Q, "today": TODAY.isoformat(), "language": "en"},
    "card": {"customer_id": VASILEK},
    "bulk_start": {
        "customer_id": VASILEK,
        "op": "rate",
        "value": "A",
        "today": TODAY.isoformat(),
        "language": "en",
    },  # fmt: skip
    "confirm": {
        "customer_id": VASILEK,
        "op": "rate",
        "value": "A",
        "today": TODAY.isoformat(),
        "language": "en",
        "count": 1,
    },  # fmt: skip
    "cancel": {"confirm": "no-such-token"},
    "undo_start": {"batch_id": 1},
    "recompute": {"today": TODAY.isoformat(), "changes": 1},
    "mail_confirm": {
        "template": "winback",
        "text": OTHER_Q,
        "when": "tomorrow 9:00",
        "freeze": True,
        "today": TODAY.isoformat(),
        "language": "en",
        "count": 9,
    },  # fmt: skip
    "await:template_text": {"name": "t-replay"},
    "watch_page": {"watch": 1, "run": 2, "offset": 0},  # tests/bot/test_watches*.py: in scope
    "edit_pick": {"customer_id": VASILEK, "field": "phone", "text": "+7 912 000-00-02"},
    "create_anyway": {"fields": {"name": "Replayed Co"}},
    "reassign_pick": {"customer_id": VASILEK},
    "reassign_to": {"customer_id": VASILEK, "manager_id": 1, "name": "Ivan Ivanov"},
    # issue 21: log, follow-ups
    "log_pick": {"customer_id": VASILEK, "kind": "note", "note": "replayed"},
    "log_undo": {"customer_id": VASILEK, "batch_id": 1},
    "log_start": {"customer_id": VASILEK},
    "log_kind": {"customer_id": VASILEK, "kind": "call"},
    "await:log_text": {"customer_id": VASILEK, "kind": "call"},
    "follow_up_pick": {"customer_id": VASILEK, "due": "2026-12-01T09:00:00", "text": "replayed"},
    "follow_up_start": {"customer_id": VASILEK},
    "follow_up_in": {"customer_id": VASILEK, "when": "tomorrow"},
    "follow_up_done": {"customer_id": VASILEK, "follow_up_id": 1},
    "follow_up_snooze": {"customer_id": VASILEK, "follow_up_id": 1, "hours": 1},
}
SHOWN_ON_REPLAY = {"page", "query", "export", "card", "bulk_start"}  # the manager's control


@pytest.fixture
def scoped(seeded: Engine) -> Engine:
    """The seeded base plus Vasilek Trading (Petrova's, in Moscow, a buyer) and one batch on it."""
    with seeded.begin() as conn:
        conn.execute(
            insert(customers).values(
                id=VASILEK, external_id="V036", name=OTHER, city="Moscow", country="Russia",
                manager_id=2, email="vasilek@example.com", phone="+7 900 111 2233", phone_e164="+79001112233",
                status="active", rating="B", created_at=date(2024, 1, 1),
            )
        )  # fmt: skip
        conn.execute(insert(orders).values(id=9000, order_no="O9000", customer_id=VASILEK, date=date(2026, 9, 1)))  # fmt: skip
        conn.execute(insert(order_lines).values(order_id=9000, line_no=1, product_id=1, quantity=3, amount=36000))  # fmt: skip
        conn.execute(insert(customer_tags).values(customer_id=VASILEK, tag_id=1))
        batch = start_batch(conn, Actor("telegram", "telegram:1003", 3, "Sidorov"), action="rate", description="rate C: Vasilek")  # fmt: skip
        finish_batch(conn, batch, set_field(conn, batch, "rating", "C", select(customers.c.id).where(customers.c.id == VASILEK), source="Sidorov"))  # fmt: skip
    return seeded


def _hidden_from_ivanov(engine: Engine) -> tuple[list[str], dict]:
    """What Ivanov may not see (names, e-mails, phones of others' customers) and a snapshot of
    those customers' rows and tags."""
    with engine.connect() as conn:
        rows = conn.execute(select(customers).where(customers.c.manager_id != 1)).mappings().all()
        tagged = conn.execute(select(customer_tags).order_by(customer_tags.c.customer_id, customer_tags.c.tag_id)).all()  # fmt: skip
    ids = {r["id"] for r in rows}
    strings = [v for r in rows for v in (r["name"], r["email"], r["phone"]) if v]
    snapshot = {"rows": sorted(map(dict, rows), key=lambda r: r["id"]), "tags": [t for t in tagged if t[0] in ids]}  # fmt: skip
    return strings, snapshot


def _everyone(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(customers.c.name, customers.c.email, customers.c.phone)).all()
    return [v for r in rows for v in r if v]


def _file_text(part: File | Image) -> str:
    if isinstance(part, Image):
        return f"{part.filename} {part.caption}"
    if part.filename.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(part.content), read_only=True)
        cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]  # fmt: skip
        return " ".join([part.filename, part.caption, *book.sheetnames, *cells])
    return f"{part.filename} {part.caption} {part.content.decode('utf-8-sig')}"


def _seen(replies: list[Reply]) -> str:
    """Everything the user is shown, as one text."""
    out: list[str] = []
    for reply in replies:
        for p in reply.parts:
            if isinstance(p, Text):
                out.append(p.text)
            elif isinstance(p, Table):
                out += [p.title or "", *p.columns, *(c for row in p.rows for c in row)]
            elif isinstance(p, Buttons):
                out += [b.label for b in p.buttons]
            else:
                out.append(_file_text(p))
    return "\n".join(out)


def _table_rows(replies: list[Reply]) -> int:
    return sum(len(p.rows) for r in replies for p in r.parts if isinstance(p, Table))


def _ask(core: ChatCore, who: Identity, text: str) -> list[Reply]:
    return asyncio.run(core.handle(Request(who, "chat-1", text=text)))


def _leaks(seen: str, typed: str, forbidden: list[str]) -> list[str]:
    for s in forbidden:  # what the user typed may come back (e.g. "nobody is called 'X'")
        if s in typed:
            seen = seen.replace(s, "")
    return [s for s in forbidden if s in seen]


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_every_route_respects_scope(scoped: Engine, persona: str) -> None:
    core = ChatCore(scoped, make_settings(access__scope="own"), today=TODAY)
    who = PERSONAS[persona]
    rep = persona.startswith("rep")
    problems: list[str] = []
    for route in ROUTES:
        forbidden, before = _hidden_from_ivanov(scoped)
        text = (route.own if persona == "rep-own" else route.other).replace("{p}", persona)
        replies = _ask(core, who, text)
        seen = _seen(replies)
        where = f"{persona} {text!r}"
        if persona == "unknown":
            if not seen.startswith("Sorry, I can only talk to the sales team"):
                problems.append(f"{where}: not refused: {seen[:200]!r}")
            if leaked := _leaks(seen, text, _everyone(scoped)):
                problems.append(f"{where}: a stranger saw {leaked[:3]}")
        elif rep:
            if leaked := _leaks(seen, text, forbidden):
                problems.append(f"{where}: the rep saw {leaked[:3]} in {seen[:300]!r}")
            if route.secret and route.secret in seen:
                problems.append(f"{where}: the rep saw {route.secret!r}")
            if persona == "rep-other" and route.empty and _table_rows(replies):
                problems.append(f"{where}: the rep got table rows: {seen[:300]!r}")
            if persona == "rep-own" and route.own_sees and route.own_sees not in seen:
                problems.append(f"{where}: the rep did not see {route.own_sees!r}: {seen[:300]!r}")
        else:
            if route.shows and not _leaks(seen, text, forbidden):
                problems.append(f"{where}: the control saw none of the others' customers: {seen[:300]!r}")  # fmt: skip
            if route.secret and route.secret not in seen:
                problems.append(f"{where}: the control did not see {route.secret!r}: {seen[:300]!r}")  # fmt: skip
        if (rep or persona == "unknown") and _hidden_from_ivanov(scoped)[1] != before:
            problems.append(f"{where}: another rep's customers changed")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("persona", ["rep-other", "manager"])
def test_every_button_replayed_rechecks_the_pressers_scope(scoped: Engine, persona: str) -> None:
    core = ChatCore(scoped, make_settings(access__scope="own"), today=TODAY)
    who = PERSONAS[persona]
    problems: list[str] = []
    for kind, payload in REPLAYS.items():
        forbidden, before = _hidden_from_ivanov(scoped)
        row = state.new_row(kind, who.key, payload)
        with scoped.begin() as conn:
            state.put_rows(conn, [row])
        replies = asyncio.run(core.handle(Request(who, "chat-1", action=row["token"])))
        if kind.startswith("await:"):  # the awaited message is the next one typed
            replies = _ask(core, who, "Subject: Hi\nHello")
        seen = _seen(replies)
        if persona == "manager":
            if kind in SHOWN_ON_REPLAY and not _leaks(seen, "", forbidden):
                problems.append(f"{kind}: the control saw nothing: {seen[:300]!r}")
            continue
        if leaked := _leaks(seen, str(payload), forbidden):  # the text the rep once typed
            problems.append(f"{kind}: the rep saw {leaked[:3]} in {seen[:300]!r}")
        if _hidden_from_ivanov(scoped)[1] != before:
            problems.append(f"{kind}: another rep's customers changed")
    assert not problems, "\n".join(problems)


def test_buttons_got_under_a_wider_scope_are_replayed_in_the_scope_of_now(scoped: Engine) -> None:
    """A rep's buttons from when the scope was "all" show only their own customers once it is
    "own": the scope is the presser's at the time of the press."""
    wide = ChatCore(scoped, make_settings(access__scope="all"), today=TODAY)
    answer = _ask(wide, IVANOV, "Moscow")
    assert OTHER in _seen(_ask(wide, IVANOV, f"card {OTHER}"))
    cards = _ask(wide, IVANOV, "card Client")  # several customers: a button per card
    narrow = ChatCore(scoped, make_settings(access__scope="own"), today=TODAY)
    forbidden, _snapshot = _hidden_from_ivanov(scoped)
    pressed = 0
    for reply in [*answer, *cards]:
        for part in reply.parts:
            for button in part.buttons if isinstance(part, Buttons) else ():
                seen = _seen(asyncio.run(narrow.handle(Request(IVANOV, "chat-1", action=button.token))))  # fmt: skip
                assert not _leaks(seen, "", forbidden), (button.label, seen[:300])
                pressed += 1
    assert pressed >= 4


def test_the_matrix_covers_every_command_and_every_button() -> None:
    import bot.commands  # noqa: F401 - registers every command

    covered = {r.command for r in ROUTES}
    missing = sorted({c.name for c in COMMANDS} - covered)
    assert not missing, f"commands without a row in ROUTES: {missing}"
    assert set(ACTIONS) == set(REPLAYS), (
        f"button kinds without a replay: {set(ACTIONS) ^ set(REPLAYS)}"
    )
