"""Command words per language, as data: the words a user types → the command they mean.

Adding a language's commands is adding a dict here (or calling :func:`register`); the handlers
and their help stay the same.
"""

from __future__ import annotations

__all__ = [
    "BUTTON_WORDS",
    "COMMAND_EXAMPLES",
    "COMMAND_WORDS",
    "command_word",
    "CONNECTORS",
    "register",
    "canonical",
    "phrase_language",
    "connector_pattern",
]

# language -> {typed phrase: canonical (English) command phrase}
COMMAND_WORDS: dict[str, dict[str, str]] = {
    "ru": {
        "карточка": "card",
        "карточку": "card",
        "экспорт": "export",
        "выгрузи": "export",
        "выгрузить": "export",
        "график": "chart",
        "диаграмма": "chart",
        "сохрани": "save",
        "сохранить": "save",
        "заморозь": "freeze",
        "заморозить": "freeze",
        "зафиксируй": "freeze",
        "сегменты": "segments",
        "сегмент": "segment",
        "удали сегмент": "drop segment",
        "удалить сегмент": "drop segment",
        "помощь": "help",
        "справка": "help",
        "кто я": "whoami",
        "оценить": "rate",
        "оцени": "rate",
        "поставь рейтинг": "set rating",
        "установить рейтинг": "set rating",
        "снять рейтинг": "unrate",
        "сними рейтинг": "unrate",
        "пометь": "tag",
        "пометить": "tag",
        "сними тег": "untag",
        "снять тег": "untag",
        "в архив": "archive",
        "архивировать": "archive",
        "архивируй": "archive",
        "поставь статус": "set status",
        "установить статус": "set status",
        "закрепи рейтинг": "pin rating",
        "закрепить рейтинг": "pin rating",
        "открепи рейтинг": "unpin rating",
        "открепить рейтинг": "unpin rating",
        "отпиши": "opt out",
        "отписать": "opt out",
        "верни в рассылку": "opt in",
        "вернуть в рассылку": "opt in",
        "отмени": "undo",
        "откати": "undo",
        "история": "history",
        "пересчитай рейтинги": "recompute ratings",
        "пересчитать рейтинги": "recompute ratings",
        "объясни": "explain",
        "почему": "explain",
        "шаблон": "template",
        "просмотр шаблона": "preview template",
        "рассылка": "mail",
        "рассылки": "mailings",
        "отмени рассылку": "cancel mailing",
        "отменить рассылку": "cancel mailing",
        "список обзвона": "call list",
        # segment watches (bot/commands/watch.py)
        "следить за": "watch",
        "следить": "watch",
        "следи за": "watch",
        "наблюдения": "watches",
        "мои наблюдения": "watches",
        "не следить": "unwatch",
        "перестань следить": "unwatch",
        # subscriptions and digests (bot/commands/subscriptions.py)
        "каждый": "every",
        "каждую": "every",
        "каждое": "every",
        "ежедневно": "daily",
        "еженедельно": "weekly",
        "ежемесячно": "monthly",
        "подписки": "subscriptions",
        "мои подписки": "subscriptions",
        "отписаться": "unsubscribe",
        "отпишись": "unsubscribe",
        "отмени подписку": "unsubscribe",
        "сводка": "digest",
        "дайджест": "digest",
        # one customer from chat (bot/commands/edit.py, create.py, assign.py)
        "установи": "set",
        "установить": "set",
        "измени": "set",
        "поменяй": "set",
        "новый клиент": "new customer",
        "создай клиента": "new customer",
        "назначить": "assign",
        "назначь": "assign",
        "передать": "assign",
        "передай": "assign",
        # issue 21: logging and follow-ups (bot/commands/log.py, follow_ups.py)
        "записать": "log",
        "запиши": "log",
        "звонок": "log call",
        "встреча": "log meeting",
        "письмо": "log email",
        "жалоба": "log complaint",
        "заметка": "log note",
        "напомни": "remind me",
        "напомни мне": "remind me",
        "напомнить": "remind me",
        "мои напоминания": "my follow-ups",
        "отмени запись": "undo log",
        "отменить запись": "undo log",
    },
}

