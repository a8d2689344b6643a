"""The mailing package's one exception type, shown to users as a single line.

Example::

    raise MailingError("template 'promo' not found; known templates: welcome, winback")
"""

from __future__ import annotations

__all__ = ["MailingError"]


class MailingError(Exception):
    """A template, schedule or mailing that cannot be used; the message says what to do."""
