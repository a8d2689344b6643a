"""A customer's card: rating with stars, status, manager, contacts, tags, properties, spend,
orders, the last interactions and the rating history."""

from __future__ import annotations

from typing import Any

from bot.core import Context
from bot.loyalty_facts import loyalty_facts, loyalty_history
from bot.messages import Button, Buttons, Part, Reply, Table, Text
from bot.registry import action, command
from bot.state import State
from bot.views import button_row, day, interaction_kind, money, property_text, stars
from query_language.ast import Card, Query
from storage.cards import load_card

__all__ = ["card_reply", "card_for_query", "no_customer_called", "choose"]


@command("card", example="card Romashka")
def card(ctx: Context, args: str) -> list[Reply]:
    """Show one customer's card (a customer's name alone works too)."""
    if not args:
        return [Reply((Text(ctx._("Whose card? For example: card Romashka"), "error"),))]
    from bot.commands.contacts import by_contact

    contact = by_contact(
        ctx, args
    )  # card office@romashka.ru, card +7 912 … (bot/commands/contacts.py)
    if contact is not None:
        return contact
    found = ctx.find_customers(args) or _inflected(ctx, args)
    return choose(ctx, [cid for cid, _n, _c in found], args, found)


def _inflected(ctx: Context, name: str) -> list[tuple[int, str, str | None]]:
    """The customers an inflected name means ('карточка Ромашки'), as the query language reads
    names: case-folded and lemmatised, among the customers this user may see."""
    from query_language.lexicon import load_lexicon

    names = ctx.catalog().names
    if names is None:
        return []
    entries = names.scoped(ctx.scope).named(name, load_lexicon(ctx.query_language))
    ids = {e.key for e in entries}
    return [f for e in entries for f in ctx.find_customers(e.label) if f[0] in ids]


def no_customer_called(ctx: Context, name: str) -> str:
    """'No customer is called …', said so that a rep who sees only their own customers learns
    nothing about the others'."""
    if ctx.scope.limited:
        return ctx._("None of your customers is called '{name}'.").format(name=name)
    return ctx._("No customer is called '{name}'.").format(name=name)


def card_for_query(ctx: Context, query: Query) -> list[Reply]:
    """The card for a query whose output is a customer's card."""
    out = query.output
    assert isinstance(out, Card)
    ids, name = list(out.ids), out.name
    if not ids and name:
        return card(ctx, name)
    with ctx.engine.connect() as conn:
        from sqlalchemy import select

        from storage.schema import customers

        found = [
            tuple(r)
            for r in conn.execute(
                select(customers.c.id, customers.c.name, customers.c.city)
                .where(customers.c.id.in_(ids), ctx.scope.condition())
                .order_by(customers.c.name)
            )
        ]
    return choose(ctx, ids, name, found)


def choose(
    ctx: Context, ids: list[int], name: str, found: list[tuple[int, str, str | None]]
) -> list[Reply]:
    """The card of the one customer found, or buttons to pick one of several."""
    if not found:
        return [Reply((Text(no_customer_called(ctx, name), "error"),))]
    if len(found) == 1:
        return [card_reply(ctx, found[0][0])]
    return [which_customer(ctx, name, found, "card", {})]


def which_customer(
    ctx: Context,
    name: str,
    found: list[tuple[int, str, str | None]],
    kind: str,
    payload: dict[str, Any],
) -> Reply:
    """'Several customers match NAME. Which one?' with a button for each of the first ten: the
    action ``kind`` with ``payload`` and the chosen ``customer_id``."""
    buttons = tuple(
        Button(f"{n} ({c})" if c else n, ctx.remember(kind, {**payload, "customer_id": cid}))
        for cid, n, c in found[:10]
    )
    return Reply(
        (
            Text(
                ctx._("Several customers match '{name}'. Which one?").format(name=name), "heading"
            ),
            Buttons(buttons),
        )
    )


