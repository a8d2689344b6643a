"""The mailing package's one exception type, shown to users as a single line.

A chat shows the message in its user's language: an error raised with :meth:`MailingError.said`
carries the English message's key and its values, and the chat translates ``e.template`` through
its catalogs (``_PHRASES`` is extracted into them) and fills in ``e.params``.

Example::

    raise MailingError.said("no_template", name="promo", known="welcome, winback")
"""

from __future__ import annotations

from typing import Any

__all__ = ["MailingError"]

# the messages a chat may show, in English; the chat's catalogs translate them
_PHRASES = {
    "no_template": "no template '{name}'; known templates: {known}",
    "no_templates": "no template '{name}'; there are no templates yet ('template NAME' makes one)",
    "first_line": (
        "template '{name}': the first line must be 'Subject: ...', e.g. '{example}', then the "
        "body on the following lines"
    ),
    "empty_subject": "template '{name}': the subject line is empty; write it after 'Subject:'",
    "no_body": "template '{name}' has no body; write it below the 'Subject:' line",
    "needs_name": "a template needs a name of 1 to 120 characters, e.g. 'winback'",
    "too_long": "template '{name}' is longer than {max} characters",
    "unknown_field": "template '{name}', {part}: unknown field {fields}; allowed fields: {allowed}",
    "no_mailing": "no mailing {id}; 'mailings' lists them",
    "mailing_finished": "mailing {id} has already finished",
    "mailing_cancelled": "mailing {id} is already cancelled",
    "not_yours": "mailing {id} belongs to someone else; ask them or an admin",
    # mailing.when: a time that cannot be read (in English followed by the forms it reads)
    "time_clock": "cannot read the time '{text}': '{what}' is not a time of day like 9:00 or 18:30",
    "time_12h": "cannot read the time '{text}': '{what}' is not a 12-hour time",
    "time_of_day": "cannot read the time '{text}': '{what}' is not a time of day",
    "time_every": "cannot read the time '{text}': 'every' needs a day, e.g. 'every Monday 9:00'",
    "time_month": (
        "cannot read the time '{text}': 'every month' needs a day of the month, e.g. "
        "'every month 1 9:00'"
    ),
    "time_day_of_month": "cannot read the time '{text}': '{what}' is not a day of the month",
    "time_recurring_day": (
        "cannot read the time '{text}': '{what}' is not a day, 'day', 'weekday' or 'month'"
    ),
    "time_day": (
        "cannot read the time '{text}': '{what}' is not a day (today, tomorrow, a weekday or "
        "2026-12-01)"
    ),
    "time_empty": "cannot read the time '{text}': it is empty",
    "time_past": "cannot read the time '{text}': {when} ({zone}) is already past",
}


class MailingError(Exception):
    """A template, schedule or mailing that cannot be used; the message says what to do."""

    def __init__(self, message: str, *, key: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.key = key
        self.params = params

    @classmethod
    def said(cls, key: str, *, more: str = "", **params: Any) -> MailingError:
        """The error of message ``key`` of ``_PHRASES`` with these values (in English here,
        followed by ``more``, which a translation leaves to its own words)."""
        return cls(_PHRASES[key].format(**params) + more, key=key, **params)

    @property
    def template(self) -> str | None:
        """The English message with its ``{placeholders}`` (to translate), or None."""
        return _PHRASES[self.key] if self.key else None
