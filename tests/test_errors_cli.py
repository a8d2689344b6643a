"""``custbot ask`` never shows an exception's text (issue #16, defect 7): bad numbers, dates and
nesting are query errors in the user's language; anything else is a reference, and the
traceback is in the error log."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from custbot.cli import main
from tests.bot.seed import seed


@pytest.mark.parametrize(
    "query, said",
    [
        ("top " + "9" * 400, "too large a number"),
        ("spent over " + "9" * 400, "too large a number"),
        ("complained in 9999-12-31", "outside the dates I can use"),
        ("(" * 1000 + "vip or not (" * 300 + "Moscow" + ")" * 1300, "nested too deeply"),
        ("Moscow " + "and vip " * 500, "→ "),
        ("топ " + "9" * 400, "слишком большое число"),
    ],
)
def test_ask_answers_or_says_what_is_wrong(
    engine: Engine, db_url: str, capsys, query: str, said: str
) -> None:  # type: ignore[no-untyped-def]
    seed(engine)
    status = main(["ask", query, "--db", db_url, "--as-of", "2026-11-22"])
    out, err = capsys.readouterr()
    assert said in out + err
    assert status == (0 if said == "→ " else 2)
    for leak in ("Overflow", "Traceback", "Error:", "sqlite3", "psycopg", "stack"):
        assert leak not in out + err


def test_an_internal_error_is_a_ref_and_the_traceback_is_logged(
    tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "errors.log"
    monkeypatch.setenv("CUSTBOT_ERROR_LOG", str(log))
    garbage = tmp_path / "not-a-database.db"
    garbage.write_bytes(b"this is not SQLite, it is a text file " * 200)
    status = main(["ask", "vip", "--db", f"sqlite:///{garbage}"])
    err = capsys.readouterr().err
    assert status == 1
    assert "not a database" not in err and "DatabaseError" not in err and "Traceback" not in err
    ref = err.split("(ref ")[1].split(";")[0]
    assert len(ref) == 6 and str(log) in err
    logged = log.read_text(encoding="utf-8")
    assert f"ref {ref}" in logged and "Traceback" in logged and "not a database" in logged
