"""Help and who am I."""

from __future__ import annotations

from bot.core import Context
from bot.messages import Part, Reply, Table, Text
from bot.registry import COMMANDS, command
from bot.users import ROLE_RANK

__all__ = ["TOPICS"]

# topic -> (title, examples); every example here is run by the tests.
TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "queries": (
        "Ask in plain words: values come from your data",
        (
            "Moscow buyers of Super Drill over 40k last quarter, manager Ivanov",
            "manufacturing buyers of Super Drill with complaints last month",
            "vip no purchases in last 90 days",
            "rating B or worse spent over 1m last 12 months",
        ),
    ),
    "periods": (
        "Periods are calendar periods, both ends included",
        (
            "Kazan last month",
            "buyers of Super Drill this quarter",
            "spent over 100k in 2025",
            "at least 3 orders last 6 months",
            "contacted in last 2 weeks",
        ),
    ),
    "amounts": (
        "Amounts: 40000, 40 000, 40k, 1.5m; over/under are strict, at least/at most include",
        (
            "spent at least 40 000 this year",
            "spent between 10k and 50k last year",
        ),
    ),
    "output": (
        "Lists, rankings, groups and cards",
        (
            "list Kazan customers",
            "top 10 Kazan customers by spend this year",
            "spend by city this year",
            "count by manager vip",
        ),
    ),
    "ratings": (
        "Ratings A ★★★, B ★★, C ★; classes from ABC, XYZ and RFM",
        (
            "rating A",
            "rating B or better in Moscow",
            "unrated",
            "abc A",
            "rfm champions",
        ),
    ),
    "segments": (
        "Saved segments",
        ("segments", "in segment drill-buyers", "not in segment bits-offer"),
    ),
}


@command("help", example="help periods")
def help_(ctx: Context, args: str) -> list[Reply]:
    """How to ask, with examples; 'help TOPIC' for one topic."""
    _ = ctx._
    topic = args.strip().lower()
    if topic in TOPICS:
        title, examples = TOPICS[topic]
        return [
            Reply((Text(_(title), "heading"), Table((_("try"),), tuple((e,) for e in examples))))
        ]
    rows = tuple(
        (c.name, _(c.help), c.example)
        for c in COMMANDS
        if ROLE_RANK[ctx.user.role] >= ROLE_RANK[c.role] and c.name != "help"
    )
    parts: list[Part] = [
        Text(
            _(
                "Type a question about your customers, e.g. 'Moscow buyers of Super Drill last quarter'."
            ),
            "heading",
        ),
        Table((_("command"), _("what it does"), _("example")), rows),
        Text(
            _("Topics: {topics}. Type 'help periods', for example.").format(
                topics=", ".join(TOPICS)
            ),
            "note",
        ),
    ]
    if topic:
        parts.insert(0, Text(_("There is no help topic '{topic}'.").format(topic=topic), "error"))
    return [Reply(tuple(parts))]


@command("whoami", example="whoami")
def whoami(ctx: Context, args: str) -> list[Reply]:
    """Who I think you are, your role and what you can see."""
    _ = ctx._
    u = ctx.user
    scope = _("only your own customers") if ctx.scope.limited else _("every customer")
    return [
        Reply(
            (
                Table(
                    (_("field"), _("value")),
                    (
                        (_("name"), u.name),
                        (_("role"), _(u.role)),
                        (_("identity"), u.identity.key),
                        (_("you see"), scope),
                        (_("language"), ctx.language),
                    ),
                ),
            )
        )
    ]
