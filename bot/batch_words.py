"""What a batch of the audit log says, in the reader's language.

A batch's ``description`` is stored in English, stable words (``log call: Romashka: …``,
``rate A: Moscow vip``, ``set phone = +7…: Romashka``) so the log reads the same whoever wrote
it; undo and history show it through :func:`described`, which rewrites the known shapes with the
catalog's messages and leaves any other text (a customer's name, a query as typed) as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.i18n import N_
from bot.views import interaction_kind

__all__ = ["described"]

Gettext = Callable[[str], str]

# the bulk operations' stored verbs (bot/commands/bulk.py) and their catalog messages
_VERBS: tuple[tuple[str, str], ...] = (
    (r"rate (?P<value>[ABC])", N_("rate {value}")),
    (r"unrate", N_("remove the rating")),
    (r"untag (?P<value>.+?)", N_("untag {value}")),
    (r"tag (?P<value>.+?)", N_("tag {value}")),
    (r"set status (?P<value>\w+)", N_("set status {value}")),
    (r"assign to (?P<value>.+?)", N_("assign to {value}")),
    (r"pin rating", N_("pin the rating")),
    (r"unpin rating", N_("unpin the rating")),
    (r"opt out", N_("opt out: {name}")),
    (r"opt in", N_("opt in: {name}")),
)
_FIELDS = {
    "name": N_("name"),
    "city": N_("city"),
    "region": N_("region"),
    "country": N_("country"),
    "industry": N_("industry"),
    "email": N_("email"),
    "phone": N_("phone"),
}


def described(_: Gettext, description: str) -> str:
    """``description`` in the reader's language where its shape is known, else as stored.

    Example: ``described(ru, "log call: Romashka: agreed")`` → ``"запись (звонок): Romashka: agreed"``
    """
    if m := re.fullmatch(r"undo of batch (?P<n>\d+): (?P<what>.*)", description, re.S):
        return _("undo of batch {n}: {what}").format(n=m["n"], what=described(_, m["what"]))
    if m := re.fullmatch(r"log (?P<kind>\w+): (?P<rest>.*)", description, re.S):
        return _("log {kind}: {rest}").format(kind=interaction_kind(m["kind"], _), rest=m["rest"])
    if m := re.fullmatch(
        r"follow up (?P<name>.+?) at (?P<at>\S+ \S+) UTC: (?P<text>.*)", description, re.S
    ):
        return _("follow up {name} at {at} UTC: {text}").format(**m.groupdict())
    if m := re.fullmatch(r"follow-up done: (?P<what>.*)", description, re.S):
        return _("follow-up done: {what}").format(what=m["what"])
    if m := re.fullmatch(
        r"follow-up snoozed to (?P<at>\S+ \S+) UTC: (?P<what>.*)", description, re.S
    ):
        return _("follow-up snoozed to {at} UTC: {what}").format(**m.groupdict())
    if m := re.fullmatch(r"new customer: (?P<name>.*)", description, re.S):
        return _("new customer: {name}").format(name=m["name"])
    if m := re.fullmatch(r"import customers: (?P<source>.*)", description, re.S):
        return _("import customers: {source}").format(source=m["source"])
    if m := re.fullmatch(r"set (?P<field>.+?) = (?P<value>.*): (?P<name>[^:]*)", description, re.S):
        field = _(_FIELDS[m["field"]]) if m["field"] in _FIELDS else m["field"]
        return _("set {field} = {value}: {name}").format(
            field=field, value=m["value"], name=m["name"]
        )
    verb, sep, target = description.partition(": ")
    for pattern, message in _VERBS:
        if sep and (v := re.fullmatch(pattern, verb)):
            said = _(message)
            if "{name}" in message:
                return said.format(name=target)
            return f"{said.format(**v.groupdict())}: {target}"
    return description
