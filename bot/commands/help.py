"""Help and who am I."""

from __future__ import annotations

from bot.core import Context
from bot.lexicon import COMMAND_EXAMPLES, command_word
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


# language -> {topic name as typed: topic}; and the topics' examples in that language
TOPIC_NAMES: dict[str, dict[str, str]] = {
    "ru": {
        "запросы": "queries",
        "периоды": "periods",
        "суммы": "amounts",
        "вывод": "output",
        "рейтинги": "ratings",
        "сегменты": "segments",
    },
}
TOPIC_EXAMPLES: dict[str, dict[str, tuple[str, ...]]] = {
    "ru": {
        "queries": (
            "клиенты из Москвы, купившие Супер дрель более чем на 40 тыс. за прошлый квартал, "
            "менеджер Иванов",
            "vip без покупок за последние 90 дней",
            "рейтинг B и ниже потратили более 1 млн за последние 12 месяцев",
        ),
        "periods": (
            "клиенты из Казани в прошлом месяце",
            "купившие Супер дрель в этом квартале",
            "потратили более 100 тыс. в 2025 году",
            "не менее 3 заказов за последние 6 месяцев",
        ),
        "amounts": (
            "потратили не менее 40 000 в этом году",
            "потратили от 10 тыс. до 50 тыс. в прошлом году",
        ),
        "output": (
            "список клиентов из Казани",
            "топ 10 клиентов из Казани по выручке в этом году",
            "выручка по городам в этом году",
            "количество по менеджерам vip",
        ),
        "ratings": ("рейтинг A", "рейтинг В и выше", "без рейтинга"),
        "segments": ("сегменты", "в сегменте drill-buyers"),
    },
}


def _topic(typed: str, language: str) -> str | None:
    names = TOPIC_NAMES.get(language, {})
    return typed if typed in TOPICS else names.get(typed)


def _topic_name(topic: str, language: str) -> str:
    return next((n for n, t in TOPIC_NAMES.get(language, {}).items() if t == topic), topic)


@command("help", example="help periods")
def help_(ctx: Context, args: str) -> list[Reply]:
    """How to ask, with examples; 'help TOPIC' for one topic."""
    _ = ctx._
    lang = ctx.language
    topic = args.strip().lower()
    if found := _topic(topic, lang):
        title, examples = TOPICS[found]
        examples = TOPIC_EXAMPLES.get(lang, {}).get(found, examples)
        return [
            Reply((Text(_(title), "heading"), Table((_("try"),), tuple((e,) for e in examples))))
        ]
    if topic and (one := _command_help(ctx, topic)) is not None:
        return one
    # one short row per command (a phone's screen, one Telegram message): what it does is
    # 'help COMMAND'
    rows = tuple(
        (command_word(c.name, lang), COMMAND_EXAMPLES.get(lang, {}).get(c.name, c.example))
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
        Table((_("command"), _("example")), rows),
        Text(
            _("Topics: {topics}. Type 'help periods', for example.").format(
                topics=", ".join(_topic_name(t, lang) for t in TOPICS)
            ),
            "note",
        ),
        Text(
            _("'help' and a command says what it does, e.g. 'help {command}'.").format(
                command=command_word("rate", lang)
            ),
            "note",
        ),
    ]
    if topic:
        parts.insert(0, Text(_("There is no help topic '{topic}'.").format(topic=topic), "error"))
    return [Reply(tuple(parts))]


def _command_help(ctx: Context, typed: str) -> list[Reply] | None:
    """``help rate``: what one command does, with its example; None for no such command."""
    from bot.registry import match_command

    found = match_command(typed)
    if found is None or found[1].strip():
        return None
    c = found[0]
    lang = ctx.language
    example = COMMAND_EXAMPLES.get(lang, {}).get(c.name, c.example)
    return [
        Reply(
            (
                Text(command_word(c.name, lang), "heading"),
                Text(ctx._(c.help)),
                Table((ctx._("example"),), ((example,),)),
            )
        )
    ]


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
