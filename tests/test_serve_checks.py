"""``custbot serve`` fails loudly (issue #16, defect 6): configuration that cannot work stops it
at start with one line and a non-zero exit; ``serve --check`` asks Telegram (getMe) and Slack
(auth.test) — here their loopback stand-ins — whether they accept the tokens; a part that dies
is logged and restarted with backoff, and one that keeps dying stops serve."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from custbot.cli import main
from custbot.supervise import Backoff, PartDied, supervise
from tests.slack.web_api import APP_TOKEN, BOT_TOKEN, WebApiStandIn
from tests.telegram.conftest import TOKEN
from tests.telegram.standin import BotApiStandIn

SECRETS = (
    "CUSTBOT_TELEGRAM_TOKEN",
    "CUSTBOT_TELEGRAM_WEBHOOK_SECRET",
    "CUSTBOT_SLACK_BOT_TOKEN",
    "CUSTBOT_SLACK_APP_TOKEN",
    "CUSTBOT_SLACK_SIGNING_SECRET",
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in SECRETS:
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


@contextmanager
def in_thread(stand_in: Any) -> Iterator[Any]:
    """A loopback stand-in served from its own event loop, so the command line can ask it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield asyncio.run_coroutine_threadsafe(stand_in.__aenter__(), loop).result(10)
    finally:
        asyncio.run_coroutine_threadsafe(stand_in.__aexit__(None, None, None), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def _run(tmp_path: Path, capsys, config: str, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    path = tmp_path / "custbot.toml"
    path.write_text(config, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    status = main(["serve", *args, "--config", str(path), "--db", db])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    "config, secrets, said",
    [
        (
            '[telegram]\nmode = "webhook"\n',
            {"CUSTBOT_TELEGRAM_TOKEN": "1:x", "CUSTBOT_TELEGRAM_WEBHOOK_SECRET": "s3cret"},
            "telegram.webhook_url is not set",
        ),
        (
            '[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example/tg"\n',
            {"CUSTBOT_TELEGRAM_TOKEN": "1:x"},
            "$CUSTBOT_TELEGRAM_WEBHOOK_SECRET is not set",
        ),
        (
            '[telegram]\nmode = "webhook"\nwebhook_url = "https://bot.example/tg"\n',
            {"CUSTBOT_TELEGRAM_WEBHOOK_SECRET": "s3cret"},
            "$CUSTBOT_TELEGRAM_TOKEN is not set",
        ),
        (
            '[slack]\nallowed_teams = ["T1"]\n',
            {"CUSTBOT_SLACK_BOT_TOKEN": "xoxb-1"},
            "Socket Mode needs $CUSTBOT_SLACK_APP_TOKEN",
        ),
        (
            '[slack]\nallowed_teams = ["T1"]\n',
            {"CUSTBOT_SLACK_BOT_TOKEN": "xoxb-1", "CUSTBOT_SLACK_APP_TOKEN": "xoxb-2"},
            "starting with xapp-",
        ),
        (
            '[slack]\nmode = "http"\nallowed_teams = ["T1"]\n',
            {"CUSTBOT_SLACK_BOT_TOKEN": "xoxb-1"},
            "HTTP mode needs $CUSTBOT_SLACK_SIGNING_SECRET",
        ),
        (
            '[slack]\nmode = "http"\nallowed_teams = ["T1"]\n',
            {"CUSTBOT_SLACK_SIGNING_SECRET": "abc"},
            "$CUSTBOT_SLACK_BOT_TOKEN is not set",
        ),
    ],
)
def test_configuration_that_cannot_work_stops_serve_at_start(
    tmp_path: Path,
    capsys,  # type: ignore[no-untyped-def]
    env: pytest.MonkeyPatch,
    config: str,
    secrets: dict[str, str],
    said: str,
) -> None:
    for key, value in secrets.items():
        env.setenv(key, value)
    status, _out, err = _run(tmp_path, capsys, config)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot serve: ") and said in lines[0]
    status, _out, err = _run(tmp_path, capsys, config, "--check")
    assert status == 1 and said in err and "not ready" in _out


def _telegram_config(api: BotApiStandIn) -> str:
    return f'[telegram]\nbase_url = "{api.url}/bot"\nbase_file_url = "{api.url}/file/bot"\n'


def test_check_asks_telegram_whether_it_accepts_the_token(tmp_path: Path, capsys, env) -> None:  # type: ignore[no-untyped-def]
    with in_thread(BotApiStandIn(TOKEN)) as api:
        config = _telegram_config(api)
        env.setenv("CUSTBOT_TELEGRAM_TOKEN", TOKEN)
        status, out, err = _run(tmp_path, capsys, config, "--check")
        assert status == 0, err
        assert "ok: telegram: @" in out and "ready: telegram" in out
        assert [c.method for c in api.calls] == ["getMe"]
        env.setenv("CUSTBOT_TELEGRAM_TOKEN", "123456789:refused-by-the-stand-in")
        status, out, err = _run(tmp_path, capsys, config, "--check")
        assert status == 1 and "refused the token in $CUSTBOT_TELEGRAM_TOKEN" in err
        assert "refused-by-the-stand-in" not in out + err  # the token itself is never shown
        status, out, err = _run(tmp_path, capsys, config)  # and serve does not start
        assert status == 2 and "cannot serve: telegram:" in err and "refused" in err


def test_check_asks_slack_whether_it_accepts_the_token(tmp_path: Path, capsys, env) -> None:  # type: ignore[no-untyped-def]
    with in_thread(WebApiStandIn()) as api:
        config = f'[slack]\nbase_url = "{api.base_url}"\nallowed_teams = ["T1"]\n'
        env.setenv("CUSTBOT_SLACK_BOT_TOKEN", BOT_TOKEN)
        env.setenv("CUSTBOT_SLACK_APP_TOKEN", APP_TOKEN)
        status, out, err = _run(tmp_path, capsys, config, "--check")
        assert status == 0, err
        assert "ok: slack:" in out and "team T1" in out
        assert [c.method for c in api.calls] == ["auth.test"]
        env.setenv("CUSTBOT_SLACK_BOT_TOKEN", "xoxb-refused")
        status, out, err = _run(tmp_path, capsys, config, "--check")
        assert status == 1 and "refused the token" in err and "invalid_auth" in err


def test_check_with_nothing_configured_is_ready(tmp_path: Path, capsys, env) -> None:  # type: ignore[no-untyped-def]
    status, out, _err = _run(tmp_path, capsys, "", "--check")
    assert status == 0 and "ready: no chat front end, database, mail" in out


@pytest.fixture
def serve_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog for custbot.serve, enabled again if a library's logging.config (import-linter's,
    run by tests/test_layers.py) disabled the loggers that existed before it."""
    logger = logging.getLogger("custbot.serve")
    was, logger.disabled = logger.disabled, False
    yield caplog
    logger.disabled = was


FAST = Backoff(first_delay=0.01, max_delay=0.05, max_failures=4, healthy_after=60)


def test_a_part_that_dies_is_logged_and_restarted(serve_log: pytest.LogCaptureFixture) -> None:
    caplog = serve_log
    starts: list[int] = []

    async def run() -> None:
        stop = asyncio.Event()

        async def part() -> None:
            starts.append(1)
            if len(starts) <= 2:
                raise ConnectionError(f"lost the platform ({len(starts)})")
            await stop.wait()

        task = asyncio.create_task(supervise("telegram", part, stop, FAST))
        while len(starts) < 3:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, 5)

    with caplog.at_level(logging.INFO, logger="custbot.serve"):
        asyncio.run(run())
    assert len(starts) == 3
    died = [r for r in caplog.records if r.getMessage() == "telegram died"]
    assert len(died) == 2 and all(r.exc_info for r in died)  # loudly: with the traceback
    assert "restarting in" in caplog.text and "lost the platform (2)" in caplog.text


def test_a_part_that_keeps_dying_stops_serve(serve_log: pytest.LogCaptureFixture) -> None:
    caplog = serve_log

    async def part() -> None:
        raise RuntimeError("refused")

    async def run() -> None:
        await supervise("slack", part, asyncio.Event(), FAST)

    with pytest.raises(PartDied, match="slack failed 4 times in a row"):
        asyncio.run(run())
    assert any(r.levelno == logging.CRITICAL for r in caplog.records)


def test_backoff_grows_and_is_bounded() -> None:
    b = Backoff(first_delay=1, max_delay=60)
    assert [b.delay(n) for n in (1, 2, 3, 4, 7, 8, 20)] == [1, 2, 4, 8, 60, 60, 60]
