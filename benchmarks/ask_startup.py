"""``custbot ask`` start-up: CPU time of one question, process start to exit, against a bare
``python -c pass``, ``python -c "import sqlalchemy"`` and the import of every library ``ask``
cannot do without (SQLAlchemy, pydantic, typer, rich) in the same run (issue #19).

CPU time (user + sys of the child) rather than wall time, so that a busy shared machine says
less about it; the ratio to the bare interpreter is the number to compare between runs.

The children run in the temporary directory (so the demo's ``custbot.toml``, with its rating
rules and digest, is the configuration every run reads, wherever the script is started) and
without ``PYTHONDONTWRITEBYTECODE``, so that the warm-up run leaves the bytecode a user's
installation has: with it set, every run would compile the project's modules from source.

Usage::

    python benchmarks/ask_startup.py                 # a 300-customer demo in a temporary file
    python benchmarks/ask_startup.py --runs 5 --smoke
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import load_note, print_table  # noqa: E402

QUESTION = "top 10 Kazan customers by spend this year"


def cpu_seconds(argv: list[str], cwd: str | None = None) -> float:
    """User + sys CPU seconds of running ``argv`` to its end (its output discarded)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()[-500:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="3 runs, as CI runs it")
    parser.add_argument("--customers", type=int, default=300)
    args = parser.parse_args(argv)
    runs = 3 if args.smoke else args.runs
    script = Path(sys.executable).with_name("custbot")  # the console script a user runs
    custbot = [str(script)] if script.exists() else [sys.executable, "-m", "custbot"]
    with tempfile.TemporaryDirectory(prefix="custbot-ask-") as tmp:
        db = f"sqlite:///{Path(tmp) / 'demo.db'}"
        demo = [*custbot, "--db", db, "--as-of", "2026-11-22", "demo"]
        cpu_seconds([*demo, "--customers", str(args.customers)], tmp)
        ask = [*custbot, "--db", db, "--as-of", "2026-11-22", "ask", QUESTION]
        cpu_seconds(ask, tmp)  # warm the file cache and the bytecode
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import sqlalchemy'": [sys.executable, "-c", "import sqlalchemy"],
            "python -c 'import sqlalchemy, pydantic, typer, rich.table'": [
                sys.executable,
                "-c",
                "import sqlalchemy, pydantic, typer, rich.console, rich.table",
            ],
            f"custbot ask '{QUESTION}'": ask,
        }
        samples = {
            name: [cpu_seconds(cmd, tmp) for _ in range(runs)] for name, cmd in cases.items()
        }
    bare = statistics.median(samples["python -c pass"]) or 1e-3
    sqla = statistics.median(samples["python -c 'import sqlalchemy'"]) or 1e-3
    print(f"# custbot ask start-up, CPU seconds (median of {runs}); {load_note()}")
    print_table(
        ["process", "CPU s (median)", "min", "× bare python", "× import sqlalchemy"],
        [
            [
                name,
                f"{statistics.median(s):.3f}",
                f"{min(s):.3f}",
                f"{statistics.median(s) / bare:.0f}×",
                f"{statistics.median(s) / sqla:.2f}×",
            ]
            for name, s in samples.items()
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
