"""The ``custbot`` console script (and ``python -m custbot``): ``custbot.cli.main``, its modules
loaded with the cyclic garbage collector paused (issue #19).

Loading the command line (SQLAlchemy and our 32 tables, pydantic and the configuration's models,
typer, the query language's node classes) creates ~100,000 objects that live as long as the
process, and the collector walked them again and again while they were being created: 245
collections, ~40 ms of the ~0.45 s CPU of a ``custbot ask``, for 673 objects of garbage. So the
collector is paused while ``custbot.cli`` loads; what loaded is then moved to the permanent
generation (``gc.freeze``: later collections skip it, as they would skip nothing they could
free), and the collector runs as usual from there on, for every command but ``ask``.

``ask`` answers once and exits, and runs with the collector still paused: what it makes is freed
by reference counting as it goes, and the little cyclic garbage of one answer at exit. Its ~110
collections walked what the configuration, the grammar and Babel's locale data loaded, ~8 ms
(1.8% of the instructions of ``custbot ask``, counted with callgrind).

Pydantic's plugins are off unless ``PYDANTIC_DISABLE_PLUGINS`` says otherwise: to look for
them, pydantic's first model reads the entry points of every installed distribution (~5 ms of
``custbot ask``), and custbot uses none. Set the variable (empty, or to the names of the plugins
to leave out) to have pydantic load them.

Tests and library users import ``custbot.cli`` itself and are not affected.
"""

from __future__ import annotations

import gc
import os
import sys

__all__ = ["main", "ONE_SHOT"]

# Commands that answer once and exit: the collector stays paused for them.
ONE_SHOT = frozenset({"ask"})


def main() -> int:
    """Run the command line on ``sys.argv``; returns the exit status."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    collecting = gc.isenabled()
    one_shot = False
    gc.disable()
    try:
        from custbot.cli import command_of
        from custbot.cli import main as run

        one_shot = command_of(sys.argv[1:]) in ONE_SHOT
    finally:
        gc.freeze()
        if collecting and not one_shot:
            gc.enable()
    return run()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
