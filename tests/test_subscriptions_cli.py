"""The demo ships a subscription and a digest (en and ru, SQLite and PostgreSQL), and
``custbot subscriptions run --at`` (a fake clock) posts each once: the subscription to the
terminal, the digest to every manager and rep of the demo, each their own version."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from custbot.cli import main
from custbot.config import load_settings
from storage.schema import subscription_runs

AS_OF = "2026-11-22"  # a Sunday: the digest runs on Monday 8:00, the subscription at 9:00


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_demo_ships_a_subscription_and_a_digest(
    engine: Engine,
    db_url: str,
    lang: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    base = ["--db", db_url, "--as-of", AS_OF]
    assert main([*base, "demo", "--lang", lang, "--customers", "400"]) == 0
    assert "Subscription 1 posts a list every Monday" in capsys.readouterr().out
    settings = load_settings(Path("custbot.toml"), {"database.url": db_url})
    assert [d.reps for d in settings.digests] == [True]

    assert main([*base, "subscriptions", "list"]) == 0
    listed = capsys.readouterr().out
    assert "\tpost\t" in listed and "terminal:terminal" in listed

    assert main([*base, "subscriptions", "run", "--at", "2026-11-22T23:00"]) == 0
    assert "sent: 0," in capsys.readouterr().out  # nothing due yet; the digest is stored
    assert main([*base, "subscriptions", "run", "--at", "2026-11-23T09:01"]) == 0
    out = capsys.readouterr().out
    sent = int(out.rsplit("sent: ", 1)[1].split(",")[0])
    assert sent >= 2, out  # the subscription and at least one manager's digest
    assert "── to terminal ──" in out and ("Subscription 1" in out or "Подписка 1" in out)
    assert main([*base, "subscriptions", "run", "--at", "2026-11-23T09:02"]) == 0
    assert "sent: 0," in capsys.readouterr().out  # each run once
    with engine.connect() as conn:
        recipients = conn.execute(select(subscription_runs.c.recipient)).scalars().all()
    assert len(recipients) == len(set(recipients)) >= 2
    assert all(r.startswith("terminal:") for r in recipients)


def test_a_time_that_does_not_read_is_one_line(
    engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", db_url, "subscriptions", "run", "--at", "monday"]) != 0
    assert "not an ISO time" in capsys.readouterr().err
