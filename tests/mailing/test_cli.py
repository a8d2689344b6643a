"""The command line: ``custbot optout``, ``custbot mail send-due|templates|list``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from custbot.cli import main
from mailing import create_mailing, parse_when, save_template
from storage.schema import customers
from tests.mailing.conftest import SmtpServer, seed


def test_optout_by_email(engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with engine.begin() as conn:
        seed(conn, 3)
    assert main(["optout", "C2@example.com", "--db", db_url]) == 0
    assert "Opted out 1 customer with C2@example.com." in capsys.readouterr().out
    with engine.connect() as conn:
        opted = conn.scalars(
            select(customers.c.email).where(customers.c.opted_out_at.is_not(None))
        ).all()
    assert opted == ["c2@example.com"]
    assert main(["optout", "nobody@example.com", "--db", db_url]) == 1
    assert "no customer has the address nobody@example.com" in capsys.readouterr().err
    assert main(["optout", "not-an-address", "--db", db_url]) == 1
    assert "is not an e-mail address" in capsys.readouterr().err


def test_send_due_delivers_and_prints_the_report(
    engine: Engine,
    db_url: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "custbot.toml"
    config.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nrate_per_minute = 0\n'
        'from_address = "news@shop.example"\n',
        encoding="utf-8",
    )
    with engine.begin() as conn:
        ids = seed(conn, 4)
        save_template(conn, "hello", "Subject: Hello {{ name }}\nHi", None)
        now = datetime.now(UTC)
        mid = create_mailing(
            conn,
            "hello",
            "customers in Berlin",
            "en",
            parse_when("now", "UTC", now),
            None,
            None,
            ids[:3],
        )
    assert main(["mail", "send-due", "--db", db_url, "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "sent 3, retrying 0, failed 0, skipped 0" in out
    assert f"Mailing {mid} ('hello', run 1): 3 sent." in out
    assert sorted(smtp_server.handler.per_recipient()) == [
        "c1@example.com",
        "c2@example.com",
        "c3@example.com",
    ]
    assert main(["mail", "list", "--db", db_url]) == 0
    assert f"{mid}\tfinished\thello" in capsys.readouterr().out


def test_templates_from_a_folder(
    engine: Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "welcome.txt").write_text("Subject: Welcome\nHi {{ name }}", encoding="utf-8")
    assert main(["mail", "templates", str(tmp_path), "--db", db_url]) == 0
    assert "Loaded 1 template: welcome" in capsys.readouterr().out
    (tmp_path / "bad.txt").write_text("Subject: x\n{{ nope }}", encoding="utf-8")
    assert main(["mail", "templates", str(tmp_path), "--db", db_url]) == 1
    assert "unknown field nope" in capsys.readouterr().err
