"""The mail commands in Russian (issue #15, defect 8): the Russian command words with Russian
connectors, and every answer — previews, refusals, mailing errors — in Russian."""

from __future__ import annotations

from tests.bot.conftest import Person

TEMPLATE = "Тема: Новости для {{ name }}\nЗдравствуйте, {{ name }}! У {{ manager }} есть новинки."


def test_the_mail_commands_work_and_answer_in_russian(manager: Person) -> None:
    manager.say("шаблон новинки")
    assert "Пришлите текст шаблона" in manager.text()
    manager.say(TEMPLATE)
    assert "Шаблон «новинки» сохранён" in manager.text()
    manager.say("просмотр шаблона новинки для Romashka")
    assert "Здравствуйте, Romashka" in manager.text(), manager.text()
    manager.say("рассылка новинки для vip завтра в 9:00")
    assert "Рассылка «новинки»" in manager.text(), manager.text()
    assert "Подтвердить" in {b.label for b in manager.buttons()}
    manager.say("рассылка новинки для vip каждый понедельник в 9:00")
    assert "затем по расписанию" in manager.text(), manager.text()
    manager.say("рассылка новинки для vip каждый понедельник в 9:00 зафиксировав получателей")
    assert "всегда сегодняшним получателям" in manager.text(), manager.text()


def test_mailing_errors_are_said_in_russian(manager: Person) -> None:
    for typed, russian in (
        ("рассылка новинки для vip завтра в 25:00", "не удалось прочитать время"),
        ("рассылка нет-такого для vip завтра в 9:00", "нет шаблона «нет-такого»"),
        ("отмени рассылку 99", "нет рассылки №99"),
        ("просмотр шаблона winback", "Напишите «просмотр шаблона ШАБЛОН для КЛИЕНТ»"),
    ):
        manager.say(typed)
        assert russian in manager.text(), (typed, manager.text())
        assert "cannot" not in manager.text() and "template" not in manager.text()
