"""What ``custbot demo`` sets up so that a new user sees subscriptions and digests at work: one
subscription of the terminal's local administrator and a ``[[digests]]`` entry in the demo's
configuration file (``custbot subscriptions run --at …`` prints what each would receive).

Example::

    add_demo_subscription(engine, "en", today, "Europe/Moscow")   # subscription 1, Mondays 9:00
    DEMO_DIGEST["en"]                                             # the custbot.toml lines
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

__all__ = ["DEMO_DIGEST", "DEMO_SUBSCRIPTION", "add_demo_subscription", "demo_digest_entry"]

# (schedule, query) of the demo's subscription, per language
DEMO_SUBSCRIPTION = {
    "en": ("every monday 9:00", "top 10 by revenue last month"),
    "ru": ("каждый понедельник 9:00", "топ 10 по выручке в прошлом месяце"),
}
_DIGEST = {
    "en": ("morning", "daily 8:00", "vip no purchases in last 90 days"),
    "ru": ("утро", "ежедневно 8:00", "vip без покупок за последние 90 дней"),
}
DEMO_DIGEST = {
    lang: (
        "\n[[digests]]\n"
        "# Each manager gets their own version in their private chat (the demo's people have no\n"
        "# messenger: `custbot subscriptions run --at 2026-11-23T08:00` prints them), and with\n"
        "# reps = true each rep of the team too. See docs/subscriptions.md.\n"
        f'name = "{name}"\n'
        f'schedule = "{schedule}"\n'
        f'query = "{query}"\n'
        "reps = true\n"
    )
    for lang, (name, schedule, query) in _DIGEST.items()
}


def demo_digest_entry(lang: str) -> dict[str, object]:
    """The demo's digest as a ``[[digests]]`` entry of the settings."""
    name, schedule, query = _DIGEST[lang]
    return {"name": name, "schedule": schedule, "query": query, "reps": True}


def add_demo_subscription(engine: Engine, lang: str, today: date, tz: str) -> int | None:
    """The demo's subscription (the terminal's local administrator, to the terminal), unless
    there is one already; its id."""
    from bot.schedule_words import split_lead
    from mailing.when import next_run_after
    from storage import subscriptions as subs
    from storage.schema import subscriptions

    schedule, query = DEMO_SUBSCRIPTION[lang]
    midnight = datetime.combine(today, time(0), tzinfo=ZoneInfo(tz))
    now = midnight.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    typed = split_lead(schedule, tz, now)
    with engine.begin() as conn:
        if conn.execute(select(subscriptions.c.id).limit(1)).first() is not None:
            return None
        return subs.add(
            conn,
            owner=("cli", "local", None),  # the terminal's local administrator (bot.users)
            next_run_at=next_run_after(typed.cron, typed.tz, now),
            created_at=now,
            chat="terminal:terminal",
            query=query,
            language=lang,
            schedule=schedule,
            cron=typed.cron,
            tz=typed.tz,
        )
