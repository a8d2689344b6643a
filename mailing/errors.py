"""The mailing package's one exception type, shown to users as a single line.

Example::

    raise MailingError("template 'promo' not found; known templates: welcome, winback")
"""

from __future__ import annotations

from custbot.errors import register_error

__all__ = ["MailingError"]


class MailingError(Exception):
    """A template, schedule or mailing that cannot be used; the message says what to do."""


register_error(MailingError)
