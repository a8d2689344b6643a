"""Create a customer from chat: ``new customer "Romashka Plus", Kazan, manager Petrov``.

Parts are separated by commas: the name first (quoted or not), then ``manager X``,
``email X``, ``phone X``, ``industry X``, ``region X``, ``country X``; a bare part is the city.
Values are validated like an import's; a customer with the same name, email or phone is offered
instead (its card), with a "Create anyway" button. The creation is one audited batch: undo
deletes the customer again while nothing refers to it.
"""

from __future__ import annotations

from typing import Any

from bot.commands.edit import edit_error
from bot.core import Context
from bot.messages import Button, Part, Reply, Text
from bot.registry import action, command
from bot.state import State
from bot.views import button_row
from storage.contacts import default_region, normalise_phone
from storage.creating import create_customer, duplicates
from storage.edits import EditError

__all__ = ["PART_WORDS"]

# the word that starts a part → the field it gives, in any language
PART_WORDS = {
    "manager": "manager", "менеджер": "manager", "email": "email", "почта": "email",
    "phone": "phone", "телефон": "phone", "industry": "industry", "отрасль": "industry",
    "region": "region", "регион": "region", "country": "country", "страна": "country",
    "city": "city", "город": "city",
}  # fmt: skip


def _parts(args: str) -> dict[str, str]:
    parts = [p.strip() for p in args.split(",") if p.strip()]
    out: dict[str, str] = {}
    if parts:
        out["name"] = parts[0].strip().strip('"«»“”')
    for p in parts[1:]:
        word, _sep, rest = p.partition(" ")
        key = PART_WORDS.get(word.lower())
        if key and rest.strip():
            out[key] = rest.strip()
        elif "city" not in out:
            out["city"] = p
        else:
            raise EditError("unknown_field", field=word)
    return out


def _usage(ctx: Context) -> list[Reply]:
    return [
        Reply(
            (
                Text(
                    ctx._(
                        'Say the name first, e.g. new customer "Romashka Plus", Kazan, manager Petrova'
                    ),
                    "error",
                ),
            )
        )
    ]


def _manager(ctx: Context, typed: str | None) -> tuple[int | None, str | None]:
    """The manager id for the new customer, or (None, an error) — a rep creates only their own."""
    _ = ctx._
    if typed is None:
        return ctx.user.manager_id, None
    from bot.commands.assign import one_manager

    manager, problem = one_manager(ctx, typed)
    if manager is None:
        return None, problem
    if not ctx.user.at_least("manager") and manager[0] != ctx.user.manager_id:
        return None, _("Only a manager may create a customer for another manager.")
    return manager[0], None


@command(
    "new customer", example='new customer "Romashka Plus", Kazan, manager Petrova', topic="edit"
)
def new_customer(ctx: Context, args: str) -> list[Reply]:
    """Create a customer: 'new customer NAME, CITY, manager SURNAME, phone …, email …'."""
    try:
        fields = _parts(args)
    except EditError as e:
        return edit_error(ctx, e)
    if not fields.get("name"):
        return _usage(ctx)
    return _create(ctx, fields, check=True)


def _create(ctx: Context, fields: dict[str, str], *, check: bool) -> list[Reply]:
    _ = ctx._
    manager_id, problem = _manager(ctx, fields.get("manager"))
    if problem:
        return [Reply((Text(problem, "error"),))]
    own = {k: v for k, v in fields.items() if k != "manager"}
    region = default_region()
    try:
        with ctx.engine.begin() as conn:
            if check:
                same = duplicates(conn, name=own["name"], email=own.get("email"),
                                  phone_e164=normalise_phone(own.get("phone"), region))  # fmt: skip
                if same:
                    return _offer(ctx, conn, same, fields)
            cid, batch = create_customer(conn, ctx.actor, own, manager_id=manager_id,
                                         region=region, today=ctx.today)  # fmt: skip
    except EditError as e:
        return edit_error(ctx, e)
    return [
        Reply(
            (
                Text(
                    _("Created customer {name} (batch #{batch}).").format(
                        name=own["name"], batch=batch
                    ),
                    "heading",
                ),
                button_row(
                    Button(_("Open the card"), ctx.remember("card", {"customer_id": cid})),
                    Button(_("Undo"), ctx.remember("undo_start", {"batch_id": batch})),
                ),
            )
        )
    ]


def _offer(ctx: Context, conn: Any, same: list[Any], fields: dict[str, str]) -> list[Reply]:
    """A customer like it exists: its card (when the user may see it) instead of a duplicate."""
    _ = ctx._
    visible = [d for d in same if ctx.scope.allows(conn, d[0])]
    parts: list[Part] = [
        Text(
            _("A customer with this name, email or phone exists already; nothing was created."),
            "heading",
        )
    ]
    if len(visible) < len(same):
        parts.append(Text(_("It belongs to another manager: ask a manager."), "note"))
    buttons = [
        Button(_("Open {name}").format(name=f"{n} ({c})" if c else n),
               ctx.remember("card", {"customer_id": cid}))
        for cid, n, c, _m in visible[:5]
    ]  # fmt: skip
    buttons.append(Button(_("Create anyway"), ctx.remember("create_anyway", {"fields": fields})))
    parts.append(button_row(*buttons))
    return [Reply(tuple(parts))]


@action("create_anyway")
def _create_anyway(ctx: Context, st: State) -> list[Reply]:
    """Create the customer although one like it exists."""
    from bot import state
    from bot.views import already_spent

    with ctx.engine.begin() as conn:
        if not state.spend(conn, st.token, ctx.user.identity.key):
            return already_spent(ctx._)
    return _create(ctx, dict(st.payload["fields"]), check=False)
