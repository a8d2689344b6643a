"""Customers found by their email or phone from chat: ``card office@romashka.ru``,
``card +7 912 345-67-89`` (however the number is written), always within the reader's scope.
A bare address or number typed as a question reaches the same card through the query language
(``query_language/contacts.py``)."""

from __future__ import annotations

from bot.core import Context
from bot.messages import Reply, Text
from storage.contacts import find_by_contact, looks_like_email

__all__ = ["by_contact"]


def by_contact(ctx: Context, text: str) -> list[Reply] | None:
    """The card of the customer with this email or phone (buttons if several); None when
    ``text`` is neither, so the caller looks it up as a name."""
    from bot.commands.card import choose

    with ctx.engine.connect() as conn:
        found = find_by_contact(conn, text, ctx.scope)
    if found is None:
        return None
    if not found:
        _ = ctx._
        what = text.strip()
        if looks_like_email(what):
            msg = (
                _("None of your customers has the email {email}.")
                if ctx.scope.limited
                else _("No customer has the email {email}.")
            ).format(email=what)
        else:
            msg = (
                _("None of your customers has the phone {phone}.")
                if ctx.scope.limited
                else _("No customer has the phone {phone}.")
            ).format(phone=what)
        return [Reply((Text(msg, "error"),))]
    return choose(ctx, [cid for cid, _n, _c in found], text.strip(), found)
