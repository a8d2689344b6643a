"""The demo arrives computed: its classes, and example rating rules for its configuration.

``custbot demo`` calls :func:`finish_demo` right after building the demo data, so that
``chart abc``, ``chart rfm``, the abc/xyz/rfm columns of exports and ``explain`` answer at once,
and writes :data:`DEMO_RULES` into the demo's configuration so that ``recompute ratings`` has
rules to preview.

Example::

    run_id = finish_demo(engine, date(2026, 11, 22))
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from analytics.classes import compute_classes
from analytics.settings import ClassSettings

__all__ = ["DEMO_RULES", "finish_demo", "demo_config"]

# First match wins; pinned and archived customers are left alone (see docs/ratings.md).
DEMO_RULES: dict[str, dict[str, str]] = {
    "en": {
        "A": "abc A or spent over 1m last 12 months",
        "B": "abc B or at least 6 orders last 12 months",
        "C": "anyone",
    },
    "ru": {
        "A": "abc A или выручка более 1 млн за последние 12 месяцев",
        "B": "abc B или не менее 6 заказов за последние 12 месяцев",
        "C": "любой",
    },
}


def finish_demo(engine: Engine, today: date, settings: ClassSettings | None = None) -> int:
    """Compute the demo's ABC / XYZ / RFM classes as of ``today``; returns the class run id."""
    with engine.begin() as conn:
        return compute_classes(conn, today=today, settings=settings or ClassSettings())


def demo_config(lang: str) -> str:
    """The demo's configuration file: its language and the example rating rules."""
    rules = "\n".join(f'{k} = "{v}"' for k, v in DEMO_RULES[lang].items())
    return (
        "# Written by `custbot demo` for the demo database; edit it, or delete it to go back to\n"
        "# the defaults. Every setting, with its default: config.example.toml.\n"
        f'language = "{lang}"\n'
        "\n"
        "[rating.rules]\n"
        "# The demo's example rules, in the query language: top to bottom, first match wins;\n"
        "# pinned ratings are left alone. Preview them in chat with `recompute ratings`.\n"
        f"{rules}\n"
    )
