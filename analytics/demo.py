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
from analytics.settings import ClassSettings, LoyaltySettings
from storage.changes import Actor

__all__ = ["DEMO_RULES", "DEMO_LOYALTY", "finish_demo", "finish_loyalty", "demo_config"]

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


# One point per 100 of net amount, power tools count double; tiers over the last 12 months.
DEMO_LOYALTY: dict[str, LoyaltySettings] = {
    lang: LoyaltySettings(
        amount_per_point=100.0,
        per="order",
        window_months=12,
        multipliers={power_tools: 2.0},
        tiers={"bronze": 0, "silver": 1000, "gold": 4000},
    )
    for lang, power_tools in (("en", "power tools"), ("ru", "электроинструмент"))
}
DEMO_ACTOR = Actor("cli", "demo", None, "custbot demo")


def finish_loyalty(engine: Engine, today: date, settings: LoyaltySettings) -> int | None:
    """The demo's points ledger and first tiers, as one batch; returns its id."""
    from analytics.loyalty import recompute_tiers

    with engine.begin() as conn:
        return recompute_tiers(conn, settings, today, DEMO_ACTOR)


def finish_demo(engine: Engine, today: date, settings: ClassSettings | None = None) -> int:
    """Compute the demo's ABC / XYZ / RFM classes as of ``today``; returns the class run id."""
    with engine.begin() as conn:
        return compute_classes(conn, today=today, settings=settings or ClassSettings())


def demo_config(lang: str) -> str:
    """The demo's configuration file: its language, the example rating rules and loyalty tiers."""
    rules = "\n".join(f'{k} = "{v}"' for k, v in DEMO_RULES[lang].items())
    loyalty = DEMO_LOYALTY[lang]
    multipliers = "\n".join(f'"{k}" = {v}' for k, v in loyalty.multipliers.items())
    tiers = "\n".join(f"{k} = {v}" for k, v in loyalty.tiers.items())
    return (
        "# Written by `custbot demo` for the demo database; edit it, or delete it to go back to\n"
        "# the defaults. Every setting, with its default: config.example.toml.\n"
        f'language = "{lang}"\n'
        "\n"
        "[rating.rules]\n"
        "# The demo's example rules, in the query language: top to bottom, first match wins;\n"
        "# pinned ratings are left alone. Preview them in chat with `recompute ratings`.\n"
        f"{rules}\n"
        "\n"
        "[loyalty]\n"
        "# Points from net order amounts, tiers from the points of the window; the recompute\n"
        "# moves customers between tiers (see docs/ratings.md).\n"
        f"amount_per_point = {loyalty.amount_per_point}\n"
        f'per = "{loyalty.per}"\n'
        f"window_months = {loyalty.window_months}\n"
        "\n"
        "[loyalty.multipliers]\n"
        f"{multipliers}\n"
        "\n"
        "[loyalty.tiers]\n"
        f"{tiers}\n"
    )
