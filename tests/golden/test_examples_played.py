"""Every example a user reads is played through the real chat core (issue #15).

The examples: the README's chat lines, the demo's own hints, every example of ``help`` (the
commands' ``@command(example=…)``, their Russian examples in ``bot/lexicon.py`` and the help
topics) on the computed demo, in English and Russian; and every query of
docs/query-language.md and docs/query-language-ru.md on the fixture those docs are written for.
Each is typed by a manager on SQLite and PostgreSQL. A test fails when an example answers with
an error (an "I don't know …", a refusal), or when a Russian answer shows a message without a
Russian translation or English words the example did not type (values a user types, such as a
tag or a template's name, are theirs).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine

import bot.commands  # noqa: F401 - registers the commands
from bot.commands.help import TOPIC_EXAMPLES, TOPICS
from bot.core import ChatCore
from bot.i18n import missing_messages
from bot.lexicon import COMMAND_EXAMPLES, canonical
from bot.messages import Buttons, File, Identity, Image, Reply, Request, Table, Text
from bot.registry import COMMANDS
from tests.conftest import BACKENDS, require_backend
from tests.golden.conftest import AS_OF, _Templates
from tests.golden.runner import REPO, _doc_examples, _settings
from tests.golden.transcript import files_lines, slack_lines, telegram_lines
from tests.query_language.fixture import ql_db as ql_db  # noqa: F401 - module fixture
from tests.query_language.test_russian_fixture import ru_db as ru_db  # noqa: F401

LANGUAGES = ("en", "ru")
_CYRILLIC = re.compile("[А-Яа-яЁё]")
_LATIN_WORD = re.compile(r"(?<![\w@.-])[A-Za-z]{2,}(?![\w@.-])")
# Latin words a Russian answer may show: file formats, currency and time zone codes, the class
# systems' names, the mail header keyword that templates must start with
ALLOWED_LATIN = {"csv", "xlsx", "png", "rub", "utc", "abc", "xyz", "rfm", "subject", "id"}
# what the README shows answered by an error on purpose (how a typo is answered): a typed line
# whose next line is an "I don't know"
_README = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
SHOWN_AS_ERRORS = {
    line[2:].strip()
    for line, answer in zip(_README, _README[1:], strict=False)
    if line.startswith("> ") and answer.startswith(("не знаю", "I don't know"))
}
# what a person sends after 'template NAME'
TEMPLATE_TEXT = {
    "en": "Subject: News for {{ name }}\nHello {{ name }}, {{ manager }} has new offers for you.",
    "ru": "Тема: Новости для {{ name }}\nЗдравствуйте, {{ name }}! У {{ manager }} есть новинки.",
}
# a template's {{ fields }} are named the same in every language, a time zone is its IANA name
_FIELD = re.compile(r"\{\{.*?\}\}|\b[A-Z][a-z]+/[A-Za-z_]+\b")
# the renderers' own notation in a transcript: HTML tags, entities, block kinds, action ids
_MARKUP = re.compile(
    r"<[^>]+>|&\w+;|message \d+(?: — notification)?:|(?:document|photo) \d+:|\((?:primary|danger)\)"
    r"|\b(?:keyboard|confirm dialog|context|header|actions|upload|title|comment|caption"
    r"|section \((?:plain_text|mrkdwn)\)):|(?:action_id|callback_data)=\S+"
)
# played last: they remove what earlier examples use
_LAST = {"drop segment", "undo", "cancel mailing"}


def _mine(text: str, language: str) -> bool:
    return bool(_CYRILLIC.search(text)) == (language == "ru")


def demo_examples(language: str) -> list[tuple[str, str]]:
    """``(where it is written, the example)`` for every example shown on the demo."""
    from storage.demo_words import TEXT

    found = [("README.md", e) for e in _doc_examples(REPO / "README.md") if _mine(e, language)]
    found += [("the demo's hints", e) for e in TEXT[language]["examples"]]
    local = COMMAND_EXAMPLES.get(language, {})
    found += [(f"help: {c.name}", local.get(c.name, c.example)) for c in COMMANDS]
    topics = TOPIC_EXAMPLES.get(language, {})
    found += [
        (f"help {topic}", e)
        for topic, (_title, examples) in TOPICS.items()
        for e in topics.get(topic, examples)
    ]
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda f: _command(f[1]) in _LAST)  # stable: the rest keep order


def doc_queries(language: str) -> list[tuple[str, str]]:
    """``(doc, query)`` for every line of the ```query blocks of the query-language doc."""
    doc = REPO / "docs" / ("query-language-ru.md" if language == "ru" else "query-language.md")
    blocks = re.findall(r"^```query\n(.*?)^```", doc.read_text(encoding="utf-8"), re.M | re.S)
    lines = [line.partition(" → ")[0].strip() for b in blocks for line in b.splitlines()]
    return [(doc.name, q) for q in dict.fromkeys(q for q in lines if q)]


def _command(text: str) -> str:
    english = canonical(text).lower()
    return next((c.name for c in COMMANDS if english.startswith(c.name)), "")


def _shown(reply: Reply, language: str = "en") -> Iterator[str]:
    """What a person reads of a reply besides the data rows: texts, headers, buttons, captions,
    and what the Telegram and Slack front ends add of their own (markup and block kinds aside)."""
    if language != "en":
        rows = {cell for p in reply.parts if isinstance(p, Table) for row in p.rows for cell in row}
        for line in [*telegram_lines(reply, language), *slack_lines(reply, language)]:
            line = _MARKUP.sub(" ", line)
            yield " ".join(w for w in line.split() if not any(w in cell for cell in rows))
        for line in files_lines(reply):  # a file's column titles and sheet names, not its rows
            if line.strip().startswith(("columns:", "sheet ")):
                yield line.strip().removeprefix("columns:").removeprefix("sheet ")
    for part in reply.parts:
        if isinstance(part, Text):
            yield part.text
        elif isinstance(part, Table):
            yield from part.columns
            yield part.title or ""
        elif isinstance(part, Buttons):
            yield from (b.label for b in part.buttons)
        elif isinstance(part, File | Image):
            yield part.caption


def _data_words(core: ChatCore) -> set[str]:
    """The Latin words of the data's own names that a query may show back: tag names."""
    from sqlalchemy import select

    from storage.schema import tags

    with core.engine.connect() as conn:
        names = conn.execute(select(tags.c.name)).scalars().all()
    return {w.casefold() for n in names for w in re.findall(r"[A-Za-z]+", n)}


def problems(
    core: ChatCore, who: Identity, example: str, language: str, before: str = ""
) -> list[str]:
    """What is wrong with the answer to ``example``: errors, untranslated or English text."""
    missing_messages("ru", clear=True)
    replies = asyncio.run(core.handle(Request(who, "examples", text=example)))
    found = [
        f"answers with an error: {p.text.splitlines()[0]!r}"
        for r in replies
        for p in r.parts
        if isinstance(p, Text) and p.style == "error"
    ]
    if not replies:
        found.append("answers nothing")
    if language == "ru":
        if untranslated := missing_messages("ru", clear=True):
            found.append(f"shows messages without a translation: {sorted(untranslated)}")
        typed = {w.casefold() for w in re.findall(r"[A-Za-z]+", f"{before} {example}")}
        typed |= _data_words(core)  # tags and segments are the data's words, in no language
        english = sorted(
            {
                w
                for r in replies
                for shown in _shown(r, language)
                for w in _LATIN_WORD.findall(_FIELD.sub(" ", shown))
                if w.casefold() not in ALLOWED_LATIN | typed
            }
        )
        if english:
            found.append(f"answers partly in English: {english}")
    return found


def _play(core: ChatCore, who: Identity, examples: list[tuple[str, str]], lang: str) -> list[str]:
    core.handle_sync(Request(who, "examples", text="help" if lang == "en" else "помощь"))
    failures = []
    for where, example in examples:
        found = [] if example in SHOWN_AS_ERRORS else problems(core, who, example, lang)
        if _command(example) == "template":  # it asks for the text, as its help line says
            found += problems(core, who, TEMPLATE_TEXT[lang], lang, before=example)
        if found:
            failures.append(f"{example!r} ({where}): " + "; ".join(found))
    return failures


@pytest.fixture(scope="module")
def _templates() -> Iterator[_Templates]:
    templates = _Templates()
    yield templates
    templates.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_example_shown_on_the_demo_answers(
    backend: str, language: str, _templates: _Templates
) -> None:
    require_backend(backend)
    examples = demo_examples(language)
    assert len(examples) >= 40, examples
    data = f"demo-{language}-computed"
    with _templates.copy(backend, data) as engine:
        settings = {"data": data, "language": language, "currency": "RUB", "scope": "all"}
        core = ChatCore(engine, _settings(settings), today=AS_OF)
        failures = _play(core, Identity("terminal", "local"), examples, language)
    assert not failures, f"{len(failures)} of {len(examples)} examples:\n" + "\n".join(failures)


def _doc_core(engine: Engine, language: str) -> ChatCore:
    settings = {"data": "empty", "language": language, "currency": "RUB", "scope": "all"}
    return ChatCore(engine, _settings(settings), today=date(2026, 11, 22))


def test_every_english_doc_query_answers(ql_db: Engine) -> None:  # noqa: F811
    examples = doc_queries("en")
    assert len(examples) >= 100
    failures = _play(_doc_core(ql_db, "en"), Identity("terminal", "local"), examples, "en")
    assert not failures, f"{len(failures)} of {len(examples)} examples:\n" + "\n".join(failures)


def test_every_russian_doc_query_answers(ru_db: Engine) -> None:  # noqa: F811
    examples = doc_queries("ru")
    assert len(examples) >= 100
    failures = _play(_doc_core(ru_db, "ru"), Identity("terminal", "local"), examples, "ru")
    assert not failures, f"{len(failures)} of {len(examples)} examples:\n" + "\n".join(failures)


def test_the_check_catches_an_english_answer() -> None:
    """The net has holes it should not: an English text in a Russian answer is found."""
    reply = Reply((Text("сохранено"), Table(("имя", "spend"), ()), Buttons(())))
    shown = [w for s in _shown(reply) for w in _LATIN_WORD.findall(s)]
    assert shown == ["spend"]
