"""The chat's message catalogs: extraction is complete and committed, Russian translates every
message with the same placeholders, the .mo matches the .po, users get answers in their language
(configured, or that of their last query, also for button presses), and a third language is
added from data alone."""

from __future__ import annotations

import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po
from sqlalchemy import Engine, select, update

from bot import i18n
from bot.commands.help import TOPICS
from bot.core import ChatCore
from bot.messages import Identity
from bot.registry import COMMANDS
from storage.schema import chat_users, customers, managers
from tests.bot.conftest import Person, tg
from tests.bot.seed import MOSCOW

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "bot/locale/custbot.pot"
RU_PO = ROOT / "bot/locale/ru/LC_MESSAGES/custbot.po"
RU_MO = ROOT / "bot/locale/ru/LC_MESSAGES/custbot.mo"
PYBABEL = str(Path(sys.executable).with_name("pybabel"))


def _pybabel(*args: str) -> None:
    done = subprocess.run([PYBABEL, "-q", *args], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"pybabel {' '.join(args)} failed:\n{done.stderr}"


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _ids(catalog: Catalog) -> set[str]:
    return {m.id for m in catalog if m.id}


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def _set_language(engine: Engine, manager_id: int, language: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(update(managers).where(managers.c.id == manager_id).values(language=language))


# --- (a) the catalogs are complete ---------------------------------------------------------


def test_the_template_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "custbot.pot"
    _pybabel(
        "extract", "-F", "babel.cfg", "-k", "_", "-o", str(fresh), "bot", "analytics", "mailing"
    )
    new, committed = _ids(_read_po(fresh)), _ids(_read_po(POT))
    assert new == committed, (
        f"bot/locale/custbot.pot is stale: new {sorted(new - committed)}, gone {sorted(committed - new)}; "
        "re-run the extraction and update step of docs/i18n.md"
    )


def test_extraction_finds_the_messages_passed_through_variables() -> None:
    ids = _ids(_read_po(POT))
    assert {c.help for c in COMMANDS} <= ids, (
        "every command's help line (its docstring) is a message"
    )
    assert {title for title, _examples in TOPICS.values()} <= ids, (
        "every help topic's title is a message"
    )
    assert "The answer is long, so here it is as a file." in ids  # bot/telegram/deliver.py _PHRASES


def test_russian_translates_every_message_with_the_same_placeholders() -> None:
    ru = _read_po(RU_PO)
    assert _ids(ru) == _ids(_read_po(POT)), "run 'pybabel update' (docs/i18n.md) after extracting"
    problems = []
    for m in ru:
        if not m.id:
            continue
        if isinstance(m.id, tuple):  # a plural: every Russian form, each with the placeholders
            forms = list(m.string) if isinstance(m.string, tuple) else [m.string]
            if m.fuzzy or len(forms) != 3 or not all(forms):
                problems.append(f"untranslated or fuzzy plural: {m.id!r}")
            elif any(_fields(f) != _fields(m.id[1]) for f in forms):
                problems.append(f"placeholders differ: {m.id!r} -> {m.string!r}")
        elif not m.string or m.fuzzy:
            problems.append(f"untranslated or fuzzy: {m.id!r}")
        elif _fields(m.id) != _fields(m.string):
            problems.append(f"placeholders differ: {m.id!r} -> {m.string!r}")
        elif (
            m.id == m.string
            and any(ch.isalpha() for ch in m.id)
            and m.id not in {"ABC / XYZ / RFM", "{verb}: {target}"}
        ):
            problems.append(f"left in English: {m.id!r}")
    assert not problems, "\n".join(problems)


# --- (b) the compiled catalog matches its source --------------------------------------------


def _key(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value  # plurals: forms


def test_the_compiled_catalog_matches_the_po(tmp_path: Path) -> None:
    out = tmp_path / "custbot.mo"
    _pybabel("compile", "-i", str(RU_PO), "-o", str(out), "-D", "custbot", "-l", "ru")
    with out.open("rb") as f:
        fresh = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    with RU_MO.open("rb") as f:
        committed = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    assert fresh == committed, (
        "bot/locale/ru/LC_MESSAGES/custbot.mo is stale: run 'pybabel compile' (docs/i18n.md)"
    )


# --- (c) users get answers in their language -------------------------------------------------


def _not_a(engine: Engine) -> int:
    """Moscow's customers that 'rate A Moscow' changes: those not rated A already."""
    with engine.connect() as conn:
        ratings = conn.execute(select(customers.c.rating).where(customers.c.city == "Moscow"))
        return sum(1 for (r,) in ratings if r != "A")


def test_a_user_configured_for_russian_gets_russian_previews_and_buttons(
    core: ChatCore, seeded: Engine
) -> None:
    _set_language(seeded, 3, "ru")
    manager = Person(core, tg(1003))
    manager.say(
        "rate A Moscow"
    )  # the query itself is English; the answer is in the user's language
    assert {"Подтвердить", "Отмена"} == {b.label for b in manager.buttons()}
    assert f"Будет изменено клиентов: {_not_a(seeded)}." in manager.text()
    manager.press("Отмена")
    assert manager.text() == "Отменено, ничего не изменено."
    manager.say("Moscow")
    assert f"{MOSCOW} клиентов" in manager.text()  # 25: the "many" form
    assert manager.tables()[0].columns == (
        "#",
        "имя",
        "город",
        "рейтинг",
        "выручка за всё время",
        "последняя покупка",
    )
    assert {"Далее ▶", "Экспорт CSV", "Экспорт XLSX", "График", "Рейтинг A"} <= {
        b.label for b in manager.buttons()
    }
    manager.press("Далее ▶")
    assert "◀ Назад" in {b.label for b in manager.buttons()}


def test_help_topics_and_command_help_lines_come_in_russian(core: ChatCore, seeded: Engine) -> None:
    _set_language(seeded, 3, "ru")
    manager = Person(core, tg(1003))
    manager.say("help periods")
    assert manager.text().startswith("Периоды календарные, обе границы включаются")
    manager.say("help")
    [table] = manager.tables()
    assert table.columns == ("команда", "пример")
    assert "карточка" in {row[0] for row in table.rows}
    manager.say("помощь карточка")  # what one command does
    assert "Карточка клиента (можно написать просто название клиента)." in manager.text()
    assert dict(core.commands("ru"))["help"] == "Как спрашивать, с примерами"


def test_without_a_configured_language_the_last_querys_language_is_used_also_for_buttons(
    core: ChatCore,
    seeded: Engine,
) -> None:
    manager = Person(core, tg(1003))
    manager.say("активные клиенты")  # a Russian query
    assert "35 клиентов" in manager.text()
    with seeded.connect() as conn:
        stored = conn.execute(
            select(chat_users.c.language).where(chat_users.c.user_key == "telegram:1003")
        ).scalar()
    assert stored == "ru", "the core remembers the language of the last query"
    manager.press("Далее ▶")  # a button press carries no text: the remembered language answers
    assert "35 клиентов" in manager.text() and "◀ Назад" in {b.label for b in manager.buttons()}
    manager.press("Рейтинг A")
    assert {"Подтвердить", "Отмена"} == {b.label for b in manager.buttons()}
    manager.press("Подтвердить")
    assert manager.text().startswith("Готово: ") and "Отменить изменение" in {
        b.label for b in manager.buttons()
    }
    manager.say("Moscow")  # an English query switches the answers back
    assert f"{MOSCOW} customers" in manager.text()
    manager.press("Next ▶")
    assert "◀ Previous" in {b.label for b in manager.buttons()}


def test_every_message_a_russian_session_asks_for_is_in_the_catalog(
    core: ChatCore, seeded: Engine
) -> None:
    """Catches messages that reach gettext through a variable the extraction does not see."""
    _set_language(seeded, 3, "ru")
    i18n.missing_messages("ru", clear=True)
    manager, rep = Person(core, tg(1003)), Person(core, tg(1001))
    _set_language(seeded, 1, "ru")
    for text in [
        "help",
        *(f"help {t}" for t in TOPICS),
        "help nosuch",
        "whoami",
        "card Romashka",
        "card",
        "card Nobody",
        "rate",
        "rate Z Moscow",
        "tag",
        "untag",
        "undo x",
        "chart",
        "export",
        "history",
        "segments",
        "save Kazan as kz",
        "freeze vip as v1",
        "save Kazan",
        "drop segment kz",
        "count by city",
        "export count by city",
        "zzzqqq",
    ]:
        manager.say(text)
    manager.say("Moscow")
    manager.press("Далее ▶")
    manager.say("rate B vip")
    manager.press("Подтвердить")
    manager.press("Отменить изменение")
    manager.press("Подтвердить отмену")
    manager.say("history")
    manager.press("expired-token")
    rep.say("rate A Moscow")
    rep.say("card Client <02> & Co_*[]")
    core.commands("ru")
    assert i18n.missing_messages("ru") == set(), "messages without a Russian translation"


# --- (d) a third language from data alone -----------------------------------------------------


def _toy_language(locale_dir: Path, code: str, *, drop: str | None = None) -> None:
    """A pseudo-translation of every message: ``[[Confirm]]``; placeholders stay intact."""
    template = _read_po(POT)
    catalog = Catalog(
        locale=None, domain="custbot", fuzzy=False
    )  # Babel skips compiling a fuzzy catalog
    for m in template:
        if isinstance(m.id, tuple):  # a plural: both forms pseudo-translated
            catalog.add(m.id, tuple(f"[[{form}]]" for form in m.id))
        elif m.id and m.id != drop:
            catalog.add(m.id, f"[[{m.id}]]")
    po = locale_dir / code / "LC_MESSAGES" / "custbot.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as f:
        write_po(f, catalog)
    _pybabel("compile", "-d", str(locale_dir), "-D", "custbot", "-l", code)
    assert po.with_suffix(".mo").is_file()


def test_a_third_language_is_added_from_data_alone(
    core: ChatCore, seeded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _toy_language(tmp_path, "xx", drop="Cancel")
    monkeypatch.setenv(i18n.ENV_LOCALE_DIRS, str(tmp_path))
    assert "xx" in i18n.available_languages()
    _set_language(seeded, 3, "xx")
    manager = Person(core, tg(1003))
    manager.say("rate A Moscow")
    assert "[[Confirm]]" in {b.label for b in manager.buttons()}
    assert "Cancel" in {b.label for b in manager.buttons()}, (
        "a message the catalog lacks falls back to English"
    )
    assert f"[[{_not_a(seeded)} customers would change.]]" in manager.text()
    manager.say("Moscow")
    assert "[[Next ▶]]" in {b.label for b in manager.buttons()}
    manager.press("[[Next ▶]]")
    assert "[[◀ Previous]]" in {b.label for b in manager.buttons()}


def test_a_registered_locale_dir_wins_over_the_built_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(i18n, "_registered", [])
    _toy_language(tmp_path, "ru")  # a deployment's own Russian wording
    assert i18n.translator("ru")("Confirm") == "Подтвердить"
    i18n.register_locale_dir(tmp_path)
    assert i18n.translator("ru")("Confirm") == "[[Confirm]]"
    assert i18n.translator("ru-RU")("Confirm") == "[[Confirm]]"
    assert i18n.translator("en")("Confirm") == "Confirm"
    assert i18n.translator("de")("Confirm") == "Confirm", (
        "a language without a catalog answers in English"
    )
    monkeypatch.setattr(i18n, "_registered", [])
    assert i18n.translator("ru")("Confirm") == "Подтвердить"


def test_the_home_tab_speaks_the_users_language(core: ChatCore, seeded: Engine) -> None:
    import asyncio

    _set_language(seeded, 3, "ru")
    parts = asyncio.run(core.home(Identity("telegram", "1003")))
    assert parts[0].text == "Сохранённые сегменты"  # type: ignore[union-attr]
