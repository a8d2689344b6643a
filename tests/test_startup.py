"""``custbot ask`` starts without the heavy libraries it does not need (issue #19: under 0.4 s).

Speed itself is measured by benchmarks, never by a timed test; this checks what the start-up
loads, which is what makes it slow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from custbot.config import ConfigError, load_settings

HEAVY = (
    "pandas",
    "numpy",
    "matplotlib",
    "telegram",
    "slack_bolt",
    "pymorphy3",
    "alembic",
    "duckdb",
)
# Ours and lighter, but not for a question: each is loaded only where it is used (issue #19).
LAZY = (
    "custbot.commands.demo",  # only the command run is imported (custbot.cli.COMMAND_MODULE)
    "custbot.commands.imports",
    "storage.demo_catalog",
    "phonenumbers",  # a question that names no phone number
    "storage.leases",  # refreshing the analytical copy
    "sqlalchemy.dialects.postgresql",  # on SQLite
    "rapidfuzz",  # suggestions for words it does not know
    "babel",  # locale data: only when an amount is written
    "bot.views",  # the chat's views (ask writes its amounts with storage.formatting)
    "click",  # typer carries its own copy; click itself only for what uses it (uvicorn)
    "bot.messages",  # the chat's message parts (the acting user needs only bot.identity)
    "query_language.groups",  # answers by group and comparisons
    "query_language.dimensions",
    "query_language.compare",
    "apscheduler",  # the digests' schedules are read without it (mailing.when.recurring_cron)
)


def _probe(code: str, env: dict[str, str] | None = None) -> tuple[Any, str]:
    """Run ``code`` in a fresh interpreter (in ``env``), which must succeed: the JSON its last
    line prints, and all it printed."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stdout


def test_ask_loads_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    probe = (
        "import sys, json\n"
        "from custbot.cli import main\n"
        f"main(['--db', {db!r}, 'ask', 'count'])\n"  # the first run migrates (alembic)
        "for m in [k for k in sys.modules if k.split('.')[0] in %r]: del sys.modules[m]\n"
        f"main(['--db', {db!r}, 'ask', 'Moscow buyers of Drill this year'])\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(%r))))\n"
    ) % (HEAVY, HEAVY)
    loaded_after_migration, _printed = _probe(probe)
    # A fresh process on the migrated database: nothing heavy at all.
    fresh = (
        "import sys, json\nfrom custbot.cli import main\n"
        f"main(['--db', {db!r}, 'ask', 'Moscow buyers of Drill this year'])\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
    )
    out = subprocess.run([sys.executable, "-c", fresh], capture_output=True, text=True)
    assert out.returncode in (0, 2), out.stderr  # 2: the query's product is unknown here
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
    assert "alembic" not in loaded_after_migration
    # A question it understands (no suggestions to make) loads none of LAZY either.
    understood = (
        "import sys, json\nfrom custbot.cli import main\n"
        f"main(['--db', {db!r}, 'ask', 'top 10 customers by spend this year'])\n"
        f"print(json.dumps(sorted(set(sys.modules) & set({LAZY!r}))))\n"
    )
    assert _probe(understood)[0] == []


def test_a_phone_number_still_finds_its_customer(tmp_path: Path) -> None:
    """phonenumbers is loaded when a question is a phone number, and then it is used."""
    db = f"sqlite:///{tmp_path / 'a.db'}"
    probe = (
        "import sys, json\nfrom custbot.cli import main\n"
        f"main(['--db', {db!r}, 'ask', 'count'])\n"
        f"main(['--db', {db!r}, 'ask', '--json', 'card +7 912 345-67-89'])\n"
        "print(json.dumps('phonenumbers' in sys.modules))\n"
    )
    assert _probe(probe)[0] is True


def test_the_lazy_packages_keep_their_names() -> None:
    """Stages imported on first use must not replace the package's functions of the same
    name (``query_language.describe`` the module vs ``query_language.describe`` the echo)."""
    probe = (
        "import importlib, json, pkgutil, query_language, storage.columnar\n"
        "for pkg in (query_language, storage.columnar):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(f'{pkg.__name__}.{m.name}')\n"
        "print(json.dumps({n: type(getattr(p, n)).__name__ for p in (query_language, "
        "storage.columnar) for n in p.__all__ if type(getattr(p, n)).__name__ == 'module'}))\n"
    )
    assert _probe(probe)[0] == {}


