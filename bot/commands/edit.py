"""Edit one field of one customer from chat: ``set phone Romashka +7 912 345-67-89``,
``set email Romashka office@romashka.ru``, a custom property ``set employees Romashka 120``.

The value is read by the field's type as the import reads it (storage/edits.py); the change is
one audited batch with an Undo button (a rep may undo their own edit). A rep whose scope is
"own" finds, and so edits, only their own customers.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from bot.core import Context
from bot.i18n import N_
from bot.messages import Button, Reply, Text
from bot.registry import action, command
from bot.state import State
from bot.views import button_row
from storage.contacts import default_region
from storage.edits import EditError, Field, parse_value, resolve_field, set_one
from storage.folding import fold

__all__ = ["edit_error", "label", "FIELD_WORDS"]

log = logging.getLogger("custbot.edit")

# the words a user may name a customer's own column by, in any language
FIELD_WORDS = {
    "телефон": "phone", "почта": "email", "почту": "email", "емейл": "email", "e-mail": "email",
    "название": "name", "имя": "name", "город": "city", "регион": "region", "страна": "country",
    "страну": "country", "отрасль": "industry", "отрасли": "industry",
}  # fmt: skip

_ERRORS = {
    "unknown_field": N_(
        "There is no field '{field}': set name, city, region, country, industry, email, phone "
        "or a property."
    ),
    "empty": N_("Which value for {field}?"),
    "too_long": N_("The {field} is too long: at most {limit} characters fit."),
    "not_email": N_("'{value}' is not an email address, e.g. office@romashka.ru."),
    "not_phone": N_("'{value}' is not a phone number, e.g. +7 912 345-67-89."),
    "not_number": N_("{field} is a number; '{value}' is not one, e.g. 120."),
    "not_date": N_("{field} is a date; '{value}' is not one, e.g. 2027-03-01 or 01.03.2027."),
    "not_yesno": N_("{field} is yes or no; '{value}' is neither."),
}
# the customer's own columns as people read them (a property's label is data: shown as it is)
_LABELS = {
    "name": N_("name"), "city": N_("city"), "region": N_("region"), "country": N_("country"),
    "industry": N_("industry"), "email": N_("email"), "phone": N_("phone"),
}  # fmt: skip
_SPLIT = re.compile(r'^\s*(?:"([^"]+)"|«([^»]+)»|([^:=]+?)\s*[:=])\s*(.+)$')


def label(ctx: Context, field: str) -> str:
    """A field's name for people: a column's in the user's language, a property's as it is."""
    return ctx._(_LABELS[field]) if field in _LABELS else field


def edit_error(ctx: Context, e: EditError) -> list[Reply]:
    """The refusal of a value, in the user's language."""
    params = {k: label(ctx, v) if k == "field" else v for k, v in e.params.items()}
    return [Reply((Text(ctx._(_ERRORS[e.kind]).format(**params), "error"),))]


def _field(ctx: Context, words: list[str]) -> tuple[Field, list[str]]:
    """The field named by the first one to three words, and the words after it."""
    last: EditError | None = None
    with ctx.engine.connect() as conn:
        for n in (3, 2, 1):
            if len(words) <= n:
                continue
            phrase = " ".join(words[:n])
            try:
                return resolve_field(conn, FIELD_WORDS.get(phrase.lower(), phrase)), words[n:]
            except EditError as e:
                last = e
    raise last or EditError("unknown_field", field=" ".join(words[:1]))


def _split(ctx: Context, rest: str, field: Field) -> tuple[str, str]:
    """(customer name, value): quoted or followed by ':' — else the longest leading words that
    are exactly a customer's name — else by the value's shape."""
    m = _SPLIT.match(rest)
    if m:
        return next(g for g in m.groups()[:3] if g), m.group(4)
    words = rest.split()
    for i in range(len(words) - 1, 0, -1):
        name = " ".join(words[:i])
        if any(fold(n) == fold(name) for _i, n, _c in ctx.find_customers(name)):
            return name, " ".join(words[i:])
    if field.kind == "phone":
        at = next((i for i, w in enumerate(words) if i and re.match(r"[+(\d]", w)), len(words) - 1)
        return " ".join(words[:at]), " ".join(words[at:])
    return " ".join(words[:-1]), " ".join(words[-1:])


def _apply(ctx: Context, customer_id: int, field: Field, value: Any) -> list[Reply]:
    _ = ctx._
    with ctx.engine.begin() as conn:
        if not ctx.scope.allows(conn, customer_id):
            return [Reply((Text(_("You can only see your own customers."), "error"),))]
        result = set_one(conn, ctx.actor, customer_id=customer_id, field=field, value=value,
                         region=default_region())  # fmt: skip
        from storage.schema import customers

        name = conn.execute(
            customers.select().with_only_columns(customers.c.name).where(customers.c.id == customer_id)
        ).scalar_one()  # fmt: skip
    shown = label(ctx, field.label)
    if result.batch_id is None:
        return [
            Reply(
                (
                    Text(
                        _("The {field} of {name} is {value} already; nothing changed.").format(
                            field=shown, name=name, value=result.after
                        ),
                        "note",
                    ),
                )
            )
        ]
    log.info("edit by %s: %s of customer %s", ctx.user.identity.key, field.key, customer_id)
    return [
        Reply(
            (
                Text(
                    _("Done: {field} of {name}: {before} → {after} (batch #{batch}).").format(
                        field=shown,
                        name=name,
                        before=result.before or "—",
                        after=result.after or "—",
                        batch=result.batch_id,
                    ),  # fmt: skip
                    "heading",
                ),
                button_row(
                    Button(_("Undo"), ctx.remember("undo_start", {"batch_id": result.batch_id}))
                ),
            )
        )
    ]


@command("set", example="set phone Romashka +7 912 345-67-89", topic="edit")
def set_one_field(ctx: Context, args: str) -> list[Reply]:
    """Change one field of one customer: 'set FIELD CUSTOMER VALUE' (phone, email, a property…)."""
    _ = ctx._
    words = args.split()
    if len(words) < 3:
        return [
            Reply(
                (
                    Text(
                        _("Say what to set, e.g. 'set phone Romashka +7 912 345-67-89'."),
                        "error",
                    ),
                )
            )
        ]
    try:
        field, rest = _field(ctx, words)
        name, text = _split(ctx, " ".join(rest), field)
        value = parse_value(field, text, region=default_region())
    except EditError as e:
        return edit_error(ctx, e)
    from bot.commands.card import no_customer_called, which_customer

    found = ctx.find_customers(name) if name.strip() else []
    exact = [f for f in found if fold(f[1]) == fold(name)] or found
    if not exact:
        return [Reply((Text(no_customer_called(ctx, name), "error"),))]
    if len(exact) > 1:
        payload = {"field": field.key, "text": text}
        return [which_customer(ctx, name, exact, "edit_pick", payload)]
    return _apply(ctx, exact[0][0], field, value)


@action("edit_pick")
def _edit_pick(ctx: Context, st: State) -> list[Reply]:
    """One of several customers with the same name chosen for an edit."""
    p = st.payload
    try:
        with ctx.engine.connect() as conn:
            field = resolve_field(conn, p["field"].removeprefix("prop:"))
        value = parse_value(field, p["text"], region=default_region())
    except EditError as e:
        return edit_error(ctx, e)
    return _apply(ctx, int(p["customer_id"]), field, value)