def card_reply(ctx: Context, customer_id: int, *, replace: bool = False) -> Reply:
    from bot.commands.follow_up_list import card_parts

    _ = ctx._
    with ctx.engine.connect() as conn:
        if not ctx.scope.allows(conn, customer_id):  # nothing of it is read, not even its name
            return Reply((Text(_("You can only see your own customers."), "error"),))
        c = load_card(conn, customer_id, ctx.today)
        loyalty = loyalty_facts(ctx, conn, customer_id)
        points = loyalty_history(ctx, conn, customer_id)
    cust = c.customer
    cur = ctx.settings.currency
    place = ", ".join(v for v in (cust["city"], cust["region"], cust["country"]) if v)
    facts = [
        (_("rating"), stars(cust["rating"]) + (" 📌" if cust["rating_pinned"] else "")),
        (_("status"), _(cust["status"])),
        (_("manager"), c.manager or "—"),
        (_("place"), place or "—"),
        (_("industry"), cust["industry"] or "—"),
        (_("email"), cust["email"] or "—"),
        (_("phone"), cust["phone"] or "—"),
        (_("tags"), ", ".join(c.tags) or "—"),
        *((label, property_text(v, _)) for label, v in c.properties),
        (_("spend this year"), money(c.spend_this_year, cur, ctx.language)),
        (_("spend last 12 months"), money(c.spend_12m, cur, ctx.language)),
        (_("orders last 12 months / all"), f"{c.orders_12m} / {c.orders_total}"),
        (_("last purchase"), day(c.last_purchase)),
    ]
    if c.classes:
        facts.append(
            (
                _("ABC / XYZ / RFM"),
                " / ".join(str(c.classes[k] or "—") for k in ("abc", "xyz", "rfm_segment")),
            )
        )
    facts += loyalty
    if cust["opted_out_at"]:
        facts.append((_("mailings"), _("opted out")))
    parts: list[Part] = [
        Text(f"{cust['name']} — {stars(cust['rating'])}", "heading"),
        Table((_("field"), _("value")), tuple((k, v) for k, v in facts)),
    ]
    if c.interactions:
        parts.append(
            Table(
                (_("date"), _("kind"), _("manager"), _("note")),
                tuple(
                    (
                        f"{i['date']:%Y-%m-%d}",
                        interaction_kind(i["kind"], _),
                        i["manager"] or "—",
                        (i["note"] or "")[:80],
                    )
                    for i in c.interactions
                ),
                title=_("Last interactions"),
            )
        )
    parts += points
    if c.rating_history:
        parts.append(
            Table(
                (_("when"), _("change"), _("by")),
                tuple(
                    (
                        f"{h['at']:%Y-%m-%d %H:%M}",
                        f"{h['before'] or '—'} → {h['after'] or '—'}",
                        h["source"],
                    )
                    for h in c.rating_history
                ),
                title=_("Rating history"),
            )
        )
    if ctx.user.at_least("manager"):
        from bot.commands.assign import reassign_button

        one = {
            "customer_id": customer_id,
            "today": ctx.today.isoformat(),
            "language": ctx.query_language,
        }
        parts.append(
            button_row(
                *(
                    Button(
                        _("Rate {r}").format(r=r),
                        ctx.remember("bulk_start", {**one, "op": "rate", "value": r}),
                    )
                    for r in ("A", "B", "C")
                    if r != cust["rating"]
                )
            )
        )
        pin = ("unpin", _("Unpin rating")) if cust["rating_pinned"] else ("pin", _("Pin rating"))
        status = (
            ("status", "active", _("Set active"))
            if cust["status"] == "archived"
            else ("status", "archived", _("Archive"))
        )
        parts.append(
            button_row(
                Button(pin[1], ctx.remember("bulk_start", {**one, "op": pin[0], "value": None})),
                Button(
                    status[2],
                    ctx.remember("bulk_start", {**one, "op": status[0], "value": status[1]}),
                    "danger" if status[1] == "archived" else "default",
                ),
                reassign_button(ctx, customer_id),
            )
        )
    parts.extend(card_parts(ctx, customer_id))  # open follow-ups; Log, Follow up (issue 21)
    return Reply(tuple(parts), private=True, replace=replace)


@action("card")
def _card(ctx: Context, st: State) -> list[Reply]:
    """A customer chosen from several with the same name."""
    return [card_reply(ctx, int(st.payload["customer_id"]))]
