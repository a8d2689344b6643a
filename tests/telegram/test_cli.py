"""``custbot telegram set-webhook`` against the stand-in."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from custbot.cli import main
from tests.telegram.conftest import TOKEN
from tests.telegram.standin import BotApiStandIn


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "custbot.toml"
    path.write_text(f'[telegram]\nbase_url = "{url}/bot"\nbase_file_url = "{url}/file/bot"\n')
    return path


@pytest.fixture
def stand_in():  # type: ignore[no-untyped-def]
    loop = asyncio.new_event_loop()
    api = BotApiStandIn(TOKEN)
    loop.run_until_complete(api.__aenter__())
    import threading

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield api
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.run_until_complete(api.__aexit__())
    loop.close()


def test_set_webhook_uses_token_and_secret_from_the_environment(
    stand_in, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("CUSTBOT_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("CUSTBOT_TELEGRAM_WEBHOOK_SECRET", "abc_DEF-123")
    status = main(
        [
            "telegram",
            "set-webhook",
            "https://bot.example.com/tg",
            "--config",
            str(_config(tmp_path, stand_in.url)),
        ]
    )
    assert status == 0, capsys.readouterr().err
    assert stand_in.webhook["url"] == "https://bot.example.com/tg"
    assert stand_in.webhook["secret_token"] == "abc_DEF-123"
    assert TOKEN not in capsys.readouterr().out


def test_set_webhook_without_token_is_one_error_line(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("CUSTBOT_TELEGRAM_TOKEN", raising=False)
    status = main(
        [
            "telegram",
            "set-webhook",
            "https://bot.example.com/tg",
            "--config",
            str(_config(tmp_path, "http://127.0.0.1:9")),
        ]
    )
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "CUSTBOT_TELEGRAM_TOKEN" in err


def test_set_webhook_refused_by_telegram_is_one_error_line(
    stand_in, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("CUSTBOT_TELEGRAM_TOKEN", "42:wrong-token")
    monkeypatch.setenv("CUSTBOT_TELEGRAM_WEBHOOK_SECRET", "abc")
    status = main(
        [
            "telegram",
            "set-webhook",
            "https://bot.example.com/tg",
            "--config",
            str(_config(tmp_path, stand_in.url)),
        ]
    )
    err = capsys.readouterr().err
    assert status == 2 and "refused" in err and "wrong-token" not in err