def test_the_latin_words_only_russian_knows_are_listed() -> None:
    """``detect_language`` answers English without loading Russian when no word could make
    Russian win; that needs this list to be exactly the Latin words only Russian has."""
    import re

    from query_language.lexicon import RU_ONLY_LATIN, load_lexicon

    ru, en = load_lexicon("ru").vocabulary, load_lexicon("en").vocabulary
    assert {w for w in ru if not re.search("[а-яё]", w)} - set(en) == RU_ONLY_LATIN


def test_the_console_script_pauses_the_collector_only_while_loading() -> None:
    """``custbot`` (``custbot.__main__``) loads the command line with the garbage collector
    paused, freezes what loaded, and runs the command with the collector on."""
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["custbot"] == "custbot.__main__:main"
    probe = (
        "import gc, json, sys\n"
        "sys.argv = ['custbot', '--version']\n"
        "from custbot.__main__ import main\n"
        "status = main()\n"
        "print(json.dumps([status, gc.isenabled(), gc.get_freeze_count() > 10000]))\n"
    )
    result, printed = _probe(probe)
    assert printed.splitlines()[0].startswith("custbot ")
    assert result == [0, True, True]


def test_ask_runs_with_the_collector_paused(tmp_path: Path) -> None:
    """``custbot ask`` (``custbot.__main__.ONE_SHOT``) answers with the collector still paused,
    global options anywhere; other commands run with it on (the test above)."""
    db = f"sqlite:///{tmp_path / 'a.db'}"
    for argv in (["--db", db, "ask", "count"], ["ask", "--json", "count", "--db", db]):
        probe = (
            "import gc, json, sys\n"
            f"sys.argv = ['custbot', *{argv!r}]\n"
            "from custbot.__main__ import main\n"
            "status = main()\n"
            "print(json.dumps([status, gc.isenabled(), gc.get_freeze_count() > 10000]))\n"
        )
        assert _probe(probe)[0] == [0, False, True], argv


def test_a_configured_digest_is_checked_without_apscheduler(tmp_path: Path) -> None:
    """The digests' schedules are validated when the configuration loads, as before, but read
    without APScheduler (``custbot ask`` never runs them); a bad one still stops the start."""
    db = f"sqlite:///{tmp_path / 'a.db'}"
    config = tmp_path / "custbot.toml"
    digest = '[[digests]]\nname = "morning"\nschedule = "{}"\nquery = "vip"\n'
    config.write_text(digest.format("every monday 9:00 Europe/Berlin"), encoding="utf-8")
    probe = (
        "import sys, json\nfrom custbot.cli import main\n"
        f"main(['--config', {str(config)!r}, '--db', {db!r}, 'ask', 'count'])\n"
        f"status = main(['--config', {str(config)!r}, '--db', {db!r}, 'ask', 'count'])\n"
        "print(json.dumps([status, 'apscheduler' in sys.modules]))\n"
    )
    assert _probe(probe)[0] == [0, False]
    for bad in ("daily 25:00", "every fortnight 9:00", "monthly 32 9:00", "61 8 * * *"):
        config.write_text(digest.format(bad), encoding="utf-8")
        with pytest.raises(ConfigError, match="digests.0.schedule: Value error, must be a"):
            load_settings(config)


def test_the_console_script_leaves_pydantic_plugins_unread(tmp_path: Path) -> None:
    """``custbot`` sets ``PYDANTIC_DISABLE_PLUGINS=__all__`` unless it is set, so pydantic's
    first model reads no distribution's entry points; a value of the user's is left alone."""
    db = f"sqlite:///{tmp_path / 'a.db'}"
    probe = (
        "import json, os, sys\n"
        f"sys.argv = ['custbot', '--db', {db!r}, 'ask', 'count']\n"
        "from custbot.__main__ import main\n"
        "status = main()\n"
        "from pydantic.plugin import _loader\n"
        "print(json.dumps([status, os.environ.get('PYDANTIC_DISABLE_PLUGINS'),"
        " _loader._plugins is None]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    assert _probe(probe, env)[0] == [0, "__all__", True]
    assert _probe(probe, {**env, "PYDANTIC_DISABLE_PLUGINS": ""})[0] == [0, "", False]
