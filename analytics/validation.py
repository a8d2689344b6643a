"""Checks on the rating rules when the configuration loads (light: no pandas, no database).

``custbot.config.load_settings`` calls ``check_rules``, so a rule that does not parse stops the
configuration from loading, with the query error.

Example::

    check_rules(settings, "custbot.toml")   # RuleError: ... rating.rules.A = 'abc A or' ...
"""

from __future__ import annotations

from analytics.settings import AnalyticsSettings

__all__ = ["is_anyone", "check_rules", "RuleError"]


class RuleError(ValueError):
    """A rating rule that does not parse, or cannot be applied to this data (an unknown value)."""


# Words that mean "every customer", whether or not the query language knows them.
_ANYONE = {
    "anyone",
    "everyone",
    "everybody",
    "all",
    "all customers",
    "any customer",
    "every customer",
    "*",
    "все",
    "всех",
    "любой",
    "все клиенты",
}


def is_anyone(text: str) -> bool:
    """Whether a rule's text means every customer (``anyone``, ``everyone``, ``all``).

    >>> is_anyone("  Everyone ")
    True
    """
    return " ".join(text.lower().split()) in _ANYONE


def check_rules(settings: AnalyticsSettings, source: str = "configuration") -> None:
    """Reject rules that do not parse, with the error a chat user would get.

    >>> check_rules(settings)  # with settings.rating.rules == {"A": "abc A or"}
    Traceback (most recent call last):
    analytics.validation.RuleError: configuration: rating.rules.A = 'abc A or' does not parse: ...
    """
    from query_language import QueryError, parse

    for rating, text in settings.rating.rules.items():
        if is_anyone(text):
            continue
        try:
            parse(text, settings.language)
        except QueryError as e:
            raise RuleError(
                f"{source}: rating.rules.{rating} = {text!r} does not parse: {e.render(text)}"
            ) from None
