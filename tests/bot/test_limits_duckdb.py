"""Every statement a chat can start is bounded in time, also on the DuckDB copy (issue #16,
defect 1): a question routed to the columnar copy is interrupted at the statement timeout and
answered "this question takes too long — narrow it", in the user's language, nothing changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine, create_engine, text

from bot.core import ChatCore
from query_language.route import Router, configure, unconfigure
from storage.columnar import ColumnarSettings
from storage.timeouts import StatementTimeout, install, statement_timeout
from tests.bot.conftest import Person, make_settings, tg
from tests.bot.seed import TODAY

# seconds of work for DuckDB on any machine: a sum over billions of generated numbers
SLOW = "SELECT sum(range % 7) AS n FROM range(20000000000)"


def test_a_slow_duckdb_statement_is_interrupted_at_the_deadline() -> None:
    engine = create_engine("duckdb:///:memory:")
    install(engine)
    with engine.connect() as conn:
        started = time.monotonic()
        with pytest.raises(StatementTimeout), statement_timeout(100):
            conn.execute(text(SLOW))
        assert time.monotonic() - started < 30  # cut off, not run to its end
        conn.rollback()  # its transaction is aborted, as on the other databases
        with statement_timeout(100):
            assert conn.execute(text("SELECT 42")).scalar() == 42  # a quick one answers
        time.sleep(0.3)  # past that deadline: its timer was cancelled, nothing is interrupted
        assert conn.execute(text("SELECT sum(range) FROM range(1000)")).scalar() == 499500
    engine.dispose()


@pytest.fixture
def slow_copy(seeded: Engine, tmp_path: Path) -> Iterator[Router]:
    """``seeded`` answered from its DuckDB copy, whose ``order_lines`` is made a slow view."""
    router = configure(
        seeded,
        ColumnarSettings(engine="duckdb", refresh="scheduled", threads=1),
        tmp_path / "copy.duckdb",
    )
    assert router is not None
    try:
        router.copy.refresh(seeded)
        data = router.copy.data_file()
        assert data is not None
        with duckdb.connect(str(data)) as db:
            db.execute("ALTER TABLE order_lines RENAME TO order_lines_real")
            db.execute(
                "CREATE VIEW order_lines AS SELECT l.* FROM order_lines_real l, "
                f"({SLOW}) AS slow WHERE slow.n >= 0"
            )
        yield router
    finally:
        unconfigure(seeded)


def test_a_slow_question_on_the_copy_is_cut_off_and_said(seeded: Engine, slow_copy: Router) -> None:
    core = ChatCore(seeded, make_settings(limits__statement_timeout_ms=200), today=TODAY)
    person = Person(core, tg(1003))
    person.say("spend by city this year")
    assert "takes too long — narrow it" in person.text()
    assert "Nothing was changed" in person.text()
    assert slow_copy.counts.get("copy", 0) >= 1, slow_copy.counts  # DuckDB answered it
    person.say("выручка по городам в этом году")
    assert "слишком долго — сузьте" in person.text()
    person.say("vip")  # a question the copy does not hold: the primary answers it at once
    assert "takes too long" not in person.text()