# language -> {command: the example its help shows}; English examples are the registry's own.
# Every example here is typed by the golden conversations (tests/golden/scenarios/help_*.chat).
COMMAND_EXAMPLES: dict[str, dict[str, str]] = {
    "ru": {
        "rate": "оцени A клиентов из Москвы, купившие Супер дрель",
        "set rating": "поставь рейтинг B для клиентов из Казани",
        "unrate": "снять рейтинг без покупок за последние 24 месяца",
        "tag": "пометь vip купившие Супер дрель более 100 тыс. в этом году",
        "untag": "сними тег vip без покупок за последние 12 месяцев",
        "archive": "в архив без покупок за последние 24 месяца",
        "set status": "поставь статус check клиенты из Казани",
        "pin rating": "закрепи рейтинг vip",
        "unpin rating": "открепи рейтинг vip",
        "card": "карточка Ромашка",
        "chart": "график выручка по городам в этом году",
        "export": "экспорт клиенты из Москвы, купившие Супер дрель, в xlsx",
        "help": "помощь периоды",
        "whoami": "кто я",
        "recompute ratings": "пересчитай рейтинги",
        "explain": "объясни Ромашка",
        "save": "сохрани купившие Супер дрель как drill-buyers-ru",
        "freeze": "заморозь vip из Москвы как moscow-vip-2026",
        "segments": "сегменты",
        "segment": "сегмент drill-buyers",
        "drop segment": "удали сегмент drill-buyers",
        "undo": "отмени",
        "history": "история",
        "template": "шаблон winback",
        "opt out": "отпиши Ромашка",
        "opt in": "верни в рассылку Ромашка",
        "mailings": "рассылки",
        "cancel mailing": "отмени рассылку 1",
        "watch": "следить за vip в зоне риска",
        "watches": "наблюдения",
        "unwatch": "не следить 1",
        "every": "каждый понедельник 9:00 присылай vip из Москвы сюда",
        "subscriptions": "подписки",
        "unsubscribe": "отписаться 1",
        "digest": "сводка ежедневно 8:00 vip без покупок за последние 90 дней",
        "set": "установи телефон Ромашка +7 912 345-67-89",
        "new customer": 'новый клиент "Ромашка Плюс", Казань, менеджер Петрова',
        "assign": "передать vip Казань Петровой",
        "log": "звонок Ромашка: договорились о пробном заказе",  # issue 21
        "remind me": "напомни в пятницу 10:00 позвонить Ромашка про пробный заказ",
        "follow up": "напомни Ромашка через 2 недели",
        "my follow-ups": "мои напоминания",
        "undo log": "отмени запись",
        "preview template": "просмотр шаблона winback для Ромашка",
        "mail": "рассылка winback для vip без покупок за последние 90 дней завтра в 9:00",
        "call list": "список обзвона vip без покупок за последние 90 дней для меня",
    },
}

# language -> {typed word: the key of the button it presses on the user's last answer}
BUTTON_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "next": "next",
        "next page": "next",
        "more": "next",
        "prev": "prev",
        "previous": "prev",
        "previous page": "prev",
        "back": "prev",
        "confirm": "confirm",
        "cancel": "cancel",
    },
    "ru": {
        "далее": "next",
        "дальше": "next",
        "ещё": "next",
        "еще": "next",
        "вперёд": "next",
        "вперед": "next",
        "следующая": "next",
        "следующая страница": "next",
        "назад": "prev",
        "предыдущая": "prev",
        "предыдущая страница": "prev",
        "подтвердить": "confirm",
        "подтверждаю": "confirm",
        "отмена": "cancel",
        "отменить": "cancel",
    },
}

# words that join a command's parts: "save QUERY as NAME", "export QUERY as xlsx", "set rating B for QUERY"
CONNECTORS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {"as": ("as",), "for": ("for",)},
    "ru": {"as": ("как", "в", "под именем"), "for": ("для",)},
}


def register(
    language: str, words: dict[str, str], connectors: dict[str, tuple[str, ...]] | None = None
) -> None:
    """Add (or extend) a language's command words from data."""
    COMMAND_WORDS.setdefault(language, {}).update({k.lower(): v for k, v in words.items()})
    if connectors:
        CONNECTORS.setdefault(language, {}).update(connectors)


def canonical(text: str) -> str:
    """``text`` with a leading command phrase of any language replaced by its English command
    phrase (longest phrase wins); other text unchanged."""
    lowered = " ".join(text.split()).lower()
    best = ""
    target = ""
    for words in COMMAND_WORDS.values():
        for phrase, command in words.items():
            if (lowered == phrase or lowered.startswith(phrase + " ")) and len(phrase) > len(best):
                best, target = phrase, command
    if not best:
        return text
    from bot.registry import drop_words

    rest = drop_words(text, len(best.split()))
    return f"{target} {rest}" if rest else target


def phrase_language(text: str) -> str | None:
    """The language of a leading non-English command phrase (``карточка …`` → ``ru``), or None."""
    lowered = " ".join(text.split()).lower()
    for language, words in COMMAND_WORDS.items():
        if any(lowered == p or lowered.startswith(p + " ") for p in words):
            return language
    return None


def connector_pattern(kind: str) -> str:
    """A regex alternation of every language's words for ``kind`` (e.g. ``as``)."""
    words = sorted({w for c in CONNECTORS.values() for w in c.get(kind, ())}, key=len, reverse=True)
    return "|".join(w.replace(" ", r"\s+") for w in words)


def command_word(command: str, language: str) -> str:
    """How a user of ``language`` types ``command``: its first phrase there, else the English."""
    return next((p for p, c in COMMAND_WORDS.get(language, {}).items() if c == command), command)
